package graph_test

import (
	"flag"
	"path/filepath"
	"testing"

	"claimgraph/graph"
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
