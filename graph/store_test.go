package graph_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/graph/pgtest"
)

func corpus(t testing.TB) []claim.Change {
	return readChanges(t, filepath.Join(root, "000_7e1f6717d204dd7e.txt"), filepath.Join(root, "corpus"))
}

// TestLoadOrderIndependence loads the corpus in many orders and batch
// sizes: the graph, bookkeeping included, must always be the same.
func TestLoadOrderIndependence(t *testing.T) {
	all := corpus(t)
	ref := graph.OpenMemory()
	apply(t, ref, all...)
	want := dump(t, ref, false)
	rng := rand.New(rand.NewSource(1))
	for trial := 0; trial < 12; trial++ {
		order := append([]claim.Change(nil), all...)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		batch := 1 + rng.Intn(len(order))
		var st *graph.Store
		switch trial % 4 {
		case 0:
			st, _ = tempStore(t)
		case 1:
			if os.Getenv(pgtest.Env) != "" {
				st, _ = newStore(t, "postgres")
				break
			}
			fallthrough
		default:
			st = graph.OpenMemory()
		}
		for i := 0; i < len(order); i += batch {
			apply(t, st, order[i:min(i+batch, len(order))]...)
		}
		if diff := cmp.Diff(want, dump(t, st, false)); diff != "" {
			t.Fatalf("trial %d (batch %d, %s): graph depends on load order (-want +got):\n%s", trial, batch, st.Backend(), diff)
		}
		verify(t, st)
	}
}

func TestIdempotentLoad(t *testing.T) {
	for _, kind := range persistent {
		t.Run(kind, func(t *testing.T) { testIdempotentLoad(t, kind) })
	}
}

func testIdempotentLoad(t *testing.T, kind string) {
	st, _ := newStore(t, kind)
	all := corpus(t)
	first := apply(t, st, all...)
	before := dump(t, st, false)
	again := apply(t, st, all...)
	for i, oc := range again.Outcomes {
		if oc != graph.Unchanged {
			t.Errorf("record %s: second load says %v, want unchanged", all[i].ID(), oc)
		}
	}
	if again.Added != 0 || again.Deleted != 0 {
		t.Errorf("second load wrote %d and deleted %d quads, want none", again.Added, again.Deleted)
	}
	if diff := cmp.Diff(before, dump(t, st, false)); diff != "" {
		t.Errorf("second load changed the graph:\n%s", diff)
	}
	if first.Added != len(before) {
		t.Errorf("first load reports %d quads added, store holds %d", first.Added, len(before))
	}
	verify(t, st)
}

// TestReplacement replaces a record with new content: nothing of the old
// version may remain, and the graph equals a fresh load of the new version.
func TestReplacement(t *testing.T) {
	old := "source · blog\nT\nsrc_a\nauthors: Ann Lee\ntopics: Old topic\nEvidence from this source (2)\n- weight0.5\nmethod: m\n“one”\n- weight0.7\nmethod: m\n“two”\n"
	nw := "source · blog\nT2\nsrc_a\nauthors: Bo Chen\ntopics: New topic\nEvidence from this source (1)\n- weight0.9\nmethod: m2\n“three”\n"
	for _, kind := range persistent {
		t.Run(kind, func(t *testing.T) { testReplacement(t, kind, old, nw) })
	}
}

func testReplacement(t *testing.T, kind, old, nw string) {
	st, _ := newStore(t, kind)
	apply(t, st, parseText(t, old)...)
	res := apply(t, st, parseText(t, nw)...)
	if res.Outcomes[0] != graph.Replaced {
		t.Fatalf("got %v, want replaced", res.Outcomes[0])
	}
	fresh := graph.OpenMemory()
	apply(t, fresh, parseText(t, nw)...)
	if diff := cmp.Diff(dump(t, fresh, false), dump(t, st, false)); diff != "" {
		t.Errorf("replaced store differs from a fresh load of the new version (-fresh +replaced):\n%s", diff)
	}
	verify(t, st)
}

// TestRemovalReresolves removes a person record: the source that named its
// author by alias falls back to a node of its own, and loading the person
// again restores the link.
func TestRemovalReresolves(t *testing.T) {
	for _, kind := range persistent {
		t.Run(kind, func(t *testing.T) { testRemovalReresolves(t, kind) })
	}
}

func testRemovalReresolves(t *testing.T, kind string) {
	src := parseText(t, "source · blog\nT\nsrc_a\nauthors: Zuck\n")
	per := parseText(t, person)
	st, _ := newStore(t, kind)
	apply(t, st, src...)
	apply(t, st, per...)
	withPerson := dump(t, st, false)
	res := apply(t, st, claim.Change{Remove: "per_mark_zuckerberg"})
	if res.Outcomes[0] != graph.Removed || len(res.Refreshed) != 1 || res.Refreshed[0] != "src_a" {
		t.Fatalf("got %v, refreshed %v; want removed, refreshed [src_a]", res.Outcomes, res.Refreshed)
	}
	onlySource := graph.OpenMemory()
	apply(t, onlySource, src...)
	if diff := cmp.Diff(dump(t, onlySource, false), dump(t, st, false)); diff != "" {
		t.Errorf("after removal (-source alone +store):\n%s", diff)
	}
	apply(t, st, per...)
	if diff := cmp.Diff(withPerson, dump(t, st, false)); diff != "" {
		t.Errorf("after loading the person again:\n%s", diff)
	}
	if res := apply(t, st, claim.Change{Remove: "per_nobody"}); res.Outcomes[0] != graph.Missing {
		t.Errorf("removing an absent record: got %v, want missing", res.Outcomes[0])
	}
	verify(t, st)
}

func TestReopenKeepsGraph(t *testing.T) {
	for _, kind := range persistent {
		t.Run(kind, func(t *testing.T) { testReopenKeepsGraph(t, kind) })
	}
}

func testReopenKeepsGraph(t *testing.T, kind string) {
	st, dir := newStore(t, kind)
	apply(t, st, corpus(t)...)
	want := dump(t, st, false)
	st.Close()
	st2 := openDisk(t, dir)
	defer st2.Close()
	if diff := cmp.Diff(want, dump(t, st2, false)); diff != "" {
		t.Errorf("reopened store differs:\n%s", diff)
	}
}

// TestBusyStore: a second opener gets a clear error at once, or waits.
func TestBusyStore(t *testing.T) {
	_, dir := tempStore(t)
	start := time.Now()
	_, err := graph.Open(context.Background(), dir, graph.Options{})
	var busy *graph.BusyError
	if !errors.As(err, &busy) {
		t.Fatalf("second open: got %v, want a BusyError", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("second open took %v; it must fail at once", time.Since(start))
	}
	want := fmt.Sprintf("store %s is busy (held by pid %d); wait for it to finish, or pass --wait DURATION to wait for it", dir, busy.PID)
	if busy.PID <= 0 || err.Error() != want {
		t.Errorf("got %q, want %q with this process's pid", err, want)
	}
	_, err = graph.Open(context.Background(), dir, graph.Options{Wait: 200 * time.Millisecond})
	if !errors.As(err, &busy) {
		t.Errorf("open with a short wait: got %v, want a BusyError", err)
	}
}

// TestReadersShare: processes that open a bbolt store for reading only
// share it, and a writer waits for them all (and they for it); on
// leveldb, whose files goleveldb locks for one process, readers take turns.
func TestReadersShare(t *testing.T) {
	ro := graph.Options{ReadOnly: true, NoCreate: true}
	for _, backend := range []string{"bbolt", "leveldb"} {
		st, dir := newStore(t, backend)
		apply(t, st, corpus(t)...)
		want := dump(t, st, false)
		if _, err := graph.Open(t.Context(), dir, ro); !isBusy(err) {
			t.Fatalf("%s: a reader beside a writer: %v", backend, err)
		}
		st.Close()
		first, err := graph.Open(t.Context(), dir, ro)
		if err != nil {
			t.Fatal(err)
		}
		second, err := graph.Open(t.Context(), dir, ro)
		if backend == "leveldb" {
			if !isBusy(err) {
				t.Fatalf("leveldb: two readers at once: %v", err)
			}
			first.Close()
			continue
		}
		if err != nil {
			t.Fatalf("%s: a second reader: %v", backend, err)
		}
		for _, r := range []*graph.Store{first, second} {
			if diff := cmp.Diff(want, dump(t, r, false)); diff != "" {
				t.Fatalf("%s: a reader beside another (-want +got):\n%s", backend, diff)
			}
		}
		// As a killed writer leaves it: its pid, of no process.
		if err := os.WriteFile(filepath.Join(dir, "claimgraph.lock"), []byte("4194303\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = graph.Open(t.Context(), dir, graph.Options{})
		var busy *graph.BusyError
		if !errors.As(err, &busy) || busy.PID != 0 {
			t.Fatalf("%s: a writer beside readers: %v (the pid of a writer gone would be wrong)", backend, err)
		}
		first.Close()
		if _, err := graph.Open(t.Context(), dir, graph.Options{}); !isBusy(err) {
			t.Fatalf("%s: a writer beside one reader: %v", backend, err)
		}
		second.Close()
		w := openDisk(t, dir)
		w.Close()
	}
}

func isBusy(err error) bool {
	var busy *graph.BusyError
	return errors.As(err, &busy)
}

func TestEmptyStoreStats(t *testing.T) {
	st, _ := tempStore(t)
	s, err := st.Stats(context.Background())
	if err != nil {
		t.Fatalf("stats of an empty store: %v", err)
	}
	if s.Records != 0 || s.Quads != 0 {
		t.Errorf("got %+v, want zeros", s)
	}
}

// TestInterruptedCreation: a store whose creation was cut short (a lock
// file and part of the data, no descriptor) opens as an empty store, and
// a missing store is not created by a read.
func TestInterruptedCreation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kb.db")
	st := openDisk(t, dir)
	st.Close()
	if err := os.Remove(filepath.Join(dir, "claimgraph.json")); err != nil {
		t.Fatal(err)
	}
	st, err := graph.Open(context.Background(), dir, graph.Options{NoCreate: true})
	if err != nil {
		t.Fatalf("a store whose creation was interrupted does not open: %v", err)
	}
	if s, err := st.Stats(context.Background()); err != nil || s.Quads != 0 {
		t.Errorf("got %+v, %v; want an empty store", s, err)
	}
	st.Close()
	missing := filepath.Join(t.TempDir(), "typo.db")
	if _, err := graph.Open(context.Background(), missing, graph.Options{NoCreate: true}); !errors.Is(err, graph.ErrNotExist) {
		t.Errorf("opening a missing store: got %v, want ErrNotExist", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a read created the directory of a missing store")
	}
}
