package loader_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/loader"
)

// seed adds every file of testdata with one of the extensions.
func seed(f *testing.F, exts ...string) {
	paths, _ := filepath.Glob("../testdata/*/*")
	more, _ := filepath.Glob("../testdata/*")
	edge, _ := filepath.Glob("../testdata/corpus/edge/*")
	for _, p := range append(append(paths, more...), edge...) {
		for _, e := range exts {
			if filepath.Ext(p) == e {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
		}
	}
}

// check reads everything a reader yields: it must never panic, every bad
// record must come as a positioned *Error, and every good record must
// load into a store.
func check(t *testing.T, rd loader.Reader) {
	st := graph.OpenMemory()
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		item, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		var le *loader.Error
		if errors.As(err, &le) {
			if le.Pos.Line < 1 || le.Pos.Col < 1 {
				t.Fatalf("error without a position: %v", le)
			}
			continue
		}
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		if item.Change.Record != nil {
			if err := item.Change.Record.Validate(); err != nil {
				t.Fatalf("reader yielded an invalid record: %v", err)
			}
		}
		if id := item.Change.ID(); !seen[id] {
			seen[id] = true
			if _, err := st.Apply(context.Background(), []claim.Change{item.Change}); err != nil {
				t.Fatalf("good record %s does not load: %v", id, err)
			}
		}
	}
	t.Fatalf("reader did not reach the end of its input")
}

func FuzzTextReader(f *testing.F) {
	seed(f, ".txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, loader.NewTextReader("fuzz.txt", bytes.NewReader(data), nil))
	})
}

func FuzzJSONReader(f *testing.F) {
	seed(f, ".json", ".jsonl")
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, loader.NewJSONReader("fuzz.json", bytes.NewReader(data)))
		check(t, loader.NewJSONLinesReader("fuzz.jsonl", bytes.NewReader(data)))
	})
}

func FuzzQuadReader(f *testing.F) {
	seed(f, ".nq", ".nt")
	f.Add([]byte(`<cg:x> <cg:prop/name> "\U80000000" <cg:src_bad> .`))
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, loader.NewQuadReader("fuzz.nq", bytes.NewReader(data), false))
		check(t, loader.NewQuadReader("fuzz.nt", bytes.NewReader(data), true))
	})
}
