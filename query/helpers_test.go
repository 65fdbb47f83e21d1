package query

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"claimgraph/graph"
	"claimgraph/loader"
)

// testStore loads the seed and the corpus into a memory store.
func testStore(t testing.TB) *graph.Store {
	t.Helper()
	files, err := loader.Expand([]string{"../testdata/000_7e1f6717d204dd7e.txt", "../testdata/corpus"})
	if err != nil {
		t.Fatal(err)
	}
	st := graph.OpenMemory()
	var changes []graph.Change
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		rd, closer, err := loader.NewReader(filepath.Base(name), loader.FormatOf(name), f, nil)
		if err != nil {
			t.Fatal(err)
		}
		for {
			item, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			changes = append(changes, item.Change)
		}
		closer.Close()
		f.Close()
	}
	if _, err := st.Apply(context.Background(), changes); err != nil {
		t.Fatal(err)
	}
	return st
}
