package graph_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"

	"claimgraph/graph"
	"claimgraph/graph/claim"
)

// TestWriteStoppedAfterRemovals stops writes between their removals and
// their additions, as a kill there would. Renaming an author rewrites her
// person record and re-derives the stored sources that named her, which no
// file being loaded holds; they must not be lost: opening the store again
// (or the next write) writes every rewritten record, and the graph is the
// one the whole write makes.
func TestWriteStoppedAfterRemovals(t *testing.T) {
	corpus, renamed := renamingCorpus(t)
	mem := graph.OpenMemory()
	apply(t, mem, corpus...)
	res := apply(t, mem, renamed...)
	if len(res.Refreshed) == 0 {
		t.Fatal("renaming an author re-derived no source: the test shows nothing")
	}
	want := dump(t, mem, false)
	// A source naming the old name afterwards names no one: the store
	// must not answer it from what it held before the stopped write.
	oldName := parseText(t, "source · blog\nAfter the rename\nsrc_after_rename\nauthors: Timnit Gebru\n")
	apply(t, mem, oldName...)
	wantAfter := dump(t, mem, false)
	for _, backend := range []string{"bbolt", "leveldb"} {
		for _, reopen := range []bool{true, false} {
			st, dir := newStore(t, backend)
			apply(t, st, corpus...)
			st.FailAfterRemovals(errors.New("stopped"))
			if _, err := st.Apply(t.Context(), renamed); err == nil {
				t.Fatalf("%s: the write did not stop", backend)
			}
			if _, err := os.Stat(filepath.Join(dir, graph.PendingName)); err != nil {
				t.Fatalf("%s: a stopped write left no list of its rewrites: %v", backend, err)
			}
			if reopen {
				st.Close()
				st = openDisk(t, dir)
				defer st.Close()
				if !st.HasIndex() {
					t.Errorf("%s: no query index after the records were written again", backend)
				}
			} else {
				// The same process writes on: the next write restores
				// the records first (here, one that changes nothing).
				st.FailAfterRemovals(nil)
				apply(t, st, renamed[0])
			}
			if diff := cmp.Diff(want, dump(t, st, false)); diff != "" {
				t.Fatalf("%s, reopened %v: the graph after a write stopped after its removals (-want +got):\n%s", backend, reopen, diff)
			}
			verify(t, st)
			if _, err := os.Stat(filepath.Join(dir, graph.PendingName)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s: the list of rewrites is still there: %v", backend, err)
			}
			apply(t, st, oldName...)
			if diff := cmp.Diff(wantAfter, dump(t, st, false)); diff != "" {
				t.Fatalf("%s, reopened %v: a source naming the old name (-want +got):\n%s", backend, reopen, diff)
			}
		}
	}
}

// renamingCorpus returns the bundled corpus and its person records with
// one author renamed, which re-derives the stored sources naming her.
func renamingCorpus(t *testing.T) (corpus, renamed []claim.Change) {
	t.Helper()
	persons, err := os.ReadFile(filepath.Join(root, "corpus", "persons.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return readChanges(t, filepath.Join(root, "corpus")), parseText(t, strings.Replace(string(persons), "\nTimnit Gebru\n", "\nTimnit G. Gebru\n", 1))
}

// TestDamagedPendingList: a list of rewrites that cannot be read — not
// JSON, not a valid record, or not matching its checksum — is reported,
// with its file and line, by the next write rather than passed over; the
// store still opens for reading.
func TestDamagedPendingList(t *testing.T) {
	good := `{"kind":"person","title":"X","id":"per_x"}`
	for name, list := range map[string]string{
		"not JSON":       good + "\n{damaged\n",
		"not a record":   good + "\n" + `{"id":"per_x"}` + "\n",
		"wrong checksum": good + "\n" + `00000000 {"kind":"person","title":"Y","id":"per_y"}` + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			st, dir := newStore(t, "bbolt")
			persons := readChanges(t, filepath.Join(root, "corpus", "persons.txt"))
			apply(t, st, persons...)
			want := dump(t, st, false)
			st.Close()
			if err := os.WriteFile(filepath.Join(dir, graph.PendingName), []byte(list), 0o644); err != nil {
				t.Fatal(err)
			}
			st = openDisk(t, dir)
			defer st.Close()
			if diff := cmp.Diff(want, dump(t, st, false)); diff != "" {
				t.Fatalf("the store reads differently (-want +got):\n%s", diff)
			}
			_, err := st.Apply(t.Context(), persons[:1])
			if err == nil || !strings.Contains(err.Error(), graph.PendingName+".recovering:2 is damaged") {
				t.Fatalf("wrote over a damaged list of rewrites: %v", err)
			}
		})
	}
}

// TestRefreshAfterBatch: a batch with many dependents re-derives them
// after its own write, a chunk per write, with the same graph and the same
// records reported as refreshed as when they go in the batch's write; and
// a write stopped in any of those chunks, or in the batch, is finished
// when the store is opened again.
func TestRefreshAfterBatch(t *testing.T) {
	corpus := readChanges(t, filepath.Join(root, "corpus"))
	persons, err := os.ReadFile(filepath.Join(root, "corpus", "persons.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// Every person renamed: each source that names one is re-derived.
	renamed := parseText(t, regexp.MustCompile(`(?m)^(person · .*\n)(.*)$`).ReplaceAllString(string(persons), "${1}${2} Jr."))
	mem := graph.OpenMemory()
	apply(t, mem, corpus...)
	wantRes := apply(t, mem, renamed...)
	want := dump(t, mem, false)
	if len(wantRes.Refreshed) < 6 {
		t.Fatalf("%d sources re-derived: the test shows little", len(wantRes.Refreshed))
	}
	defer graph.RefreshChunk(2)()
	for _, backend := range []string{"bbolt", "leveldb"} {
		st, _ := newStore(t, backend)
		apply(t, st, corpus...)
		res := apply(t, st, renamed...)
		if diff := cmp.Diff(want, dump(t, st, false)); diff != "" {
			t.Fatalf("%s: the graph after re-deriving in chunks (-want +got):\n%s", backend, diff)
		}
		got, wantIDs := slices.Sorted(slices.Values(res.Refreshed)), slices.Sorted(slices.Values(wantRes.Refreshed))
		if !slices.Equal(got, wantIDs) {
			t.Fatalf("%s: refreshed %v, want %v", backend, got, wantIDs)
		}
		verify(t, st)
		// Stopped in the batch's write (1), or in a chunk's (2, 3, ...).
		for n := 1; n <= 4; n++ {
			st, dir := newStore(t, backend)
			apply(t, st, corpus...)
			st.FailNthAfterRemovals(n, errors.New("stopped"))
			if _, err := st.Apply(t.Context(), renamed); err == nil {
				t.Fatalf("%s: write %d did not stop", backend, n)
			}
			if _, err := os.Stat(filepath.Join(dir, graph.RefreshName)); err != nil {
				t.Fatalf("%s, stopped in write %d: no list of the records left to re-derive: %v", backend, n, err)
			}
			st.Close()
			st = openDisk(t, dir)
			if diff := cmp.Diff(want, dump(t, st, false)); diff != "" {
				t.Fatalf("%s, stopped in write %d, reopened (-want +got):\n%s", backend, n, diff)
			}
			verify(t, st)
			for _, name := range []string{graph.RefreshName, graph.PendingName, graph.RefreshName + ".recovering", graph.PendingName + ".recovering"} {
				if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s: %s is still there: %v", backend, name, err)
				}
			}
			st.Close()
		}
	}
}

// TestReadOnly: a store opened for reading only reads as it was written,
// refuses writes, and holds its bbolt file read-only (so bbolt reads no
// free-page list at open; another read-only handle on the file opens
// beside it, which bbolt's exclusive lock of a writer would not let it
// do); a store that a stopped write left records to finish, or without
// saved counts, opens for writing all the same, and finishes them or
// saves its counts.
func TestReadOnly(t *testing.T) {
	corpus, renamed := renamingCorpus(t)
	mem := graph.OpenMemory()
	apply(t, mem, corpus...)
	before := dump(t, mem, false)
	apply(t, mem, renamed...)
	after := dump(t, mem, false)
	for _, backend := range []string{"bbolt", "leveldb"} {
		st, dir := newStore(t, backend)
		apply(t, st, corpus...)
		st.Close()
		openRO := func() *graph.Store {
			t.Helper()
			st, err := graph.Open(t.Context(), dir, graph.Options{ReadOnly: true, NoCreate: true})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		// bbolt's own lock on its file, tried by another handle.
		boltBeside := func() error {
			db, err := bbolt.Open(filepath.Join(dir, "data", "indexes.bolt"), 0o644, &bbolt.Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
			if err == nil {
				db.Close()
			}
			return err
		}
		ro := openRO()
		if diff := cmp.Diff(before, dump(t, ro, false)); diff != "" {
			t.Fatalf("%s: read only (-want +got):\n%s", backend, diff)
		}
		if _, err := ro.Apply(t.Context(), renamed); !errors.Is(err, graph.ErrReadOnly) {
			t.Fatalf("%s: a write to a store opened for reading: %v", backend, err)
		}
		if backend == "bbolt" {
			if err := boltBeside(); err != nil {
				t.Errorf("bbolt file not opened read-only: %v", err)
			}
		}
		ro.Close()

		// Without saved counts, which readers do not save, a reader
		// would count every quad each time: it opens as a writer, once.
		if err := os.Remove(filepath.Join(dir, "counts.json")); err != nil {
			t.Fatal(err)
		}
		for _, wantRO := range []bool{false, true} {
			ro = openRO()
			if ro.ReadOnly() != wantRO {
				t.Errorf("%s: opened read-only %v, want %v", backend, ro.ReadOnly(), wantRO)
			}
			if _, err := ro.Counts(t.Context()); err != nil {
				t.Fatal(err)
			}
			ro.Close()
		}

		st = openDisk(t, dir)
		if backend == "bbolt" {
			if err := boltBeside(); err == nil {
				t.Error("a writer's bbolt file opened beside it: the test shows nothing")
			}
		}
		st.FailAfterRemovals(errors.New("stopped"))
		if _, err := st.Apply(t.Context(), renamed); err == nil {
			t.Fatalf("%s: the write did not stop", backend)
		}
		st.Close()
		ro = openRO()
		if diff := cmp.Diff(after, dump(t, ro, false)); diff != "" {
			t.Fatalf("%s: read only after a stopped write (-want +got):\n%s", backend, diff)
		}
		if _, err := os.Stat(filepath.Join(dir, graph.PendingName)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: the list of rewrites is still there: %v", backend, err)
		}
		ro.Close()
	}
}
