package query

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"claimgraph/graph"
)

var update = flag.Bool("update", false, "rewrite the expected output of conformance cases")

// TestConformance runs testdata/conformance/*.txtar. Each case is a pair
// of sections: "NAME.cypher" (the query; lines "// param NAME=VALUE" set
// parameters) and "NAME.out": the result as tab-separated text with a
// header, or the error. Files whose name starts with "seed" run on the
// seed with its person and organisation records, "corpus" on the whole
// bundled corpus, the others on testdata/kb.txt.
func TestConformance(t *testing.T) {
	for _, backend := range []string{"memory", "bbolt", "leveldb"} {
		if *update && backend != "memory" {
			continue
		}
		t.Run(backend, func(t *testing.T) { conformance(t, backend) })
	}
}

func conformance(t *testing.T, backend string) {
	files, err := filepath.Glob("testdata/conformance/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance files: %v", err)
	}
	stores := map[string]*graph.Store{}
	total := 0
	for _, file := range files {
		base := filepath.Base(file)
		kind := "kb"
		for _, k := range []string{"seed", "corpus"} {
			if strings.HasPrefix(base, k) {
				kind = k
			}
		}
		if stores[kind] == nil {
			stores[kind] = conformanceStore(t, kind, backend)
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
			got := runCase(t, st, string(f.Data))
			var want *txtar.File
			if i+1 < len(ar.Files) && ar.Files[i+1].Name == name+".out" {
				want = &ar.Files[i+1]
			}
			if *update {
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

func conformanceStore(t *testing.T, kind, backend string) *graph.Store {
	switch kind {
	case "corpus":
		return loadStore(t, backend, "../testdata/000_7e1f6717d204dd7e.txt", "../testdata/corpus")
	case "seed":
		return loadStore(t, backend, "../testdata/000_7e1f6717d204dd7e.txt", "testdata/seed_records.txt")
	}
	return loadStore(t, backend, "testdata/kb.txt")
}

// runCase runs one query and renders its result or error as text.
func runCase(t *testing.T, st *graph.Store, src string) string {
	params := map[string]Value{}
	for _, line := range strings.Split(src, "\n") {
		if rest, ok := strings.CutPrefix(line, "// param "); ok {
			name, val, _ := strings.Cut(rest, "=")
			params[name] = caseParam(val)
		}
	}
	ctx := context.Background()
	p, err := Prepare(ctx, st, src)
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
	err = p.Run(ctx, st, Options{Params: params, Describe: true}, func(row []Value) error {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = strings.NewReplacer("\n", `\n`, "\t", `\t`).Replace(Text(v))
		}
		b.WriteString(strings.Join(cells, "\t") + "\n")
		return nil
	})
	if err != nil {
		b.WriteString("error: " + err.Error() + "\n")
	}
	return b.String()
}

func caseParam(s string) Value {
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
