package query

import (
	"context"
	"flag"
	"path/filepath"
	"testing"

	"claimgraph/graph"
	"claimgraph/loader/gen"
	"claimgraph/query/value"
)

var (
	benchSources = flag.Int("bench.sources", 10000, "generated sources for the query benchmarks")
	benchBackend = flag.String("bench.backend", graph.DefaultBackend, "store of the query benchmarks: a key-value backend, or postgres (needs $CLAIMGRAPH_TEST_POSTGRES)")
	benchDB      = flag.String("bench.db", "", "an existing store to query instead of loading a generated corpus (profiles without the load)")
	benchIndex   = flag.Bool("bench.index", true, "build the embedded store's query index, as a load does; false reads through Cayley's indexes")
)

// BenchQueries are the queries the benchmarks and scripts/bench-query.sh
// measure, on a corpus from loader/gen.
var BenchQueries = []struct{ Name, Query string }{
	{"product", `MATCH (q:Quote)-[:QUOTED_IN]->(s:Source)-[:AUTHORED_BY]->(p:Person)
      -[:AFFILIATED_WITH]->(:Organisation)-[:PART_OF*0..]->(o:Organisation)
      -[i:INTERESTED_IN]->(t:Topic)<-[:ABOUT]-(q)
WHERE i.kind = 'commercial'
RETURN p.name AS author, o.name AS organisation, t.name AS topic, q.text AS claim, q.weight AS weight
ORDER BY weight DESC`},
	{"product-no-topic", `MATCH (q:Quote)-[:QUOTED_IN]->(s:Source)-[:AUTHORED_BY]->(p:Person)
      -[:AFFILIATED_WITH]->(:Organisation)-[:PART_OF*0..]->(o:Organisation)
      -[i:INTERESTED_IN]->(t:Topic)
WHERE i.kind = 'commercial'
RETURN p.name AS author, o.name AS organisation, t.name AS topic, q.text AS claim, q.weight AS weight
ORDER BY weight DESC`},
	{"org-aggregate", `MATCH (o:Organisation)<-[:AFFILIATED_WITH]-(:Person)<-[:AUTHORED_BY]-(:Source)<-[:QUOTED_IN]-(q:Quote)
RETURN o.name AS organisation, count(q) AS quotes, avg(q.weight) AS mean_weight
ORDER BY quotes DESC LIMIT 10`},
	{"source-quotes", `MATCH (q:Quote)-[:QUOTED_IN]->(:Source {id: 'src_g42'}) RETURN q.text, q.weight`},
	{"person-quotes", `MATCH (q:Quote)-[:QUOTED_IN]->(:Source)-[:AUTHORED_BY]->(:Person {id: 'per_g7'}) RETURN q.text, q.weight`},
}

// BenchmarkQueries runs each benchmark query on a generated corpus loaded
// into the default on-disk backend (or -bench.backend), and reports rows
// per run.
//
//	go test ./query -run '^$' -bench Queries -bench.sources 10000
//	go test ./query -run '^$' -bench Queries -bench.backend postgres
//	go test ./query -run '^$' -bench Queries -bench.index=false   (through Cayley)
//	go test ./query -run '^$' -bench Queries -bench.db STORE -cpuprofile q.prof
//	  (an existing store, loaded with claimgraph load: profiles without the load)
func BenchmarkQueries(b *testing.B) {
	st := benchStore(b)
	for _, bq := range BenchQueries {
		b.Run(bq.Name, func(b *testing.B) {
			ctx := context.Background()
			rows := 0
			for i := 0; i < b.N; i++ {
				p, err := Prepare(ctx, st, bq.Query)
				if err != nil {
					b.Fatal(err)
				}
				rows = 0
				if err := p.Run(ctx, st, Options{}, func([]value.Value) error { rows++; return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows), "rows")
		})
	}
}

// benchStore opens -bench.db, or loads a generated corpus of
// -bench.sources into a new store of -bench.backend (indexed unless
// -bench.index=false), closed when the benchmark ends.
func benchStore(b *testing.B) *graph.Store {
	if *benchDB != "" {
		st, err := graph.Open(context.Background(), *benchDB, graph.Options{NoCreate: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}
	dir := b.TempDir()
	if err := gen.Write(filepath.Join(dir, "corpus"), gen.Config{Sources: *benchSources, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	st := loadStore(b, *benchBackend, filepath.Join(dir, "corpus"))
	if *benchIndex {
		if _, err := st.Index(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	return st
}

// countRows runs a query once and returns its rows.
func countRows(b *testing.B, st *graph.Store, q string) int {
	ctx := context.Background()
	p, err := Prepare(ctx, st, q)
	if err != nil {
		b.Fatal(err)
	}
	rows := 0
	if err := p.Run(ctx, st, Options{}, func([]value.Value) error { rows++; return nil }); err != nil {
		b.Fatal(err)
	}
	return rows
}
