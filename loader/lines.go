package loader

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Default limits of the readers; see Limits.
const (
	MaxLine   = 1 << 20  // the longest line, newline excluded
	MaxRecord = 16 << 20 // the largest record in the text format
)

// Limits bound what a reader accepts, so that one runaway line or record
// cannot exhaust memory. Zero fields take the defaults.
type Limits struct {
	MaxLine   int
	MaxRecord int
}

func (l Limits) line() int {
	if l.MaxLine > 0 {
		return l.MaxLine
	}
	return MaxLine
}

func (l Limits) record() int {
	if l.MaxRecord > 0 {
		return l.MaxRecord
	}
	return MaxRecord
}

// line is one input line with its number, without its line end.
type line struct {
	n    int
	text string
	bad  *Error // set when the line cannot be used (too long, bad bytes)
}

// lineReader splits input into lines, accepting LF and CRLF ends, a UTF-8
// BOM on the first line and a missing final newline. It checks each line for
// invalid UTF-8, NUL bytes and excessive length, and marks bad lines rather
// than failing, so the reader can skip the record they belong to.
type lineReader struct {
	file    string
	br      *bufio.Reader
	n       int
	maxLine int
	ended   bool // a runaway line ended the input (see maxSkip)
}

// maxSkip is how much of a line too long to use the reader skips looking
// for its end before it gives up on the rest of the input: no record is
// larger, and a stream without line ends (a binary file, /dev/zero) would
// otherwise be read for ever.
func (lr *lineReader) maxSkip() int { return max(MaxRecord, 2*lr.maxLine) }

func newLineReader(file string, r io.Reader) *lineReader {
	return &lineReader{file: file, br: bufio.NewReaderSize(r, 64<<10), maxLine: MaxLine}
}

// next returns the next line, or io.EOF.
func (lr *lineReader) next() (line, error) {
	if lr.ended {
		return line{}, io.EOF
	}
	var buf []byte
	tooLong := false
	skipped := 0
	for {
		chunk, err := lr.br.ReadSlice('\n')
		if len(buf)+len(chunk) > lr.maxLine+2 {
			tooLong = true
			skipped += len(chunk)
		} else {
			buf = append(buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			if skipped > lr.maxSkip() {
				lr.n++
				lr.ended = true
				return line{n: lr.n, bad: lr.errorf(lr.n, lr.maxLine+1, "no line end in %d bytes: not record text? (the rest of the input is not read)", len(buf)+skipped)}, nil
			}
			continue
		}
		if err == io.EOF && len(buf) == 0 && !tooLong {
			return line{}, io.EOF
		}
		if err != nil && err != io.EOF {
			return line{}, err
		}
		break
	}
	lr.n++
	l := line{n: lr.n}
	buf = bytes.TrimSuffix(buf, []byte("\n"))
	buf = bytes.TrimSuffix(buf, []byte("\r"))
	if lr.n == 1 {
		buf = bytes.TrimPrefix(buf, []byte("\xef\xbb\xbf"))
	}
	if tooLong || len(buf) > lr.maxLine {
		l.bad = lr.errorf(lr.n, lr.maxLine+1, "line is longer than %d bytes (raise the limit with --max-line)", lr.maxLine)
		return l, nil
	}
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		l.bad = lr.errorf(lr.n, utf8.RuneCount(buf[:i])+1, "NUL byte in text")
		return l, nil
	}
	if !utf8.Valid(buf) {
		i := invalidAt(buf)
		l.bad = lr.errorf(lr.n, utf8.RuneCount(buf[:i])+1, "invalid UTF-8 (byte 0x%02x)", buf[i])
		return l, nil
	}
	l.text = string(buf)
	return l, nil
}

func (lr *lineReader) errorf(n, col int, format string, args ...any) *Error {
	return &Error{Pos: Pos{File: lr.file, Line: n, Col: col}, Msg: fmt.Sprintf(format, args...)}
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}
