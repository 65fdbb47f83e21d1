package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"claimgraph/loader/gen"
)

// TestBusyWhileLoading: a query from another process during a load fails
// at once, naming the loading process; with --wait it waits and answers
// from the finished load.
func TestBusyWhileLoading(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus")
	if err := gen.Write(corpus, gen.Config{Sources: 600, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "kb.db")
	load := child("load", "--batch", "20", "--db", db, corpus)
	if err := load.Start(); err != nil {
		t.Fatal(err)
	}
	defer load.Process.Kill()
	// Wait until the load holds the store.
	for i := 0; i < 200; i++ {
		if b, err := os.ReadFile(filepath.Join(db, "claimgraph.lock")); err == nil && strings.TrimSpace(string(b)) == fmt.Sprint(load.Process.Pid) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	out, err := child("query", "--db", db, "MATCH (s:Source) RETURN count(s) AS n").CombinedOutput()
	if err == nil {
		t.Fatalf("a query during the load did not report the busy store:\n%s", out)
	}
	want := fmt.Sprintf("is busy (held by pid %d); wait for it to finish, or pass --wait DURATION", load.Process.Pid)
	if !strings.Contains(string(out), want) {
		t.Errorf("got %q, want it to contain %q", out, want)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("the busy error took %v; it must come at once", time.Since(start))
	}
	out, err = child("query", "--db", db, "--wait", "2m", "--format", "tsv", "MATCH (s:Source) RETURN count(s) AS n").CombinedOutput()
	if err != nil {
		t.Fatalf("query with --wait: %v\n%s", err, out)
	}
	if err := load.Wait(); err != nil {
		t.Fatalf("load: %v", err)
	}
	if !strings.Contains(string(out), "n\n600\n") {
		t.Errorf("query with --wait answered %q, want 600 sources", out)
	}
}
