package graph_test

import (
	"fmt"
	"math/rand"
	"path/filepath"
	"testing"

	"github.com/cayleygraph/quad"
	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
)

// TestAddQuadsAsCayley writes the same batches into two stores of each
// backend, one adding quads with Cayley's ApplyDeltas and one with
// claimgraph's own writer, and requires every key and value of the two
// key-value stores to be equal (but the write times Cayley logs) after
// every batch: the seed and the corpus, random loads, replacements and
// removals (which leave dead quads in the index lists), and quads that
// Apply never writes (already stored, repeated in a batch, without a
// label, values that print alike).
func TestAddQuadsAsCayley(t *testing.T) {
	ids := []string{"src_0", "src_1", "src_2", "per_0", "per_1", "org_0", "org_1"}
	for i, backend := range []string{"bolt", "bbolt", "leveldb"} {
		t.Run(backend, func(t *testing.T) {
			cayley, _ := newStore(t, backend)
			cayley.AddThroughCayley()
			own, _ := newStore(t, backend)
			same := func(step string) {
				t.Helper()
				want, err := cayley.RawKV(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				got, err := own.RawKV(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if len(want) < 10 {
					t.Fatalf("%s: only %d keys written", step, len(want))
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("%s: key-value stores differ (-Cayley's writer +claimgraph's):\n%s", step, diff)
				}
			}
			both := func(step string, changes ...graph.Change) {
				t.Helper()
				apply(t, cayley, changes...)
				apply(t, own, changes...)
				same(step)
			}
			both("seed", readChanges(t, filepath.Join(root, "000_7e1f6717d204dd7e.txt"))...)
			both("corpus", readChanges(t, filepath.Join(root, "corpus"))...)

			rng := rand.New(rand.NewSource(int64(i)))
			for step := 0; step < 40; step++ {
				both(fmt.Sprint("step ", step), randomBatch(t, rng, ids)...)
			}

			// Quads stored live, given again.
			var again []quad.Quad
			err := own.Quads(t.Context(), func(q quad.Quad) error {
				if len(again) < 20 {
					again = append(again, q)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			odd := []quad.Quad{
				{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.Int(1)},
				{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.TypedString{Value: "1", Type: "xsd:integer"}},
				{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.String("y"), Label: quad.IRI("g")},
				{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.String("y"), Label: quad.IRI("g")},
			}
			for _, batch := range [][]quad.Quad{odd, append(again, odd...)} {
				for _, st := range []*graph.Store{cayley, own} {
					if err := st.AddQuads(batch); err != nil {
						t.Fatal(err)
					}
				}
				same("quads added directly")
			}
		})
	}
}
