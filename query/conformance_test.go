package query_test

import (
	"flag"
	"strings"
	"testing"

	"claimgraph/graph"
	"claimgraph/query"
	"claimgraph/query/access"
	"claimgraph/query/querytest"
)

var update = flag.Bool("update", false, "rewrite the expected output of conformance cases")

// TestConformance runs the conformance suite (see querytest.Conformance)
// on every backend, embedded stores with and without the query index:
// the answers must not depend on where the graph is kept or how it is
// read. The PostgreSQL run needs a server (see graph/pgtest).
func TestConformance(t *testing.T) {
	for _, name := range []string{"memory", "bbolt", "leveldb", "bbolt+index", "leveldb+index", "bbolt+index+evict", "bbolt+index+unfolded", "postgres"} {
		if *update && name != "memory" {
			continue
		}
		// +evict: the relationship caches hold a few lists at most, so
		// every query runs through their emptying.
		// +unfolded: expansions are not folded into the aggregations
		// after them (see operator.FoldedExpand).
		name, evict := strings.CutSuffix(name, "+evict")
		name, unfolded := strings.CutSuffix(name, "+unfolded")
		backend, indexed := strings.CutSuffix(name, "+index")
		if evict {
			name += "+evict"
		}
		if unfolded {
			name += "+unfolded"
		}
		t.Run(name, func(t *testing.T) {
			if unfolded {
				defer query.Folding(false)()
			}
			if evict {
				defer access.BoundRelCache(3)()
			}
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
