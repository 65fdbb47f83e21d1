package syntax

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestPatternPredicateOrParen pins the one place that needs a lookahead
// of two: a parenthesis in WHERE opens a pattern or an expression.
func TestPatternPredicateOrParen(t *testing.T) {
	for _, src := range []string{
		"MATCH (n) WHERE (n)-[:X]->() RETURN n",
		"MATCH (n) WHERE (n)<-[:X]-(:A {k: 1}) RETURN n",
		"MATCH (n) WHERE (n.x) - 1 = 2 RETURN n",
		"MATCH (n) WHERE (n.x = 1) AND NOT (n)--() RETURN n",
	} {
		if _, err := Parse("q", src); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
}

func TestSnippet(t *testing.T) {
	got := Snippet("MATCH (s)\nRETURN sé.x", Errorf(Position(2, 10), "x").Pos)
	want := "RETURN sé.x\n         ^"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestNestingLimit: brackets of any kind nested deeper than MaxDepth are
// an error at the bracket that goes too deep, found before the parser
// recurses (100,000 levels overflowed its stack); MaxDepth levels parse;
// brackets inside strings, names and comments do not count.
func TestNestingLimit(t *testing.T) {
	for _, open := range []string{"(", "[", "{"} {
		closer := map[string]string{"(": ")", "[": "]", "{": "}"}[open]
		inner := "1"
		if open == "{" {
			inner = "a: 1"
		}
		nest := func(n int) string {
			if open == "{" {
				return "RETURN " + strings.Repeat("{a: ", n-1) + "{" + inner + strings.Repeat("}", n) + " AS x"
			}
			return "RETURN " + strings.Repeat(open, n) + inner + strings.Repeat(closer, n) + " AS x"
		}
		for _, n := range []int{MaxDepth + 1, 100000} {
			_, err := Parse("query", nest(n))
			want := "query:1:"
			if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), ": expressions nested deeper than 256") {
				t.Errorf("%s × %d: %v", open, n, err)
			}
		}
		if _, err := Parse("query", nest(MaxDepth-1)); err != nil {
			t.Errorf("%s × %d: %v", open, MaxDepth-1, err)
		}
	}
	deepText := "RETURN '" + strings.Repeat("(", 1000) + "' AS s, `" + strings.Repeat("[", 1000) + "` AS t // " + strings.Repeat("{", 1000)
	if _, err := Parse("query", deepText); err != nil && strings.Contains(err.Error(), "nested") {
		t.Errorf("brackets in a string, a name or a comment counted: %v", err)
	}
	var e *Error
	_, err := Parse("query", "RETURN "+strings.Repeat("(", 300)+"1"+strings.Repeat(")", 300))
	if !errors.As(err, &e) || e.Pos.Column != len("RETURN ")+MaxDepth+1 {
		t.Errorf("error %v, want it at the bracket of level %d", err, MaxDepth+1)
	}
}

// TestQueryTooLong: a query text longer than MaxBytes is refused before
// it is parsed, saying what to do instead.
func TestQueryTooLong(t *testing.T) {
	src := "RETURN [" + strings.Repeat("'x',", MaxBytes/4) + "'x'] AS l"
	_, err := Parse("query", src)
	if err == nil || !strings.Contains(err.Error(), "query:1:1: the query is") || !strings.Contains(err.Error(), "pass long lists as parameters") {
		t.Errorf("got %v", err)
	}
}

// TestSnippetOfALongLine: the line shown under an error is cut around the
// column, the caret still under it.
func TestSnippetOfALongLine(t *testing.T) {
	line := strings.Repeat("a", 5000) + "X" + strings.Repeat("b", 5000)
	got := Snippet(line, Position(1, 5001))
	lines := strings.Split(got, "\n")
	if len([]rune(lines[0])) > 130 {
		t.Errorf("a line of %d runes shown", len([]rune(lines[0])))
	}
	if caret := len(lines[1]) - 1; []rune(lines[0])[caret] != 'X' {
		t.Errorf("the caret is under %q:\n%s", []rune(lines[0])[caret], got)
	}
}

// FuzzParse: the parser never panics, and every error it returns has a
// position inside the query.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../testdata/conformance/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if strings.HasSuffix(af.Name, ".cypher") {
				f.Add(string(af.Data))
			}
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, err := Parse("q", src)
		if err == nil {
			return
		}
		e, ok := err.(*Error)
		if !ok {
			t.Fatalf("error without a position: %v", err)
		}
		lines := strings.Count(src, "\n") + 1
		if e.Pos.Line < 1 || e.Pos.Line > lines {
			t.Fatalf("error line %d outside the query's %d lines: %v", e.Pos.Line, lines, err)
		}
		_ = Snippet(src, e.Pos)
	})
}
