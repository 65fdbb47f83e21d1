package main

import (
	"bufio"
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

// TestReadersBesideRepl: while a REPL waits for input, other processes
// read the store (a query, an export) but do not write it; the REPL's
// :load writes it, and afterwards the store is shared again.
func TestReadersBesideRepl(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus")
	if err := gen.Write(corpus, gen.Config{Sources: 50, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "kb.db")
	if out, err := child("load", "--db", db, corpus).CombinedOutput(); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	repl := child("repl", "--db", db)
	stdin, err := repl.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := repl.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := repl.Start(); err != nil {
		t.Fatal(err)
	}
	defer repl.Process.Kill()
	lines := bufio.NewScanner(stdout)
	// ask runs statements in the REPL and waits for the row of their last
	// result (a statement answering "n=…").
	ask := func(stmts string) {
		t.Helper()
		fmt.Fprintln(stdin, stmts)
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), "n=") {
				return
			}
		}
		t.Fatalf("the REPL ended: %v", lines.Err())
	}
	ask(":format csv\nMATCH (s:Source) RETURN 'n=' + toString(count(s));")
	query := func() string {
		t.Helper()
		out, err := child("query", "--db", db, "--format", "tsv", "MATCH (s:Source) RETURN count(s) AS n").CombinedOutput()
		if err != nil {
			t.Fatalf("a query beside the REPL: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := query(); out != "n\n50\n" {
		t.Fatalf("a query beside the REPL: %q", out)
	}
	if out, err := child("export", "--db", db, "--format", "dot", "-o", filepath.Join(dir, "g"), "MATCH (s:Source) RETURN s LIMIT 2").CombinedOutput(); err != nil {
		t.Fatalf("an export beside the REPL: %v\n%s", err, out)
	}
	seed := filepath.Join("..", "..", "testdata", "000_7e1f6717d204dd7e.txt")
	out, err := child("load", "--db", db, seed).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is busy (held by another process)") {
		t.Fatalf("a load beside the REPL: %v\n%s", err, out)
	}
	ask(":load " + seed + "\nMATCH (s:Source) RETURN 'n=' + toString(count(s));")
	if out := query(); out != "n\n51\n" {
		t.Fatalf("a query after the REPL's load: %q", out)
	}
	stdin.Close()
	if err := repl.Wait(); err != nil {
		t.Fatalf("repl: %v", err)
	}
}
