package loader

import (
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Formats are the input formats by name.
var Formats = []string{"text", "json", "jsonl", "nquads", "ntriples"}

// extensions maps file extensions to formats; a trailing ".gz" is removed
// first. Directories are searched for these extensions only.
var extensions = map[string]string{
	".txt": "text", ".rec": "text", ".json": "json", ".jsonl": "jsonl",
	".ndjson": "jsonl", ".nq": "nquads", ".nt": "ntriples",
}

// FormatOf returns the format of a file name from its extension, or "".
func FormatOf(name string) string {
	return extensions[strings.ToLower(filepath.Ext(strings.TrimSuffix(name, ".gz")))]
}

// NewReader returns a reader of the given format. A name ending in ".gz"
// is decompressed. warn receives warnings of the text format.
func NewReader(name, format string, r io.Reader, warn func(Warning)) (Reader, io.Closer, error) {
	return NewReaderLimits(name, format, r, warn, Limits{})
}

// NewReaderLimits is NewReader with limits other than the defaults.
func NewReaderLimits(name, format string, r io.Reader, warn func(Warning), l Limits) (Reader, io.Closer, error) {
	rd, closer, err := newReader(name, format, r, warn)
	if err == nil {
		rd.(interface{ SetLimits(Limits) }).SetLimits(l)
	}
	return rd, closer, err
}

func newReader(name, format string, r io.Reader, warn func(Warning)) (Reader, io.Closer, error) {
	var closer io.Closer = io.NopCloser(nil)
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		r, closer = zr, zr
	}
	switch format {
	case "text":
		return NewTextReader(name, r, warn), closer, nil
	case "json":
		return NewJSONReader(name, r), closer, nil
	case "jsonl":
		return NewJSONLinesReader(name, r), closer, nil
	case "nquads":
		return NewQuadReader(name, r, false), closer, nil
	case "ntriples":
		return NewQuadReader(name, r, true), closer, nil
	}
	return nil, nil, fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// Expand turns the paths given on a command line into files: directories
// are walked for files with a known extension, in lexical order; files are
// taken as they are. "-" stands for standard input.
func Expand(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		if p == "-" {
			out = append(out, p)
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && FormatOf(path) != "" {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}
