package query

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"claimgraph/graph"
)

var (
	fuzzStoreOnce sync.Once
	fuzzStore     *graph.Store
)

// FuzzQuery plans and runs arbitrary queries — mutations of the
// conformance cases — on the small knowledge base, under limits. Whatever
// the query, Prepare and Run must not panic, must stop within their limits,
// and must fail only with positioned errors or limit errors.
func FuzzQuery(f *testing.F) {
	files, _ := filepath.Glob("testdata/conformance/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if strings.HasSuffix(af.Name, ".cypher") && !strings.Contains(string(af.Data), "// param") {
				f.Add(string(af.Data))
			}
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		fuzzStoreOnce.Do(func() { fuzzStore = loadStore(t, "memory", "testdata/kb.txt") })
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		p, err := Prepare(ctx, fuzzStore, src)
		if err != nil {
			return
		}
		start := time.Now()
		err = p.Run(ctx, fuzzStore, Options{Limits: Limits{MaxRows: 10000, MaxIntermediate: 200000, MaxHops: 8}}, func([]Value) error { return nil })
		if time.Since(start) > 4*time.Second {
			t.Fatalf("query ran %v past a 2 s timeout", time.Since(start))
		}
		var le *LimitError
		if err != nil && !errors.As(err, &le) && !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), ":") {
			t.Fatalf("unpositioned error: %v", err)
		}
	})
}
