package graph_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/cayleygraph/quad"
	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
)

// match returns the quads matching fixed as sorted N-Quads lines.
func match(t *testing.T, st *graph.Store, fixed map[quad.Direction]quad.Value) []string {
	t.Helper()
	var out []string
	if ok, err := st.Match(context.Background(), fixed, func(q quad.Quad) error {
		out = append(out, graph.FormatQuad(q))
		return nil
	}); err != nil {
		t.Fatal(err)
	} else if !ok {
		// no index: Cayley's own indexes, as the store's reads do
		if len(fixed) != 1 {
			t.Fatalf("a read through Cayley fixes one direction, not %d", len(fixed))
		}
		for d, v := range fixed {
			if err := st.ThroughCayleyMatch(context.Background(), d, v, func(q quad.Quad) {
				out = append(out, graph.FormatQuad(q))
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestQueryIndex checks every read the query index answers against the
// same read through Cayley, on the seed and the corpus, in each
// key-value backend; and that a write removes the index before it
// changes the store.
func TestQueryIndex(t *testing.T) {
	for _, backend := range []string{"bbolt", "bolt", "leveldb"} {
		t.Run(backend, func(t *testing.T) {
			st, dir := newStore(t, backend)
			apply(t, st, corpus(t)...)
			if st.HasIndex() {
				t.Fatal("a store that was never indexed has a query index")
			}
			var quads []quad.Quad
			if err := st.Quads(t.Context(), func(q quad.Quad) error { quads = append(quads, q); return nil }); err != nil {
				t.Fatal(err)
			}
			want := dump(t, st, false)
			// Every value in every direction, through Cayley.
			type probe struct {
				d quad.Direction
				v quad.Value
			}
			seen := map[probe]bool{}
			var probes []probe
			for _, q := range quads {
				for _, d := range quad.Directions {
					if p := (probe{d, q.Get(d)}); !seen[p] {
						seen[p] = true
						probes = append(probes, p)
					}
				}
			}
			probes = append(probes, probe{quad.Subject, graph.Node("not_there")}, probe{quad.Object, quad.String("not there")})
			viaCayley := map[probe][]string{}
			for _, p := range probes {
				viaCayley[p] = match(t, st, map[quad.Direction]quad.Value{p.d: p.v})
			}

			if _, err := st.Index(t.Context()); err != nil {
				t.Fatal(err)
			}
			if !st.HasIndex() {
				t.Fatal("no query index after Index")
			}
			if diff := cmp.Diff(want, dump(t, st, false)); diff != "" {
				t.Fatalf("all quads from the index differ (-Cayley +index):\n%s", diff)
			}
			for _, p := range probes {
				if diff := cmp.Diff(viaCayley[p], match(t, st, map[quad.Direction]quad.Value{p.d: p.v})); diff != "" {
					t.Fatalf("quads with %v = %v differ (-Cayley +index):\n%s", p.d, p.v, diff)
				}
			}
			// Two and three fixed directions, as the query engine asks:
			// each must be the one-direction answer filtered.
			for _, q := range quads[:min(len(quads), 400)] {
				for _, dirs := range [][]quad.Direction{
					{quad.Subject, quad.Predicate}, {quad.Object, quad.Predicate}, {quad.Label, quad.Subject},
					{quad.Predicate, quad.Label}, {quad.Subject, quad.Predicate, quad.Object},
				} {
					fixed := map[quad.Direction]quad.Value{}
					for _, d := range dirs {
						fixed[d] = q.Get(d)
					}
					var filtered []string
					for _, o := range quads {
						if sameIn(o, q, dirs) {
							filtered = append(filtered, graph.FormatQuad(o))
						}
					}
					sort.Strings(filtered)
					if diff := cmp.Diff(filtered, match(t, st, fixed)); diff != "" {
						t.Fatalf("quads with %v of %v differ (-Cayley filtered +index):\n%s", dirs, graph.FormatQuad(q), diff)
					}
				}
			}
			verify(t, st)

			// The index is used after reopening, and a write removes it
			// before touching the store.
			st.Close()
			st = openDisk(t, dir)
			t.Cleanup(func() { st.Close() })
			if !st.HasIndex() {
				t.Fatal("the query index is not used after reopening")
			}
			apply(t, st, graph.Change{Remove: "src_dair_ai_pause_statement_2023"})
			if _, err := os.Stat(filepath.Join(dir, graph.IndexName)); !os.IsNotExist(err) {
				t.Fatalf("the query index survived a write: %v", err)
			}
			if st.HasIndex() {
				t.Fatal("reads use a query index after a write")
			}
			verify(t, st)
		})
	}
}

func sameIn(a, b quad.Quad, dirs []quad.Direction) bool {
	for _, d := range dirs {
		if graph.FormatQuad(quad.Quad{Subject: a.Get(d)}) != graph.FormatQuad(quad.Quad{Subject: b.Get(d)}) {
			return false
		}
	}
	return true
}

// TestQueryIndexDamaged: a damaged index file is dropped and reads go
// through Cayley; an index that does not match the store fails Verify.
func TestQueryIndexDamaged(t *testing.T) {
	st, dir := tempStore(t)
	apply(t, st, corpus(t)...)
	want := dump(t, st, false)
	if _, err := st.Index(t.Context()); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, graph.IndexName)
	stale, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := os.WriteFile(name, stale[:len(stale)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	st = openDisk(t, dir)
	if diff := cmp.Diff(want, dump(t, st, false)); diff != "" {
		t.Fatalf("graph read with a damaged index differs:\n%s", diff)
	}
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Fatalf("a damaged query index was kept: %v", err)
	}
	// An index of another state of the store (as a bug that forgot to
	// remove it would leave) is caught by Verify.
	apply(t, st, graph.Change{Remove: "src_dair_ai_pause_statement_2023"})
	st.Close()
	if err := os.WriteFile(name, stale, 0o644); err != nil {
		t.Fatal(err)
	}
	st = openDisk(t, dir)
	defer st.Close()
	if err := st.Verify(t.Context()); err == nil {
		t.Fatal("Verify accepted a query index of an earlier state of the store")
	}
}
