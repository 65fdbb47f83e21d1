package loader

import (
	"fmt"
	"strings"
)

// Pos is a position in an input file. Line and Col count from 1; Col counts
// characters, not bytes.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.Col > 0 {
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Error is a bad record: where it is, which record (when its id was read)
// and what was expected.
type Error struct {
	Pos    Pos
	Record string
	Msg    string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Warning is a problem that does not stop a record from loading, such as a
// section whose item count differs from its heading's.
type Warning struct {
	Pos Pos
	Msg string
}

func (w Warning) String() string { return w.Pos.String() + ": warning: " + w.Msg }

// ErrorList is the errors of one file, in input order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}
