package query_test

import (
	"flag"
	"testing"

	"claimgraph/graph"
	"claimgraph/query/querytest"
)

var update = flag.Bool("update", false, "rewrite the expected output of conformance cases")

// TestConformance runs the conformance suite (see querytest.Conformance)
// on every backend: the answers must not depend on where the graph is
// kept. The PostgreSQL run needs a server (see graph/pgtest).
func TestConformance(t *testing.T) {
	for _, backend := range []string{"memory", "bbolt", "leveldb", "postgres"} {
		if *update && backend != "memory" {
			continue
		}
		t.Run(backend, func(t *testing.T) {
			querytest.Conformance(t, "..", func(kind string) *graph.Store {
				st := querytest.Open(t, backend)
				querytest.Load(t, st, querytest.Files("..", kind)...)
				return st
			}, *update)
		})
	}
}
