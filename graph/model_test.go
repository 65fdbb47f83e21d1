package graph_test

import (
	"flag"
	"fmt"
	"math/rand"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/graph/suites"
)

var modelSteps = flag.Int("model.steps", 150, "steps of the model-based store test")

// TestModelStore runs random batches of loads, replacements and removals on
// the on-disk store and on Cayley's memstore (whose behaviour is correct):
// both must hold identical graphs after every step and after reopening,
// read through Cayley and through the query index.
// This is the test that catches Cayley's KV bugs around replacement. Runs
// with odd seeds re-derive a batch's dependents after it (RefreshChunk).
func TestModelStore(t *testing.T) {
	ids := []string{"src_0", "src_1", "src_2", "src_3", "per_0", "per_1", "per_2", "org_0", "org_1", "org_2"}
	for _, run := range []struct {
		seed    int64
		backend string
	}{{1, "leveldb"}, {2, "leveldb"}, {3, "bolt"}, {4, "bbolt"}, {5, "postgres"}, {6, "postgres"}} {
		t.Run(fmt.Sprint(run.backend, "/seed", run.seed), func(t *testing.T) {
			if run.backend != graph.DefaultBackend && run.backend != "postgres" {
				suites.Long(t)
			}
			if run.seed%2 == 1 {
				// Dependents re-derived after their batch, one per write.
				defer graph.RefreshChunk(1)()
			}
			rng := rand.New(rand.NewSource(run.seed))
			disk, dir := newStore(t, run.backend)
			mem := graph.OpenMemory()
			for step := 0; step < *modelSteps; step++ {
				batch := randomBatch(t, rng, ids)
				rd, rm := apply(t, disk, batch...), apply(t, mem, batch...)
				if diff := cmp.Diff(rm.Outcomes, rd.Outcomes); diff != "" {
					t.Fatalf("step %d: outcomes differ (-mem +disk):\n%s", step, diff)
				}
				if diff := cmp.Diff(dump(t, mem, false), dump(t, disk, false)); diff != "" {
					t.Fatalf("step %d: graphs differ (-mem +disk):\n%s", step, diff)
				}
				verify(t, disk)
				if step%2 == 0 {
					// Every other step reads (the next Apply's reads, the
					// dumps, the reopened store) come from the query index.
					if _, err := disk.Index(t.Context()); err != nil {
						t.Fatal(err)
					}
					if disk.Backend() != "postgres" && !disk.HasIndex() {
						t.Fatalf("step %d: no query index after Index", step)
					}
					if diff := cmp.Diff(dump(t, mem, false), dump(t, disk, false)); diff != "" {
						t.Fatalf("step %d, from the query index: graphs differ (-mem +disk):\n%s", step, diff)
					}
					verify(t, disk)
				}
				if step%25 == 24 {
					disk.Close()
					disk = openDisk(t, dir)
					t.Cleanup(func() { disk.Close() })
					if diff := cmp.Diff(dump(t, mem, false), dump(t, disk, false)); diff != "" {
						t.Fatalf("step %d, after reopening: graphs differ (-mem +disk):\n%s", step, diff)
					}
				}
			}
			// The graph must also equal a fresh load of the records now stored.
			fresh := graph.OpenMemory()
			var now []claim.Change
			for _, id := range ids {
				if rec, err := mem.Record(t.Context(), id); err != nil {
					t.Fatal(err)
				} else if rec != nil {
					now = append(now, claim.Change{Record: rec})
				}
			}
			apply(t, fresh, now...)
			if diff := cmp.Diff(dump(t, fresh, false), dump(t, mem, false)); diff != "" {
				t.Fatalf("graph after the sequence differs from a fresh load of its records:\n%s", diff)
			}
		})
	}
}
