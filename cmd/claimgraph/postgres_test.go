package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/cayleygraph/quad"
	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/graph/pgtest"
	"claimgraph/loader"
	"claimgraph/loader/gen"
)

// quotesPerSource counts each source's quotes in a corpus.
func quotesPerSource(t *testing.T, dir string) map[string]int {
	changes, err := loader.ReadFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := graph.OpenMemory()
	if _, err := st.Apply(context.Background(), changes); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	st.Quads(context.Background(), func(q quad.Quad) error {
		if q.Predicate == claim.RelIRI("QUOTED_IN") {
			id, _ := claim.IDOf(q.Object)
			out[id]++
		}
		return nil
	})
	return out
}

// TestPostgresConcurrentProcesses runs two `claimgraph load` processes
// on different files of one corpus into one PostgreSQL database at once,
// while `claimgraph query` processes keep asking for every source's quotes.
// Every answer must show whole records (each source with all its quotes),
// and the final graph must equal loading the files one after the other.
func TestPostgresConcurrentProcesses(t *testing.T) {
	url := pgtest.URL(t)
	tmp := t.TempDir()
	corpus := filepath.Join(tmp, "corpus")
	if err := gen.Write(corpus, gen.Config{Sources: 1000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	in := func(names ...string) []string {
		for i, n := range names {
			names[i] = filepath.Join(corpus, n)
		}
		return names
	}
	first := in("organisations.txt", "claims.txt")
	second := in("persons.txt", "sources_0000.txt")
	want := quotesPerSource(t, corpus)

	loads := []*bytes.Buffer{{}, {}}
	done := make(chan error, 2)
	for i, files := range [][]string{first, second} {
		cmd := child(append([]string{"load", "--batch", "20", "--db", url}, files...)...)
		cmd.Stderr = loads[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
	}
	const q = "MATCH (q:Quote)-[:QUOTED_IN]->(s:Source) RETURN s.id AS id, count(q) AS n"
	queries, partial := 0, 0
	for running := 2; running > 0; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("load: %v\n%s\n%s", err, loads[0], loads[1])
			}
			running--
			continue
		default:
		}
		cmd := child("query", "--db", url, "--format", "csv", q)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil && bytes.Contains(stderr.Bytes(), []byte("store does not exist")) {
			continue // the loaders have not created it yet
		}
		if err != nil {
			t.Fatalf("query during the loads: %v\n%s", err, stderr.Bytes())
		}
		rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		queries++
		for _, row := range rows[1:] {
			if n, _ := strconv.Atoi(row[1]); n != want[row[0]] {
				t.Fatalf("query %d: source %s with %d quotes, its record has %d", queries, row[0], n, want[row[0]])
			}
		}
		if len(rows)-1 < len(want) {
			partial++
		}
	}
	t.Logf("%d queries, %d of them during the loads", queries, partial)
	if partial == 0 {
		t.Error("no query ran while the loads were under way; the test proved nothing")
	}

	// The same files one after the other into an embedded store.
	seq := filepath.Join(tmp, "seq.db")
	for _, files := range [][]string{first, second} {
		if out, err := child(append([]string{"load", "--db", seq}, files...)...).CombinedOutput(); err != nil {
			t.Fatalf("sequential load: %v\n%s", err, out)
		}
	}
	dump := func(db string) []string {
		out, err := child("dump", "--db", db).Output()
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
		s := make([]string, len(lines))
		for i, l := range lines {
			s[i] = string(l)
		}
		sort.Strings(s)
		return s
	}
	if diff := cmp.Diff(dump(seq), dump(url)); diff != "" {
		t.Errorf("concurrent loads differ from loading one file set after the other (-sequential +concurrent):\n%s", diff)
	}
	byRecord(t, url) // verifies the bookkeeping
}
