package query

import (
	"context"
	"path/filepath"
	"testing"

	"claimgraph/graph"
	"claimgraph/graph/pgtest"
	"claimgraph/loader"
)

// loadStore loads files into a new store of the given backend, "memory"
// for Cayley's memstore.
func loadStore(t testing.TB, backend string, paths ...string) *graph.Store {
	t.Helper()
	st := graph.OpenMemory()
	if backend != "memory" {
		loc := filepath.Join(t.TempDir(), "kb.db")
		if backend == "postgres" {
			loc = pgtest.URL(t)
		}
		var err error
		st, err = graph.Open(context.Background(), loc, graph.Options{Backend: backend})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
	}
	changes, err := loader.ReadFiles(paths...)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(changes); i += 2000 {
		if _, err := st.Apply(context.Background(), changes[i:min(i+2000, len(changes))]); err != nil {
			t.Fatal(err)
		}
	}
	return st
}
