package query

import (
	"context"
	"testing"

	cquery "github.com/cayleygraph/cayley/query"
	"github.com/cayleygraph/cayley/query/gizmo"
)

// gizmoLookups are the point lookups of BenchQueries written in Gizmo,
// Cayley's own query language, each a single path as a Gizmo user would
// write it; BenchmarkGizmo runs them on the same store as
// BenchmarkQueries. (The chain queries have no such canonical form: they
// need joins and grouping in JavaScript, whose cost would be the
// script's, not Cayley's.)
var gizmoLookups = []struct{ Name, Query string }{
	{"source-quotes", `var T = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";
g.V("<cg:src_g42>").Has(T, "<cg:Source>").In("<cg:QUOTED_IN>").Has(T, "<cg:Quote>")
  .Save("<cg:prop/text>", "text").Save("<cg:prop/weight>", "weight").All();`},
	{"person-quotes", `var T = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";
g.V("<cg:per_g7>").Has(T, "<cg:Person>").In("<cg:AUTHORED_BY>").Has(T, "<cg:Source>")
  .In("<cg:QUOTED_IN>").Has(T, "<cg:Quote>")
  .Save("<cg:prop/text>", "text").Save("<cg:prop/weight>", "weight").All();`},
}

// BenchmarkGizmo runs the point lookups in Gizmo through Cayley's own
// read path, on a store loaded as BenchmarkQueries loads it, and fails
// unless each returns as many rows as the same query of BenchQueries.
//
//	go test ./query -run '^$' -bench Gizmo -bench.sources 10000
//	go test ./query -run '^$' -bench 'Queries|Gizmo' -bench.db STORE
func BenchmarkGizmo(b *testing.B) {
	st := benchStore(b)
	ctx := context.Background()
	for _, gq := range gizmoLookups {
		want := -1
		for _, bq := range BenchQueries {
			if bq.Name == gq.Name {
				want = countRows(b, st, bq.Query)
			}
		}
		b.Run(gq.Name, func(b *testing.B) {
			rows := 0
			for i := 0; i < b.N; i++ {
				it, err := gizmo.NewSession(st.QuadStore()).Execute(ctx, gq.Query, cquery.Options{Collation: cquery.Raw, Limit: -1})
				if err != nil {
					b.Fatal(err)
				}
				for rows = 0; it.Next(ctx); rows++ {
				}
				if err := it.Err(); err != nil {
					b.Fatal(err)
				}
				it.Close()
			}
			if rows != want {
				b.Fatalf("Gizmo returned %d rows, claimgraph %d", rows, want)
			}
			b.ReportMetric(float64(rows), "rows")
		})
	}
}
