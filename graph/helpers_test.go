package graph_test

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/graph/pgtest"
	"claimgraph/loader"
)

// root is the repository's testdata directory.
const root = "../testdata"

// readChanges reads every record of the given files (or directories).
func readChanges(t testing.TB, paths ...string) []claim.Change {
	t.Helper()
	changes, err := loader.ReadFiles(paths...)
	if err != nil {
		t.Fatal(err)
	}
	return changes
}

// parseText reads records from record text given inline.
func parseText(t testing.TB, text string) []claim.Change {
	t.Helper()
	rd := loader.NewTextReader("test.txt", strings.NewReader(text), nil)
	var out []claim.Change
	for {
		item, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, item.Change)
	}
}

func apply(t testing.TB, st *graph.Store, changes ...claim.Change) graph.Result {
	t.Helper()
	res, err := st.Apply(context.Background(), changes)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// dump returns every quad of the store as sorted N-Quads lines; with
// facts set, bookkeeping quads are left out.
func dump(t testing.TB, st *graph.Store, facts bool) []string {
	t.Helper()
	var out []string
	err := st.Quads(context.Background(), func(q quad.Quad) error {
		if !facts || !claim.IsMeta(q.Predicate) {
			out = append(out, claim.FormatQuad(q))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func openDisk(t testing.TB, dir string) *graph.Store {
	t.Helper()
	st, err := graph.Open(context.Background(), dir, graph.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// newStore opens a new empty store of a kind: a key-value backend in a
// temporary directory, or "postgres", a fresh database (skipped without a
// server; see pgtest). It returns the store and where it is.
func newStore(t testing.TB, kind string) (*graph.Store, string) {
	t.Helper()
	loc := filepath.Join(t.TempDir(), "kb.db")
	if kind == "postgres" {
		loc = pgtest.URL(t)
	}
	st, err := graph.Open(context.Background(), loc, graph.Options{Backend: kind})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, loc
}

// persistent are the kinds of store the store tests run on.
var persistent = []string{graph.DefaultBackend, "postgres"}

// verify fails the test if the store's own bookkeeping is inconsistent.
func verify(t testing.TB, st *graph.Store) {
	t.Helper()
	if err := st.Verify(context.Background()); err != nil {
		t.Error(err)
	}
}

func tempStore(t testing.TB) (*graph.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "kb.db")
	st := openDisk(t, dir)
	t.Cleanup(func() { st.Close() })
	return st, dir
}
