package kvstore_test

import (
	"fmt"
	"math/rand"
	"path/filepath"
	"testing"

	"github.com/cayleygraph/quad"
	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/graph/suites"
)

// TestLabelQuadsAsCayley reads every record's quads by its label both
// ways, claimgraph's and through Cayley's iterators, on each backend, after
// loads, replacements and removals (which leave dead quads in the index
// lists), and requires the same quads.
func TestLabelQuadsAsCayley(t *testing.T) {
	ids := []string{"src_0", "src_1", "src_2", "per_0", "per_1", "org_0", "org_1"}
	for i, backend := range []string{"bbolt", "bolt", "leveldb"} {
		t.Run(backend, func(t *testing.T) {
			if backend != graph.DefaultBackend {
				suites.Long(t)
			}
			st, _ := newStore(t, backend)
			apply(t, st, readChanges(t, filepath.Join(root, "corpus"))...)
			rng := rand.New(rand.NewSource(int64(i)))
			compared := 0
			check := func(step string) {
				t.Helper()
				labels := map[string]bool{}
				for _, id := range ids {
					labels[id] = true // removed ones too
				}
				err := st.Quads(t.Context(), func(q quad.Quad) error {
					if id, ok := claim.IDOf(q.Label); ok {
						labels[id] = true
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				for id := range labels {
					own, cayley, err := st.KV().LabelQuadsBoth(t.Context(), claim.Node(id))
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(fmt.Sprint(claim.Normalise(cayley)), fmt.Sprint(claim.Normalise(own))); diff != "" {
						t.Fatalf("%s: record %s's quads differ (-Cayley's +claimgraph's):\n%s", step, id, diff)
					}
					compared += len(own)
				}
			}
			check("corpus")
			for step := 0; step < 20; step++ {
				apply(t, st, randomBatch(t, rng, ids)...)
				check(fmt.Sprint("step ", step))
			}
			if compared < 1000 {
				t.Fatalf("only %d quads compared", compared)
			}
		})
	}
}
