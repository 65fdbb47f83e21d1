package query

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"claimgraph/query/operator"

	"github.com/rogpeppe/go-internal/txtar"

	"claimgraph/graph"
	"claimgraph/query/value"
)

var (
	fuzzStoreOnce sync.Once
	fuzzStore     *graph.Store
)

// FuzzQuery plans and runs arbitrary queries — mutations of the
// conformance cases — on the small knowledge base, under limits. Whatever
// the query, Prepare and Run must not panic, must stop within their limits,
// and must fail only with positioned errors or limit errors. On a store
// with a query index, where a plan that has run is kept for the next
// Prepare of its text, the query runs twice and must give the same rows.
func FuzzQuery(f *testing.F) {
	indexed := loadStore(f, "bbolt", "testdata/kb.txt")
	if _, err := indexed.Index(context.Background()); err != nil || !indexed.HasIndex() {
		f.Fatalf("no query index: %v", err)
	}
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
		err = p.Run(ctx, fuzzStore, Options{Limits: operator.Limits{MaxRows: 10000, MaxIntermediate: 200000, MaxHops: 8}}, func([]value.Value) error { return nil })
		if time.Since(start) > 4*time.Second {
			t.Fatalf("query ran %v past a 2 s timeout", time.Since(start))
		}
		var le *operator.LimitError
		if err != nil && !errors.As(err, &le) && !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), ":") {
			t.Fatalf("unpositioned error: %v", err)
		}
		first, ferr := fuzzRows(ctx, indexed, src)
		again, aerr := fuzzRows(ctx, indexed, src)
		if errors.Is(ferr, context.DeadlineExceeded) || errors.Is(aerr, context.DeadlineExceeded) {
			return
		}
		if first != again || fmt.Sprint(ferr) != fmt.Sprint(aerr) {
			t.Fatalf("run again on its kept plan:\n%s%v\nthe first time:\n%s%v", again, aerr, first, ferr)
		}
	})
}

// fuzzRows runs src and renders its rows, up to the run's error.
func fuzzRows(ctx context.Context, st *graph.Store, src string) (string, error) {
	p, err := Prepare(ctx, st, src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = p.Run(ctx, st, Options{Limits: operator.Limits{MaxRows: 10000, MaxIntermediate: 200000, MaxHops: 8}}, func(row []value.Value) error {
		for _, v := range row {
			b.WriteString(value.Text(v) + "\t")
		}
		b.WriteString("\n")
		return nil
	})
	return b.String(), err
}
