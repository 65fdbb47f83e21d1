package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cayleygraph/quad"
	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/graph/pgtest"
	"claimgraph/graph/suites"
	"claimgraph/loader/gen"
)

var (
	killTrials  = flag.Int("kill.trials", 30, "SIGKILLs of the kill test")
	killSources = flag.Int("kill.sources", 400, "generated sources loaded by the kill test")
	killReplace = flag.Int("kill.replace", 8, "SIGKILLs of the kill test of replacing loads")
)

// child returns the test binary set up to run as claimgraph.
func child(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1")
	return cmd
}

// byRecord returns every quad of a store grouped by the record (label)
// that produced it.
func byRecord(t *testing.T, dir string) map[string][]string {
	t.Helper()
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) && !graph.IsURL(dir) {
		return map[string][]string{} // killed before the store's directory existed
	}
	st, err := graph.Open(context.Background(), dir, graph.Options{NoCreate: true})
	if errors.Is(err, graph.ErrNotExist) && graph.IsURL(dir) {
		return map[string][]string{} // killed before the schema was created
	}
	if err != nil {
		t.Fatalf("store does not open after the kill: %v", err)
	}
	defer st.Close()
	// A SQL store's reference counts and counts table must agree with
	// its quads.
	if err := st.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	err = st.Quads(context.Background(), func(q quad.Quad) error {
		id, _ := claim.IDOf(q.Label)
		out[id] = append(out[id], claim.FormatQuad(q))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, qs := range out {
		sort.Strings(qs)
	}
	return out
}

// TestKillDuringLoad SIGKILLs real `claimgraph load` processes at moments
// spread over an uninterrupted load's duration. After each kill the store
// must open and hold only whole records (each exactly as in the
// uninterrupted load), and re-running the load must converge to exactly
// the uninterrupted graph. Trials take turns on the default backend,
// leveldb, bolt (whose copy in graph/boltdb writes pages its own way) and
// PostgreSQL (when a server is configured; see graph/pgtest).
// More trials: go test ./cmd/claimgraph -run Kill -kill.trials=200.
func TestKillDuringLoad(t *testing.T) {
	suites.Long(t)
	if testing.Short() {
		t.Skip("kill test skipped in -short mode")
	}
	tmp := t.TempDir()
	corpus := filepath.Join(tmp, "corpus")
	if err := gen.Write(corpus, gen.Config{Sources: *killSources, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	load := func(db, backend string) *exec.Cmd {
		if graph.IsURL(db) {
			backend = ""
		}
		return child("load", "--batch", "20", "--backend", backend, "--db", db, corpus)
	}
	backends := []string{graph.DefaultBackend, "leveldb", "bolt"}
	if os.Getenv(pgtest.Env) != "" {
		backends = append(backends, "postgres")
	} else {
		t.Log("PostgreSQL turns skipped: " + pgtest.Skip)
	}
	kills := map[string]int{}
	ref := filepath.Join(tmp, "ref.db")
	start := time.Now()
	if out, err := load(ref, graph.DefaultBackend).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted load: %v\n%s", err, out)
	}
	full := time.Since(start)
	want := byRecord(t, ref)
	rng := rand.New(rand.NewSource(1))
	partial := 0
	for trial := 0; trial < *killTrials; trial++ {
		db := filepath.Join(tmp, fmt.Sprintf("kill%d.db", trial))
		backend := backends[trial%len(backends)]
		if backend == "postgres" {
			db = pgtest.URL(t)
		}
		kills[backend]++
		// Kill at a random moment of what an uninterrupted load takes.
		delay := time.Duration(rng.Int63n(int64(full)))
		killAfter(t, load(db, backend), delay)
		got := byRecord(t, db)
		for id, qs := range got {
			if diff := cmp.Diff(want[id], qs); diff != "" {
				t.Fatalf("trial %d (%s, killed after %v): record %q is not whole (-uninterrupted +killed):\n%s", trial, backend, delay, id, diff)
			}
		}
		if len(got) < len(want) {
			partial++
		}
		if out, err := load(db, backend).CombinedOutput(); err != nil {
			t.Fatalf("trial %d: re-run after the kill: %v\n%s", trial, err, out)
		} else if !strings.Contains(string(out), "0 failed") && !strings.Contains(string(out), "nothing changed") {
			t.Fatalf("trial %d: re-run reported: %s", trial, out)
		}
		if diff := cmp.Diff(want, byRecord(t, db)); diff != "" {
			t.Fatalf("trial %d: re-run did not converge to the uninterrupted graph:\n%s", trial, diff)
		}
	}
	t.Logf("%d kills %v, %d of them mid-load (uninterrupted load: %v)", *killTrials, kills, partial, full)
	if partial == 0 {
		t.Errorf("no kill landed during the load; the test proved nothing")
	}
}

// TestKillDuringReplace SIGKILLs loads that replace every record of a
// store that has a query index. Such a load keeps the index as a base and
// lists the quads it removes beside it, to update the index from at its
// end; a kill can leave the list with a removal not marked as done, or
// the update half-written. After each kill the store must open and hold
// each record whole, as before the load or as after it (never absent: a
// kill between a batch's removals and its additions leaves the list of
// its rewrites, which opening the store writes again), and a re-run
// must converge to the uninterrupted graph with an index that holds
// exactly the store's quads (byRecord runs Verify, which compares them).
// More trials: go test ./cmd/claimgraph -run KillDuringReplace -kill.replace=100.
func TestKillDuringReplace(t *testing.T) {
	suites.Long(t)
	if testing.Short() {
		t.Skip("kill test skipped in -short mode")
	}
	tmp := t.TempDir()
	before, after := filepath.Join(tmp, "before"), filepath.Join(tmp, "after")
	n := max(*killSources/2, 20)
	if err := gen.Write(before, gen.Config{Sources: n, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	// The same ids with other content: every record is replaced.
	if err := gen.Write(after, gen.Config{Sources: n, Seed: 8}); err != nil {
		t.Fatal(err)
	}
	load := func(db, backend, corpus string) *exec.Cmd {
		return child("load", "--batch", "20", "--backend", backend, "--db", db, corpus)
	}
	rng := rand.New(rand.NewSource(2))
	for _, backend := range []string{graph.DefaultBackend, "leveldb"} {
		t.Run(backend, func(t *testing.T) {
			base := filepath.Join(tmp, backend+".db")
			if out, err := load(base, backend, before).CombinedOutput(); err != nil {
				t.Fatalf("load: %v\n%s", err, out)
			}
			old := byRecord(t, base)
			ref := filepath.Join(tmp, backend+"-ref.db")
			copyDir(t, base, ref)
			start := time.Now()
			out, err := load(ref, backend, after).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "replaced") {
				t.Fatalf("replacing load: %v\n%s", err, out)
			}
			full := time.Since(start)
			want := byRecord(t, ref)
			mixed := 0
			for trial := 0; trial < *killReplace; trial++ {
				db := filepath.Join(tmp, fmt.Sprintf("%s-kill%d.db", backend, trial))
				copyDir(t, base, db)
				delay := time.Duration(rng.Int63n(int64(full)))
				killAfter(t, load(db, backend, after), delay)
				got := byRecord(t, db)
				for id := range want {
					if _, ok := got[id]; !ok {
						t.Fatalf("trial %d (killed after %v): record %q is absent (opening the store writes again what a stopped write removed)", trial, delay, id)
					}
				}
				replaced := 0
				for id, qs := range got {
					switch {
					case cmp.Equal(want[id], qs):
						replaced++
					case !cmp.Equal(old[id], qs):
						t.Fatalf("trial %d (killed after %v): record %q is neither as before nor as after the load", trial, delay, id)
					}
				}
				if replaced > 0 && replaced < len(want) {
					mixed++
				}
				if out, err := load(db, backend, after).CombinedOutput(); err != nil {
					t.Fatalf("trial %d: re-run after the kill: %v\n%s", trial, err, out)
				}
				if diff := cmp.Diff(want, byRecord(t, db)); diff != "" {
					t.Fatalf("trial %d: re-run did not converge to the uninterrupted graph:\n%s", trial, diff)
				}
				os.RemoveAll(db)
			}
			t.Logf("%d kills, %d of them with some records replaced and some not (uninterrupted replacing load: %v)", *killReplace, mixed, full)
			if mixed == 0 {
				t.Errorf("no kill landed during the replacing load; the test proved nothing")
			}
		})
	}
}

// killAfter starts cmd and SIGKILLs it after delay.
func killAfter(t *testing.T, cmd *exec.Cmd, delay time.Duration) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
}

// copyDir copies a store's directory.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
