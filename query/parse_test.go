package query_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"claimgraph/query"
	"claimgraph/query/querytest"
	"claimgraph/query/syntax"
)

// TestPlanKeepsTree: Prepare keeps the parsed tree of a query for the next
// Prepare of the same text, which is only right if planning and running
// never change the tree. Each conformance query is planned and run on the
// store it is written for, and its kept tree must still equal a fresh
// parse of the same text.
func TestPlanKeepsTree(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance files: %v", err)
	}
	checked := 0
	for _, file := range files {
		kind := "kb"
		for _, k := range querytest.Kinds {
			if strings.HasPrefix(filepath.Base(file), k) {
				kind = k
			}
		}
		st := querytest.Open(t, "bbolt")
		querytest.Load(t, st, querytest.Files("..", kind)...)
		if _, err := st.Index(t.Context()); err != nil {
			t.Fatal(err)
		}
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if !strings.HasSuffix(f.Name, ".cypher") {
				continue
			}
			src := string(f.Data)
			fresh, err := syntax.Parse("query", src)
			if err != nil {
				continue // an error case: nothing is kept
			}
			querytest.RunCase(st, src)
			kept := query.ParsedTree(src)
			if kept == nil {
				t.Fatalf("%s: %s: no tree kept", filepath.Base(file), f.Name)
			}
			if !reflect.DeepEqual(kept, fresh) {
				t.Errorf("%s: %s: planning or running changed the parsed tree", filepath.Base(file), f.Name)
			}
			checked++
		}
	}
	if checked < 100 {
		t.Fatalf("only %d queries checked", checked)
	}
}
