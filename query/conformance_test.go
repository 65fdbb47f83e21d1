package query_test

import (
	"flag"
	"strings"
	"testing"

	"claimgraph/graph"
	"claimgraph/query/querytest"
)

var update = flag.Bool("update", false, "rewrite the expected output of conformance cases")

// TestConformance runs the conformance suite (see querytest.Conformance)
// on every backend, embedded stores with and without the query index:
// the answers must not depend on where the graph is kept or how it is
// read. The PostgreSQL run needs a server (see graph/pgtest).
func TestConformance(t *testing.T) {
	for _, name := range []string{"memory", "bbolt", "leveldb", "bbolt+index", "leveldb+index", "postgres"} {
		if *update && name != "memory" {
			continue
		}
		backend, indexed := strings.CutSuffix(name, "+index")
		t.Run(name, func(t *testing.T) {
			querytest.Conformance(t, "..", func(kind string) *graph.Store {
				st := querytest.Open(t, backend)
				querytest.Load(t, st, querytest.Files("..", kind)...)
				if indexed {
					// reads from the query index instead of Cayley's
					if _, err := st.Index(t.Context()); err != nil || !st.HasIndex() {
						t.Fatalf("no query index: %v", err)
					}
				}
				return st
			}, *update)
		})
	}
}
