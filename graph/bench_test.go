package graph_test

import (
	"context"
	"flag"
	"path/filepath"
	"testing"

	"github.com/cayleygraph/quad"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/loader/gen"
)

var benchSources = flag.Int("bench.sources", 10000, "generated sources for the load benchmark")

// BenchmarkLoad loads a generated corpus into a fresh on-disk store per
// iteration, in batches of 2,000 records as `claimgraph load` does, and
// reports records/s and quads/s. Parsing is outside the timed part.
//
//	go test ./graph -run '^$' -bench Load -benchtime 1x
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	if err := gen.Write(filepath.Join(dir, "corpus"), gen.Config{Sources: *benchSources, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	changes := readChanges(b, filepath.Join(dir, "corpus"))
	var quads int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st := openDisk(b, filepath.Join(b.TempDir(), "kb.db"))
		quads = 0
		for j := 0; j < len(changes); j += 2000 {
			quads += apply(b, st, changes[j:min(j+2000, len(changes))]...).Added
		}
		st.Close()
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(len(changes))/sec, "records/s")
	b.ReportMetric(float64(quads)/sec, "quads/s")
	_ = graph.DefaultBackend
}

// BenchmarkBackends compares the backends on what a query does most: a
// point lookup (the quotes of one source, through the object index) and a
// label scan (every Quote node). It loads a generated corpus into each.
//
//	go test ./graph -run '^$' -bench Backends -bench.sources 10000
func BenchmarkBackends(b *testing.B) {
	dir := b.TempDir()
	if err := gen.Write(filepath.Join(dir, "corpus"), gen.Config{Sources: *benchSources, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	changes := readChanges(b, filepath.Join(dir, "corpus"))
	for _, backend := range []string{"leveldb", "bolt", "bbolt"} {
		st, err := graph.Open(context.Background(), filepath.Join(dir, backend+".db"), graph.Options{Backend: backend})
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < len(changes); j += 2000 {
			apply(b, st, changes[j:min(j+2000, len(changes))]...)
		}
		qs := st.QuadStore()
		count := func(d quad.Direction, v quad.Value, pred quad.Value) int {
			ref, _ := qs.ValueOf(v)
			pref, _ := qs.ValueOf(pred)
			it := qs.QuadIterator(d, ref).Iterate()
			defer it.Close()
			n := 0
			for it.Next(context.Background()) {
				if p, _ := qs.QuadDirection(it.Result(), quad.Predicate); p != nil && p.Key() == pref.Key() {
					n++
				}
			}
			return n
		}
		b.Run(backend+"/point", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if n := count(quad.Object, claim.Node("src_g42"), claim.RelIRI(claim.RelQuotedIn)); n < 2 {
					b.Fatalf("source has %d quotes", n)
				}
			}
		})
		b.Run(backend+"/label-scan", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if n := count(quad.Object, claim.LabelIRI(claim.LabelQuote), claim.PredType); n < *benchSources*2 {
					b.Fatalf("%d quotes", n)
				}
			}
		})
		st.Close()
	}
}
