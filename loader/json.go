package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"claimgraph/graph/claim"
)

// JSONReader reads records in JSON: one record object, an array of them, or
// (with lines set) JSON Lines, one object per line. The object's fields are
// those of claim.Record; unknown fields are errors.
type JSONReader struct {
	file  string
	lines bool
	lr    *lineReader
	data  []byte
	dec   *json.Decoder
	array bool
	done  bool
	err   error
}

var _ Reader = (*JSONReader)(nil)

// NewJSONReader reads a JSON document holding one record or an array.
func NewJSONReader(file string, r io.Reader) *JSONReader {
	jr := &JSONReader{file: file}
	jr.data, jr.err = io.ReadAll(r)
	jr.data = bytes.TrimPrefix(jr.data, []byte("\xef\xbb\xbf"))
	jr.dec = json.NewDecoder(bytes.NewReader(jr.data))
	jr.dec.DisallowUnknownFields()
	return jr
}

// NewJSONLinesReader reads JSON Lines: one record object per line; blank
// lines are skipped. A bad line fails only its own record.
func NewJSONLinesReader(file string, r io.Reader) *JSONReader {
	return &JSONReader{file: file, lines: true, lr: newLineReader(file, r)}
}

// SetLimits changes the line limit of JSON Lines; call it before Next.
func (jr *JSONReader) SetLimits(l Limits) {
	if jr.lr != nil {
		jr.lr.maxLine = l.line()
	}
}

// Next returns the next record.
func (jr *JSONReader) Next() (Item, error) {
	if jr.lines {
		return jr.nextLine()
	}
	if jr.err != nil {
		return Item{}, jr.err
	}
	if jr.done {
		return Item{}, io.EOF
	}
	start := skipSpace(jr.data, int(jr.dec.InputOffset()))
	if !jr.array {
		if start < len(jr.data) && jr.data[start] == '[' {
			jr.dec.Token()
			jr.array = true
			return jr.Next()
		}
		jr.done = true
		if start >= len(jr.data) {
			return Item{}, io.EOF
		}
	} else if !jr.dec.More() {
		jr.done = true
		if _, err := jr.dec.Token(); err != nil {
			return Item{}, jr.syntax(err, start)
		}
		return Item{}, io.EOF
	}
	// The decoder reports the offset after a separating comma.
	if start < len(jr.data) && jr.data[start] == ',' {
		start = skipSpace(jr.data, start+1)
	}
	var rec claim.Record
	if err := jr.dec.Decode(&rec); err != nil {
		jr.done = true // a JSON document cannot be resynchronised after a syntax error
		return Item{Pos: jr.pos(start)}, jr.syntax(err, start)
	}
	return jr.item(&rec, jr.pos(start))
}

func (jr *JSONReader) nextLine() (Item, error) {
	for {
		l, err := jr.lr.next()
		if err != nil {
			return Item{}, err
		}
		p := Pos{File: jr.file, Line: l.n, Col: 1}
		if l.bad != nil {
			return Item{Pos: p}, l.bad
		}
		if strings.TrimSpace(l.text) == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(l.text))
		dec.DisallowUnknownFields()
		var rec claim.Record
		if err := dec.Decode(&rec); err != nil {
			return Item{Pos: p}, jsonError(err, l.text, 0, p.File, l.n)
		}
		if dec.More() {
			return Item{Pos: p}, &Error{Pos: p, Msg: "expected one JSON object per line"}
		}
		return jr.item(&rec, p)
	}
}

func (jr *JSONReader) item(rec *claim.Record, p Pos) (Item, error) {
	if err := rec.Validate(); err != nil {
		return Item{Pos: p}, &Error{Pos: p, Record: rec.ID, Msg: err.Error()}
	}
	return Item{Pos: p, Change: claim.Change{Record: rec}}, nil
}

func (jr *JSONReader) pos(off int) Pos {
	line, col := lineCol(jr.data, off)
	return Pos{File: jr.file, Line: line, Col: col}
}

func (jr *JSONReader) syntax(err error, start int) error {
	return jsonError(err, string(jr.data), start, jr.file, 0)
}

// jsonError turns a decoding error into an *Error at the offending offset.
// text is the whole input (lineBase 0) or one line (lineBase its number).
func jsonError(err error, text string, start int, file string, lineBase int) *Error {
	off := start
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	msg := err.Error()
	switch {
	case errors.As(err, &se):
		off = int(se.Offset) - 1
	case errors.As(err, &te):
		off = valueStart(text, int(te.Offset))
		msg = fmt.Sprintf("field %q: expected a %s, got a JSON %s", te.Field, te.Type, te.Value)
		if te.Field == "" {
			msg = fmt.Sprintf("expected a record object, got a JSON %s", te.Value)
		}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		off = len(text)
		msg = "unexpected end of input: the JSON is truncated"
	}
	msg = strings.TrimPrefix(msg, "json: ")
	if off < 0 {
		off = 0
	}
	if off > len(text) {
		off = len(text)
	}
	line, col := lineCol([]byte(text), off)
	if lineBase > 0 {
		line = lineBase
	}
	return &Error{Pos: Pos{File: file, Line: line, Col: col}, Msg: msg}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// lineCol returns the line and character column of byte offset off.
func lineCol(b []byte, off int) (int, int) {
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	start := bytes.LastIndexByte(b[:off], '\n') + 1
	return line, len([]rune(string(b[start:off]))) + 1
}

// valueStart finds the first byte of the JSON value that ends at end, so a
// type error points at the value rather than past it.
func valueStart(text string, end int) int {
	if end > len(text) {
		end = len(text)
	}
	i := end - 1
	if i >= 0 && text[i] == '"' {
		for i--; i >= 0; i-- {
			if text[i] == '"' && (i == 0 || text[i-1] != '\\') {
				return i
			}
		}
		return 0
	}
	for i >= 0 && strings.IndexByte("0123456789.+-eEtrufalsn", text[i]) >= 0 {
		i--
	}
	return i + 1
}
