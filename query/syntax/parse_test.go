package syntax

import (
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
