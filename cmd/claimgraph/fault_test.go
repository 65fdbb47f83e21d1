package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"claimgraph/graph"
	"claimgraph/graph/queryindex"
	"claimgraph/graph/suites"
)

var (
	faultTrials   = flag.Int("fault.trials", 500, "damaged stores of the fault-injection test (docs/reliability.md)")
	faultSeed     = flag.Int64("fault.seed", 1, "seed of the fault-injection test")
	faultBackends = flag.String("fault.backends", "bbolt,leveldb", "backends of the stores the fault-injection test damages")
)

// damage is one way of damaging a file.
type damage struct {
	name string
	do   func(rng *rand.Rand, data []byte) []byte
}

var damages = []damage{
	{"truncated", func(rng *rand.Rand, b []byte) []byte { return b[:rng.Intn(len(b)+1)] }},
	{"bit flips", func(rng *rand.Rand, b []byte) []byte {
		for range 1 + rng.Intn(8) {
			if len(b) > 0 {
				i := rng.Intn(len(b))
				b[i] ^= 1 << rng.Intn(8)
			}
		}
		return b
	}},
	{"50 bytes overwritten", func(rng *rand.Rand, b []byte) []byte {
		if len(b) > 0 {
			at := rng.Intn(len(b))
			for i := at; i < min(at+50, len(b)); i++ {
				b[i] = byte(rng.Intn(256))
			}
		}
		return b
	}},
	{"page zeroed", func(rng *rand.Rand, b []byte) []byte {
		if len(b) > 0 {
			at := rng.Intn(len(b)) &^ 4095
			clear(b[at:min(at+4096, len(b))])
		}
		return b
	}},
}

// digits make the table's rows of leveldb's numbered files one per kind.
var digits = regexp.MustCompile(`[0-9]+`)

// outcome is what a command did on a damaged store.
type outcome int

const (
	correct outcome = iota // the right answer, damage or not
	refused                // an error, and no answer
	wrong                  // an answer, not the right one
	crashed                // a panic, a fault, a Go runtime error
	hung                   // no end in time
)

var outcomeNames = []string{"correct answer", "clear error", "WRONG ANSWER", "CRASH", "HANG"}

// TestFaultInjection damages a copy of a store at random — each of its
// files in turn (Cayley's bolt file, the query index and a base of it
// with its list of removals, the counts, the descriptor), truncated, with
// bits flipped, bytes overwritten or a page zeroed — and runs a query, a
// load and the query again on it, each as its own process: none may
// panic, fault or hang, and every answer given must be the right one.
// The figures go to the log; docs/reliability.md has those of 500 trials
// (go test ./cmd/claimgraph -run FaultInjection -fault.trials 500 -v, with
// CLAIMGRAPH_LONG=1).
func TestFaultInjection(t *testing.T) {
	suites.Long(t)
	for _, backend := range strings.Split(*faultBackends, ",") {
		t.Run(backend, func(t *testing.T) { faultTrialsOn(t, backend) })
	}
}

func faultTrialsOn(t *testing.T, backend string) {
	tmp := t.TempDir()
	tmpl := filepath.Join(tmp, "template")
	seed := "../../testdata/000_7e1f6717d204dd7e.txt"
	product := "../../testdata/queries/product.cypher"
	// run returns what a command wrote to its standard output, and to
	// both for a command that failed.
	run := func(dir string, args ...string) (string, outcome) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], append(args, "--db", dir)...)
		cmd.Env = append(os.Environ(), asMainEnv+"=1")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		all := stdout.String() + stderr.String()
		switch {
		case ctx.Err() != nil:
			return all, hung
		case strings.Contains(all, "panic:") || strings.Contains(all, "fatal error:") || strings.Contains(all, "goroutine ") || strings.Contains(all, "unexpected fault"):
			return all, crashed
		case err != nil:
			return all, refused
		}
		return stdout.String(), correct
	}
	// The template: the corpus, then a replacing load so that a base of
	// the query index and its list of removals exist beside the index.
	if out, oc := run(tmpl, "load", "--backend", backend, "../../testdata/corpus"); oc != correct {
		t.Fatalf("load: %s", out)
	}
	renamed := filepath.Join(tmp, "renamed.txt")
	raw, _ := os.ReadFile(seed)
	os.WriteFile(renamed, bytes.Replace(raw, []byte("Open Source AI is the Path Forward"), []byte("Open Source AI is the Path"), 1), 0o644)
	for _, f := range []string{renamed, seed} {
		if out, oc := run(tmpl, "load", f); oc != correct {
			t.Fatalf("load %s: %s", f, out)
		}
	}
	// A base of the query index, as a write leaves it (the index of the
	// log up to its horizon), beside the index.
	st, err := graph.Open(context.Background(), tmpl, graph.Options{NoCreate: true})
	if err != nil {
		t.Fatal(err)
	}
	h, err := queryindex.Horizon(context.Background(), st.KV().KV())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	index, _ := os.ReadFile(filepath.Join(tmpl, graph.IndexFile))
	os.WriteFile(filepath.Join(tmpl, fmt.Sprintf("%s.base.%d", graph.IndexFile, h)), index, 0o644)
	want, oc := run(tmpl, "query", "-f", product, "--format", "tsv")
	if oc != correct || strings.Count(want, "\n") < 10 {
		t.Fatalf("product query: %s", want)
	}
	var files []string
	filepath.WalkDir(tmpl, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && d.Name() != "claimgraph.lock" && d.Name() != "LOCK" && d.Name() != "LOG" {
			rel, _ := filepath.Rel(tmpl, path)
			files = append(files, rel)
		}
		return nil
	})
	sort.Strings(files)
	t.Logf("files damaged in turn: %s", strings.Join(files, ", "))

	rng := rand.New(rand.NewSource(*faultSeed))
	counts := map[string]*[5]int{}
	bad := 0
	for trial := 0; trial < *faultTrials; trial++ {
		file := files[trial%len(files)]
		dmg := damages[rng.Intn(len(damages))]
		dir := filepath.Join(tmp, fmt.Sprintf("trial%d", trial))
		if err := os.CopyFS(dir, os.DirFS(tmpl)); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), dmg.do(rng, data), 0o644); err != nil {
			t.Fatal(err)
		}
		key := digits.ReplaceAllString(file, "N") + " · " + dmg.name
		if counts[key] == nil {
			counts[key] = &[5]int{}
		}
		for step, args := range [][]string{
			{"query", "-f", product, "--format", "tsv"},
			{"load", seed},
			{"query", "-f", product, "--format", "tsv"},
		} {
			out, oc := run(dir, args...)
			if oc == correct && args[0] == "query" && out != want {
				oc = wrong
			}
			counts[key][oc]++
			if oc >= wrong {
				bad++
				t.Errorf("trial %d (%s, step %d: %s): %s\n%.3000s", trial, key, step+1, strings.Join(args, " "), outcomeNames[oc], out)
			}
		}
		os.RemoveAll(dir)
	}
	var keys []string
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%d trials, %d commands each:\n| file · damage | %s |\n|---|---|---|---|---|---|\n", *faultTrials, 3, strings.Join(outcomeNames, " | "))
	var total [5]int
	for _, k := range keys {
		c := counts[k]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d |\n", k, c[0], c[1], c[2], c[3], c[4])
		for i := range c {
			total[i] += c[i]
		}
	}
	fmt.Fprintf(&b, "| all | %d | %d | %d | %d | %d |\n", total[0], total[1], total[2], total[3], total[4])
	t.Log("\n" + b.String())
}
