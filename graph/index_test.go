package graph_test

import (
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/cayleygraph/quad"
	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/graph/queryindex"
	"claimgraph/graph/suites"
	"claimgraph/loader/gen"
)

// match returns the quads matching fixed as sorted N-Quads lines.
func match(t *testing.T, st *graph.Store, fixed map[quad.Direction]quad.Value) []string {
	t.Helper()
	var out []string
	if ok, err := st.Match(context.Background(), fixed, func(q quad.Quad) error {
		out = append(out, claim.FormatQuad(q))
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
				out = append(out, claim.FormatQuad(q))
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
			if backend != graph.DefaultBackend {
				suites.Long(t)
			}
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
			probes = append(probes, probe{quad.Subject, claim.Node("not_there")}, probe{quad.Object, quad.String("not there")})
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
							filtered = append(filtered, claim.FormatQuad(o))
						}
					}
					sort.Strings(filtered)
					if diff := cmp.Diff(filtered, match(t, st, fixed)); diff != "" {
						t.Fatalf("quads with %v of %v differ (-Cayley filtered +index):\n%s", dirs, claim.FormatQuad(q), diff)
					}
				}
			}
			checkIndexReaders(t, st, quads)
			verify(t, st)

			// The index is used after reopening, and a write removes it
			// before touching the store.
			st.Close()
			st = openDisk(t, dir)
			t.Cleanup(func() { st.Close() })
			if !st.HasIndex() {
				t.Fatal("the query index is not used after reopening")
			}
			apply(t, st, claim.Change{Remove: "src_dair_ai_pause_statement_2023"})
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
		if claim.FormatQuad(quad.Quad{Subject: a.Get(d)}) != claim.FormatQuad(quad.Quad{Subject: b.Get(d)}) {
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
	apply(t, st, claim.Change{Remove: "src_dair_ai_pause_statement_2023"})
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

// checkIndexReaders checks the query index's node-level reads (a node's
// relationships of a type, a property's values, a label test) against
// what the quads say, for every node, type, key and label of the graph.
func checkIndexReaders(t *testing.T, st *graph.Store, quads []quad.Quad) {
	t.Helper()
	id := func(v quad.Value) string { s, _ := claim.IDOf(v); return s }
	nodes, labels, keys, types := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	edgeEnd := map[string][]string{} // edge node → its ends
	byPred, bySubject, labelled := map[quad.Value][]quad.Quad{}, map[string][]quad.Quad{}, map[[2]string]bool{}
	for _, q := range quads {
		byPred[q.Predicate] = append(byPred[q.Predicate], q)
		bySubject[id(q.Subject)] = append(bySubject[id(q.Subject)], q)
		if q.Predicate == claim.PredType {
			labelled[[2]string{id(q.Subject), id(q.Object)}] = true
		}
		if n, ok := claim.IDOf(q.Subject); ok {
			nodes[n] = true
		}
		switch {
		case q.Predicate == claim.PredType:
			labels[id(q.Object)] = true
		case q.Predicate == claim.PredEdgeTo:
			edgeEnd[id(q.Subject)] = append(edgeEnd[id(q.Subject)], id(q.Object))
		}
		if k, ok := claim.PropKey(q.Predicate); ok {
			keys[k] = true
		}
		if typ, ok := claim.RelType(q.Predicate); ok {
			types[typ] = true
		}
	}
	labels["NoSuchLabel"], nodes["no_such_node"], keys["no_such_key"], types["NO_SUCH_TYPE"] = true, true, true, true
	checked := 0
	for n := range nodes {
		for typ := range types {
			for _, out := range []bool{true, false} {
				var want, got []string
				for _, q := range byPred[claim.RelIRI(typ)] {
					near, far := q.Subject, q.Object
					if !out {
						near, far = far, near
					}
					switch {
					case !claim.HasEdgeNode(typ) && id(near) == n:
						want = append(want, id(far)+" - "+id(q.Label))
					case claim.HasEdgeNode(typ) && out && id(near) == n:
						for _, end := range edgeEnd[id(far)] {
							want = append(want, end+" "+id(far)+" "+id(q.Label))
						}
					case claim.HasEdgeNode(typ) && !out && slices.Contains(edgeEnd[id(q.Object)], n):
						want = append(want, id(q.Subject)+" "+id(q.Object)+" "+id(q.Label))
					}
				}
				ok, err := st.IndexRels(n, 0, typ, out, func(other string, otherRef graph.NodeRef, edge, record string) {
					if otherRef == 0 || otherRef != st.NodeRef(other) {
						t.Errorf("IndexRels(%s, %s, %v): %s with NodeRef %d, not its own", n, typ, out, other, otherRef)
					}
					if edge == "" {
						edge = "-"
					}
					got = append(got, other+" "+edge+" "+record)
				})
				if err != nil || !ok {
					t.Fatalf("IndexRels(%s, %s, %v): ok %v, %v", n, typ, out, ok, err)
				}
				sort.Strings(want)
				sort.Strings(got)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("IndexRels(%s, %s, out %v) differs (-quads +index):\n%s", n, typ, out, diff)
				}
				checked += len(got)
			}
		}
		for k := range keys {
			var want, got []string
			for _, q := range bySubject[n] {
				if q.Predicate == claim.PropIRI(k) {
					want = append(want, claim.FormatQuad(quad.Quad{Subject: q.Object}))
				}
			}
			// By id, and by NodeRef, as the query engine reads them.
			for _, r := range []graph.NodeRef{0, st.NodeRef(n)} {
				nums, ok, err := st.IndexPropertyNums(n, r, k, nil)
				if err != nil || !ok {
					t.Fatalf("IndexPropertyNums(%s, %d, %s): ok %v, %v", n, r, k, ok, err)
				}
				got = got[:0]
				for _, num := range nums {
					v, err := st.IndexValue(num)
					if err != nil {
						t.Fatalf("IndexValue(%d): %v", num, err)
					}
					got = append(got, claim.FormatQuad(quad.Quad{Subject: v}))
				}
				sort.Strings(got)
				sort.Strings(want)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("IndexPropertyNums(%s, %d, %s) differs (-quads +index):\n%s", n, r, k, diff)
				}
			}
		}
		for l := range labels {
			want := labelled[[2]string{n, l}]
			if got, ok := st.HasLabel(n, 0, l); !ok || got != want {
				t.Fatalf("HasLabel(%s, %s) = %v, %v; the quads say %v", n, l, got, ok, want)
			}
		}
	}
	// The same label tests answered from each label's set.
	defer graph.LabelSetsAt(0)()
	for n := range nodes {
		for l := range labels {
			want := labelled[[2]string{n, l}]
			if got, ok := st.HasLabel(n, st.NodeRef(n), l); !ok || got != want {
				t.Fatalf("HasLabel(%s, %s) from the label's set = %v, %v; the quads say %v", n, l, got, ok, want)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no relationships read through the index")
	}
	// A label's nodes, once each, with NodeRefs that read what their ids do.
	for l := range labels {
		var want, got []string
		for k := range labelled {
			if k[1] == l {
				want = append(want, k[0])
			}
		}
		ok, err := st.IndexNodes(l, func(n string, r graph.NodeRef) error {
			got = append(got, n)
			if has, _ := st.HasLabel(n, r, l); !has {
				t.Errorf("IndexNodes(%s) gave %s with a NodeRef that does not have the label", l, n)
			}
			for k := range keys {
				byRef, _, _ := st.IndexPropertyNums(n, r, k, nil)
				byID, _, _ := st.IndexPropertyNums(n, 0, k, nil)
				if len(byRef) != len(byID) {
					t.Errorf("property %s of %s: %d values by NodeRef, %d by id", k, n, len(byRef), len(byID))
				}
			}
			return nil
		})
		if err != nil || !ok {
			t.Fatalf("IndexNodes(%s): ok %v, %v", l, ok, err)
		}
		sort.Strings(want)
		sort.Strings(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("IndexNodes(%s) differs (-quads +index):\n%s", l, diff)
		}
	}
}

// TestIndexUpdate writes batches that only add (a generated corpus, in
// parts) and batches that replace and remove (random ones), building the
// query index after each, or after several: an index updated from its base
// must be the file a build from the whole store writes, byte for byte.
func TestIndexUpdate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "corpus")
	if err := gen.Write(dir, gen.Config{Sources: 150, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	corpus := readChanges(t, dir)
	ids := []string{"src_0", "src_1", "per_0", "org_0"}
	for i, backend := range []string{"bbolt", "bolt", "leveldb"} {
		t.Run(backend, func(t *testing.T) {
			if backend != graph.DefaultBackend {
				suites.Long(t)
			}
			generated := corpus
			st, loc := newStore(t, backend)
			apply(t, st, readChanges(t, filepath.Join(root, "000_7e1f6717d204dd7e.txt"))...)
			rng := rand.New(rand.NewSource(int64(i)))
			step, removals := 0, 0
			// check builds the index and requires it to be the one built
			// from the whole store; it reports whether the index was
			// updated from a base.
			check := func(what string) (updated bool) {
				t.Helper()
				step++
				before := st.IndexUpdates()
				if _, err := st.Index(t.Context()); err != nil {
					t.Fatalf("step %d (%s): %v", step, what, err)
				}
				want := filepath.Join(t.TempDir(), "built.index")
				if err := st.BuildIndexTo(t.Context(), want); err != nil {
					t.Fatal(err)
				}
				a, err := os.ReadFile(want)
				if err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(filepath.Join(loc, graph.IndexName))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(a, b) {
					t.Fatalf("step %d (%s): the query index (%d bytes) is not the one built from the whole store (%d bytes)", step, what, len(b), len(a))
				}
				if left, _ := filepath.Glob(filepath.Join(loc, graph.IndexName+".base.*")); len(left) > 0 {
					t.Fatalf("step %d (%s): bases left: %v", step, what, left)
				}
				verify(t, st)
				return st.IndexUpdates() > before
			}
			check("seed")
			for len(generated) > 0 {
				n := min(len(generated), 1+rng.Intn(60))
				apply(t, st, generated[:n]...)
				generated = generated[n:]
				if rng.Intn(3) == 0 {
					continue // several writes, one index
				}
				check("records added")
				if rng.Intn(2) == 0 {
					res := apply(t, st, randomBatch(t, rng, ids)...)
					if rng.Intn(2) == 0 && len(generated) > 0 {
						// removals and additions between two builds
						n := min(len(generated), 1+rng.Intn(20))
						apply(t, st, generated[:n]...)
						generated = generated[n:]
					}
					if check("records replaced or removed") {
						removals++
					} else if res.Deleted > 0 {
						t.Fatalf("step %d: the index was built again after %d quads were removed, not updated", step, res.Deleted)
					}
				}
			}
			check("the rest")
			// Records replaced and removed, often, between builds.
			for r := 0; r < 16; r++ {
				res := apply(t, st, randomBatch(t, rng, ids)...)
				if rng.Intn(3) == 0 {
					res.Deleted += apply(t, st, randomBatch(t, rng, ids)...).Deleted
				}
				if check("records replaced or removed again") {
					removals++
				} else if res.Deleted > 0 {
					t.Fatalf("step %d: the index was built again after %d quads were removed, not updated", step, res.Deleted)
				}
			}
			if st.IndexUpdates() < 3 || removals < 5 {
				t.Fatalf("the index was updated from a base %d times, %d of them after removals", st.IndexUpdates(), removals)
			}

			// A removal that was not marked as done (the write failed or
			// was interrupted; here the quads are still stored), a damaged
			// list, and one larger than the base (marked, but the quads
			// are still stored, so an update would be caught): the base
			// is built over, not updated.
			for _, list := range []string{"unmarked", "damaged", "oversized"} {
				apply(t, st, parseText(t, randomRecord(rng, "src_"+list))...)
				bases, _ := filepath.Glob(filepath.Join(loc, graph.IndexName+".base.*"))
				if len(bases) != 1 {
					t.Fatalf("after a write that only adds: bases %v", bases)
				}
				var stored []quad.Quad
				st.Quads(t.Context(), func(q quad.Quad) error {
					if len(stored) < 40 {
						stored = append(stored, q)
					}
					return nil
				})
				r, err := queryindex.BeginRemoval(bases[0], stored)
				if err != nil {
					t.Fatal(err)
				}
				r.Close()
				if list == "oversized" {
					if err := os.Remove(bases[0] + queryindex.RemovedSuffix); err != nil {
						t.Fatal(err)
					}
					for {
						fi, err := os.Stat(bases[0] + queryindex.RemovedSuffix)
						if err == nil && fi.Size() > baseSize(t, bases[0]) {
							break
						}
						r, err := queryindex.BeginRemoval(bases[0], stored)
						if err != nil {
							t.Fatal(err)
						}
						if err := r.Commit(); err != nil {
							t.Fatal(err)
						}
					}
				}
				if list == "damaged" {
					f, err := os.OpenFile(bases[0]+queryindex.RemovedSuffix, os.O_WRONLY|os.O_APPEND, 0)
					if err != nil {
						t.Fatal(err)
					}
					f.Write([]byte{'C', 'R', 0xff})
					f.Close()
				}
				if check(list + " list of removed quads") {
					t.Fatalf("the index was updated from a base with a %s list of removed quads", list)
				}
			}

			// A damaged base is built over.
			apply(t, st, parseText(t, randomRecord(rng, "src_new"))...)
			bases, _ := filepath.Glob(filepath.Join(loc, graph.IndexName+".base.*"))
			if len(bases) != 1 {
				t.Fatalf("after a write that only adds: bases %v", bases)
			}
			if err := os.WriteFile(bases[0], []byte("damaged"), 0o644); err != nil {
				t.Fatal(err)
			}
			check("damaged base")
		})
	}
}

func baseSize(t *testing.T, name string) int64 {
	t.Helper()
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
