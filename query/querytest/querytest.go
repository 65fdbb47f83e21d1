// Package querytest holds what the query engine's tests share across
// packages: stores of every backend loaded from files, and the conformance
// suite (testdata/conformance), so that the suite can run on any store,
// including one migrated from another.
package querytest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"claimgraph/graph"
	"claimgraph/graph/pgtest"
	"claimgraph/loader"
	"claimgraph/query"
	"claimgraph/query/value"
)

// Open returns a new empty store: "memory" for Cayley's memstore, a
// key-value backend's name for a store in a temporary directory, or
// "postgres" for a fresh PostgreSQL database (the test is skipped when no
// server is configured; see pgtest).
func Open(t testing.TB, backend string) *graph.Store {
	t.Helper()
	if backend == "memory" {
		return graph.OpenMemory()
	}
	loc := filepath.Join(t.TempDir(), "kb.db")
	if backend == "postgres" {
		loc = pgtest.URL(t)
	}
	st, err := graph.Open(context.Background(), loc, graph.Options{Backend: backend})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Load reads record files and applies them to st in batches.
func Load(t testing.TB, st *graph.Store, paths ...string) {
	t.Helper()
	changes, err := loader.ReadFiles(paths...)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(changes); i += 2000 {
		if _, err := st.Apply(context.Background(), changes[i:min(i+2000, len(changes))]); err != nil {
			t.Fatal(err)
		}
	}
}

// Kinds are the data sets the conformance cases run on.
var Kinds = []string{"kb", "seed", "corpus"}

// Files returns the record files of a kind of conformance store; root is
// the repository's root directory.
func Files(root, kind string) []string {
	seed := filepath.Join(root, "testdata", "000_7e1f6717d204dd7e.txt")
	switch kind {
	case "corpus":
		return []string{seed, filepath.Join(root, "testdata", "corpus")}
	case "seed":
		return []string{seed, filepath.Join(root, "query", "testdata", "seed_records.txt")}
	}
	return []string{filepath.Join(root, "query", "testdata", "kb.txt")}
}

// Conformance runs root/query/testdata/conformance/*.txtar on the stores
// that open returns for each kind (it is called once per kind). Each case
// is a pair of sections: "NAME.cypher" (the query; lines
// "// param NAME=VALUE" set parameters) and "NAME.out": the result as
// tab-separated text with a header, or the error. Files whose name starts
// with "seed" run on the seed with its person and organisation records,
// "corpus" on the whole bundled corpus, the others on kb.txt. With update,
// the .out sections are rewritten instead.
func Conformance(t *testing.T, root string, open func(kind string) *graph.Store, update bool) {
	files, err := filepath.Glob(filepath.Join(root, "query", "testdata", "conformance", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance files: %v", err)
	}
	stores := map[string]*graph.Store{}
	total := 0
	for _, file := range files {
		base := filepath.Base(file)
		kind := "kb"
		for _, k := range Kinds {
			if strings.HasPrefix(base, k) {
				kind = k
			}
		}
		if stores[kind] == nil {
			stores[kind] = open(kind)
		}
		st := stores[kind]
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		changed := false
		for i := 0; i < len(ar.Files); i++ {
			f := ar.Files[i]
			if !strings.HasSuffix(f.Name, ".cypher") {
				continue
			}
			name := strings.TrimSuffix(f.Name, ".cypher")
			total++
			got := RunCase(st, string(f.Data))
			// Again: on a store with a query index, the second run
			// is of the plan the first one left (see query.Prepare).
			if again := RunCase(st, string(f.Data)); again != got {
				t.Errorf("%s: case %s ran again (-first +again):\n%s", base, name, cmp.Diff(got, again))
			}
			var want *txtar.File
			if i+1 < len(ar.Files) && ar.Files[i+1].Name == name+".out" {
				want = &ar.Files[i+1]
			}
			if update {
				if want == nil {
					ar.Files = append(ar.Files[:i+1], append([]txtar.File{{Name: name + ".out"}}, ar.Files[i+1:]...)...)
					want = &ar.Files[i+1]
				}
				want.Data = []byte(got)
				changed = true
				continue
			}
			if want == nil {
				t.Errorf("%s: case %s has no .out section", base, name)
				continue
			}
			if diff := cmp.Diff(string(want.Data), got); diff != "" {
				t.Errorf("%s: case %s (-want +got):\n%s", base, name, diff)
			}
		}
		if changed {
			if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d conformance cases", total)
}

// RunCase runs one query and renders its result or error as text.
func RunCase(st *graph.Store, src string) string {
	params := map[string]value.Value{}
	for _, line := range strings.Split(src, "\n") {
		if rest, ok := strings.CutPrefix(line, "// param "); ok {
			name, val, _ := strings.Cut(rest, "=")
			params[name] = caseParam(val)
		}
	}
	ctx := context.Background()
	p, err := query.Prepare(ctx, st, src)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	var b strings.Builder
	for _, w := range p.Warnings() {
		b.WriteString(w.String() + "\n")
	}
	if p.Mode() == "EXPLAIN" {
		return b.String() + p.Explain()
	}
	b.WriteString(strings.Join(p.Columns(), "\t") + "\n")
	err = p.Run(ctx, st, query.Options{Params: params, Describe: true}, func(row []value.Value) error {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = strings.NewReplacer("\n", `\n`, "\t", `\t`).Replace(value.Text(v))
		}
		b.WriteString(strings.Join(cells, "\t") + "\n")
		return nil
	})
	if err != nil {
		b.WriteString("error: " + err.Error() + "\n")
	}
	return b.String()
}

func caseParam(s string) value.Value {
	switch {
	case s == "null":
		return nil
	case s == "true" || s == "false":
		return s == "true"
	case strings.HasPrefix(s, "'"):
		return strings.Trim(s, "'")
	}
	var i int64
	var f float64
	if _, err := fmt.Sscan(s, &i); err == nil && !strings.Contains(s, ".") {
		return i
	}
	if _, err := fmt.Sscan(s, &f); err == nil {
		return f
	}
	return s
}
