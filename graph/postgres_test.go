package graph_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cayleygraph/quad"
	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/graph/pgtest"
	"claimgraph/loader"
	"claimgraph/loader/gen"
)

// The tests here are about what only a shared database server brings:
// creation, concurrent writers and readers, and the bookkeeping kept in
// SQL. The store tests (store_test.go, model_test.go) run on PostgreSQL
// as well.

func sqlDB(t *testing.T, url string) *sql.DB {
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestPostgresOpen(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	if _, err := graph.Open(ctx, url, graph.Options{NoCreate: true}); !errors.Is(err, graph.ErrNotExist) {
		t.Fatalf("opening an empty database without creating: got %v, want ErrNotExist", err)
	}
	st, err := graph.Open(ctx, url, graph.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Backend() != "postgres" || st.Path() != "" {
		t.Errorf("backend %q, path %q", st.Backend(), st.Path())
	}
	s, err := st.Stats(ctx)
	if err != nil || s.Records != 0 || s.Quads != 0 {
		t.Errorf("stats of a new store: %+v, %v", s, err)
	}
	// A second process may open it at the same time.
	other, err := graph.Open(ctx, url, graph.Options{NoCreate: true})
	if err != nil {
		t.Fatalf("second opener: %v", err)
	}
	other.Close()

	// A database with a graph of Cayley's own is not taken over.
	cayley := pgtest.URL(t)
	db := sqlDB(t, cayley)
	for _, s := range []string{
		`CREATE TABLE nodes (hash BYTEA PRIMARY KEY, refs INT NOT NULL)`,
		`CREATE TABLE quads (horizon BIGSERIAL PRIMARY KEY, subject_hash BYTEA)`,
		`INSERT INTO quads (subject_hash) VALUES ('\x00')`,
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	_, err = graph.Open(ctx, cayley, graph.Options{})
	if err == nil || !strings.Contains(err.Error(), "claimgraph did not write") {
		t.Errorf("opening a foreign graph: got %v", err)
	}
}

func TestPostgresConnectError(t *testing.T) {
	pgtest.Server(t)
	// Port 1 on loopback refuses connections; the password stays hidden.
	_, err := graph.Open(context.Background(), "postgres://ann:secret@127.0.0.1:1/kb?sslmode=disable&connect_timeout=2", graph.Options{})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "connect to postgres://ann:xxxxx@127.0.0.1:1/kb") || strings.Contains(msg, "secret") {
		t.Errorf("got %q", msg)
	}
}

// TestPostgresVerify shows that Verify finds what it is meant to find.
func TestPostgresVerify(t *testing.T) {
	st, url := newStore(t, "postgres")
	apply(t, st, corpus(t)...)
	verify(t, st)
	db := sqlDB(t, url)
	for _, c := range []struct{ break_, repair, want string }{
		{`UPDATE nodes SET refs = refs + 1 WHERE hash = (SELECT hash FROM nodes ORDER BY hash LIMIT 1)`,
			`UPDATE nodes SET refs = refs - 1 WHERE hash = (SELECT hash FROM nodes ORDER BY hash LIMIT 1)`, "wrong reference count"},
		{`UPDATE claimgraph_counts SET n = n + 1 WHERE kind = 'label' AND name = 'Person'`,
			`UPDATE claimgraph_counts SET n = n - 1 WHERE kind = 'label' AND name = 'Person'`, "differs from a recount"},
	} {
		if _, err := db.Exec(c.break_); err != nil {
			t.Fatal(err)
		}
		if err := st.Verify(context.Background()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("after %s: Verify says %v, want %q", c.break_, err, c.want)
		}
		if _, err := db.Exec(c.repair); err != nil {
			t.Fatal(err)
		}
	}
	verify(t, st)
}

// generated returns the records of a generated corpus.
func generated(t *testing.T, sources int, seed int64) []claim.Change {
	dir := filepath.Join(t.TempDir(), "corpus")
	if err := gen.Write(dir, gen.Config{Sources: sources, Seed: seed}); err != nil {
		t.Fatal(err)
	}
	changes, err := loader.ReadFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	return changes
}

// TestPostgresConcurrentLoaders loads two halves of a corpus into one
// database from two stores (two connection pools, as two processes would
// have) at once, in small batches: the graph must equal a load of the
// whole corpus, whichever batch went first.
func TestPostgresConcurrentLoaders(t *testing.T) {
	url := pgtest.URL(t)
	all := generated(t, 300, 3)
	var halves [2][]claim.Change
	for i, c := range all {
		halves[i%2] = append(halves[i%2], c)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for h := range halves {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := graph.Open(context.Background(), url, graph.Options{})
			if err != nil {
				errs[h] = err
				return
			}
			defer st.Close()
			for i := 0; i < len(halves[h]); i += 10 {
				if _, err := st.Apply(context.Background(), halves[h][i:min(i+10, len(halves[h]))]); err != nil {
					errs[h] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := openDisk(t, url)
	defer st.Close()
	ref := graph.OpenMemory()
	apply(t, ref, all...)
	if diff := cmp.Diff(dump(t, ref, false), dump(t, st, false)); diff != "" {
		t.Errorf("concurrent loads differ from one load (-one +concurrent):\n%s", diff)
	}
	verify(t, st)
}

// quotesPerSource counts each source's quotes in one read.
func quotesPerSource(t *testing.T, st *graph.Store) map[string]int {
	release, err := st.ReadLock(context.Background())
	if err != nil {
		t.Error(err)
		return nil
	}
	defer release()
	out := map[string]int{}
	sources := map[string]bool{}
	err = st.Quads(context.Background(), func(q quad.Quad) error {
		if q.Predicate == claim.PredType && q.Object == claim.LabelIRI(claim.LabelSource) {
			id, _ := claim.IDOf(q.Subject)
			sources[id] = true
		}
		return nil
	})
	if err != nil {
		t.Error(err)
		return nil
	}
	// Several queries per source, as the query engine walks the graph
	// (its quotes, then each quote's label): a reader without the lock
	// sees writes land between them.
	ctx := context.Background()
	for id := range sources {
		var quotes []quad.Value
		ok, err := st.Match(ctx, map[quad.Direction]quad.Value{quad.Predicate: claim.RelIRI("QUOTED_IN"), quad.Object: claim.Node(id)}, func(q quad.Quad) error {
			quotes = append(quotes, q.Subject)
			return nil
		})
		if err != nil || !ok {
			t.Errorf("match: %v, %v", ok, err)
		}
		for _, q := range quotes {
			_, err := st.Match(ctx, map[quad.Direction]quad.Value{quad.Subject: q, quad.Predicate: claim.PredType, quad.Object: claim.LabelIRI(claim.LabelQuote)}, func(quad.Quad) error {
				out[id]++
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}
	}
	return out
}

// TestPostgresReadsSeeWholeRecords replaces every source of a corpus with
// a version with other quotes, in small batches from one store, while
// another store reads: every read must see each source with all the
// quotes of one version, never a mixture or a source without its quotes.
func TestPostgresReadsSeeWholeRecords(t *testing.T) {
	url := pgtest.URL(t)
	v1, v2 := generated(t, 100, 1), generated(t, 100, 2)
	counts := func(changes []claim.Change) map[string]int {
		st := graph.OpenMemory()
		apply(t, st, changes...)
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
	want1, want2 := counts(v1), counts(v2)
	writer := openDisk(t, url)
	defer writer.Close()
	apply(t, writer, v1...)
	reader := openDisk(t, url)
	defer reader.Close()

	done := make(chan error)
	go func() {
		for i := 0; i < len(v2); i += 5 {
			if _, err := writer.Apply(context.Background(), v2[i:min(i+5, len(v2))]); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	reads, mixed := 0, 0
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			finished = true
		default:
		}
		got := quotesPerSource(t, reader)
		reads++
		n1, n2 := 0, 0
		for id, n := range got {
			switch n {
			case want1[id]:
				n1++
			case want2[id]:
				n2++
			default:
				t.Fatalf("read %d: source %s has %d quotes; version 1 has %d, version 2 %d", reads, id, n, want1[id], want2[id])
			}
		}
		if len(got) != len(want1) {
			t.Fatalf("read %d: %d sources, want %d", reads, len(got), len(want1))
		}
		if n1 > 0 && n2 > 0 {
			mixed++
		}
	}
	t.Logf("%d reads, %d of them during the replacement", reads, mixed)
	if mixed == 0 {
		t.Error("no read happened while the replacement was under way; the test proved nothing")
	}
	if diff := cmp.Diff(want2, quotesPerSource(t, reader)); diff != "" {
		t.Errorf("after the replacement (-version 2 +store):\n%s", diff)
	}
	verify(t, writer)
}

// TestPostgresStrings stores strings that PostgreSQL's text type or
// Cayley's escaping of it would change: a NUL (JSON allows it), the
// literal characters \x00, other escapes and non-ASCII text. They must
// read back exactly.
func TestPostgresStrings(t *testing.T) {
	title := "a\x00b \\x00 c \\\\ d\t“e” 😀"
	quoted, _ := json.Marshal(title)
	rec := `[{"kind": "source", "subtype": "blog", "id": "src_s", "title": ` + string(quoted) + `,
		"evidence": [{"weight": 0.5, "method": "m", "text": "\\x00 and \u0000"}]}]`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "s.json"), []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	changes := readChanges(t, filepath.Join(dir, "s.json"))
	mem := graph.OpenMemory()
	apply(t, mem, changes...)
	st, url := newStore(t, "postgres")
	apply(t, st, changes...)
	if diff := cmp.Diff(dump(t, mem, false), dump(t, st, false)); diff != "" {
		t.Errorf("strings changed in PostgreSQL (-memory +postgres):\n%s", diff)
	}
	if !strings.Contains(strings.Join(dump(t, st, false), "\n"), `a\u0000b \\x00 c`) {
		t.Errorf("title not found as written")
	}
	again := openDisk(t, url)
	defer again.Close()
	if diff := cmp.Diff(dump(t, mem, false), dump(t, again, false)); diff != "" {
		t.Errorf("strings changed in PostgreSQL after reopening (-memory +postgres):\n%s", diff)
	}
	verify(t, st)
}
