package loader

import (
	"errors"
	"io"
	"os"

	"claimgraph/graph/claim"
)

// ReadFiles reads every record of the given files and directories (see
// Expand), each in the format of its extension. It stops at the first bad
// record or unreadable file: it is for input known to be good, such as
// test data; `claimgraph load` reports and skips bad records instead.
func ReadFiles(paths ...string) ([]claim.Change, error) {
	files, err := Expand(paths, nil)
	if err != nil {
		return nil, err
	}
	var out []claim.Change
	for _, name := range files {
		changes, err := readFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, changes...)
	}
	return out, nil
}

func readFile(name string) ([]claim.Change, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	format := FormatOf(name)
	if format == "" {
		format = "text"
	}
	rd, closer, err := NewReader(name, format, f, nil)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	var out []claim.Change
	for {
		item, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, item.Change)
	}
}
