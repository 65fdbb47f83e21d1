package loader

import (
	"compress/gzip"
	"context"
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
//
// Inside a directory, what is not a regular file (FIFOs, sockets, devices,
// symbolic links that lead nowhere or to one of those) and what cannot be
// read is passed over and reported to skipped, if set, with the reason:
// reading a FIFO would wait for a writer that may never come. A path
// named on the command line is read whatever it is.
func Expand(paths []string, skipped func(path, why string)) ([]string, error) {
	skip := func(path, why string) {
		if skipped != nil {
			skipped(path, why)
		}
	}
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
				if path == p {
					return err
				}
				skip(path, err.Error())
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || FormatOf(path) == "" {
				return nil
			}
			switch t := d.Type(); {
			case t.IsRegular():
				found = append(found, path)
			case t&fs.ModeSymlink != 0:
				target, err := os.Stat(path)
				switch {
				case err != nil:
					skip(path, "a symbolic link that leads nowhere")
				case target.Mode().IsRegular():
					found = append(found, path)
				default:
					skip(path, "a symbolic link to "+kind(target.Mode()))
				}
			default:
				skip(path, kind(t))
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

// kind names a file mode that is not a regular file's.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// WithContext returns a reader of r that fails with ctx's error once ctx
// is done, so that reading a stream that never ends (a device, a pipe
// whose writer keeps writing) stops at Ctrl-C.
func WithContext(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
