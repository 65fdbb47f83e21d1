package export_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"claimgraph/graph"
	"claimgraph/query"
	"claimgraph/query/export"
	"claimgraph/query/querytest"
)

// TestMigrationToPostgres is the migration path of the README: the whole
// graph of an embedded store exported as N-Quads (what export --all
// --format nquads writes) and loaded into PostgreSQL answers the
// conformance suite exactly as the embedded store does.
func TestMigrationToPostgres(t *testing.T) {
	querytest.Conformance(t, "../..", func(kind string) *graph.Store {
		ctx := context.Background()
		embedded := querytest.Open(t, graph.DefaultBackend)
		querytest.Load(t, embedded, querytest.Files("../..", kind)...)
		g, err := query.WholeGraph(ctx, embedded)
		if err != nil {
			t.Fatal(err)
		}
		qs, err := export.Quads(ctx, embedded, g)
		if err != nil {
			t.Fatal(err)
		}
		nq := filepath.Join(t.TempDir(), kind+".nq")
		f, err := os.Create(nq)
		if err != nil {
			t.Fatal(err)
		}
		if err := export.NQuads(f, qs); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		pg := querytest.Open(t, "postgres")
		querytest.Load(t, pg, nq)
		return pg
	}, false)
}
