package kvstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"
	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/graph/kvstore"
	"claimgraph/graph/suites"
	"claimgraph/loader/gen"
)

// TestAddQuadsAsCayley writes the same batches into two stores of each
// backend, one adding and deleting quads with Cayley's ApplyDeltas and one
// with claimgraph's own writers, and requires every key and value of the
// two key-value stores to be equal (but the write times Cayley logs) after
// every batch: the seed and the corpus, random loads, replacements and
// removals (which leave dead quads in the index lists and values without
// references), and quads that Apply never writes (already stored, repeated
// in a batch, without a label, values that print alike) or never deletes
// (not stored, repeated).
func TestAddQuadsAsCayley(t *testing.T) {
	ids := []string{"src_0", "src_1", "src_2", "per_0", "per_1", "org_0", "org_1"}
	for i, backend := range []string{"bolt", "bbolt", "leveldb", "bbolt/3 records per transaction", "leveldb/3 records per transaction", "bolt/releasing pages", "bbolt/releasing pages", "bbolt/on two cores", "leveldb/on two cores"} {
		t.Run(backend, func(t *testing.T) {
			if backend != graph.DefaultBackend {
				suites.Long(t)
			}
			backend, variant, _ := strings.Cut(backend, "/")
			cayley, _ := newStore(t, backend)
			cayley.KV().WriteThroughCayley()
			own, _ := newStore(t, backend)
			switch variant {
			case "3 records per transaction":
				cayley.KV().TxRecords(3)
				own.KV().TxRecords(3)
			case "releasing pages":
				// At every get and put, the pages read (see boltmap).
				defer kvstore.ReleaseInTxAlways()()
			case "on two cores":
				// Every batch's values found and looked up in two halves.
				defer kvstore.TwoCoresAlways()()
			}
			same := func(step string) {
				t.Helper()
				want, err := cayley.KV().RawKV(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				got, err := own.KV().RawKV(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if len(want) < 10 {
					t.Fatalf("%s: only %d keys written", step, len(want))
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("%s: key-value stores differ (-Cayley's writer +claimgraph's):\n%s", step, diff)
				}
			}
			both := func(step string, changes ...claim.Change) {
				t.Helper()
				apply(t, cayley, changes...)
				apply(t, own, changes...)
				same(step)
			}
			both("seed", readChanges(t, filepath.Join(root, "000_7e1f6717d204dd7e.txt"))...)
			both("corpus", readChanges(t, filepath.Join(root, "corpus"))...)

			rng := rand.New(rand.NewSource(int64(i)))
			for step := 0; step < 40; step++ {
				both(fmt.Sprint("step ", step), randomBatch(t, rng, ids)...)
			}

			// Quads stored live, given again.
			var again []quad.Quad
			err := own.Quads(t.Context(), func(q quad.Quad) error {
				if len(again) < 20 {
					again = append(again, q)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			odd := []quad.Quad{
				{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.Int(1)},
				{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.TypedString{Value: "1", Type: "xsd:integer"}},
				{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.String("y"), Label: quad.IRI("g")},
				{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.String("y"), Label: quad.IRI("g")},
			}
			// Values printing alike, one in each half of a batch: one node,
			// the first.
			alike := []quad.Quad{
				{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.Int(2)},
				{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.TypedString{Value: "2", Type: "xsd:integer"}},
			}
			// A quad twice, with another label's between.
			apart := []quad.Quad{
				{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.String("a"), Label: quad.IRI("g")},
				{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.String("b"), Label: quad.IRI("h")},
				{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.String("a"), Label: quad.IRI("g")},
			}
			for _, batch := range [][]quad.Quad{odd, append(again, odd...), alike, apart} {
				for _, st := range []*graph.Store{cayley, own} {
					if err := st.KV().Add(t.Context(), batch); err != nil {
						t.Fatal(err)
					}
				}
				same("quads added directly")
			}

			// Quads removed directly: stored ones, ones never stored (of
			// stored values, and of a value never stored), ones whose
			// removal leaves a value without references; then the same
			// again, no longer stored live. (Not one quad twice in a
			// batch: ApplyDeltas then marks it dead twice and takes its
			// references away twice, which Apply never asks for.)
			gone := append(append([]quad.Quad(nil), again[:5]...), odd[0], odd[2],
				quad.Quad{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: quad.String("never stored")},
				quad.Quad{Subject: again[0].Subject, Predicate: again[1].Predicate, Object: again[2].Object, Label: again[3].Label})
			for _, step := range []string{"quads removed directly", "quads removed again"} {
				for _, st := range []*graph.Store{cayley, own} {
					if err := st.KV().Remove(gone); err != nil {
						t.Fatal(err)
					}
				}
				same(step)
			}
		})
	}
}

// The filter of the values written to a new store is used while every
// value passes through it, and dropped once another writer gives one: a
// value given so is then found, not given a second id.
func TestValueFilter(t *testing.T) {
	for _, backend := range []string{"bbolt", "leveldb"} {
		t.Run(backend, func(t *testing.T) {
			cayley, _ := newStore(t, backend)
			cayley.KV().WriteThroughCayley()
			own, _ := newStore(t, backend)
			changes := readChanges(t, filepath.Join(root, "corpus"))
			given := quad.String("given by another writer")
			steps := []struct {
				name   string
				cayley bool // own writes through Cayley's writer
				write  func(st *graph.Store) error
				inUse  bool
			}{
				{"corpus", false, func(st *graph.Store) error { _, err := st.Apply(t.Context(), changes); return err }, true},
				{"a value given by another writer", true, func(st *graph.Store) error {
					return st.KV().Add(t.Context(), []quad.Quad{{Subject: quad.IRI("x"), Predicate: quad.IRI("p"), Object: given}})
				}, true},
				{"the value again", false, func(st *graph.Store) error {
					return st.KV().Add(t.Context(), []quad.Quad{{Subject: quad.IRI("y"), Predicate: quad.IRI("p"), Object: given}})
				}, false},
			}
			for _, step := range steps {
				if step.cayley {
					own.KV().WriteThroughCayley()
				}
				for _, st := range []*graph.Store{cayley, own} {
					if err := step.write(st); err != nil {
						t.Fatal(err)
					}
				}
				own.KV().WriteOwn()
				want, err := cayley.KV().RawKV(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				got, err := own.KV().RawKV(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("%s: key-value stores differ (-Cayley's writer +claimgraph's):\n%s", step.name, diff)
				}
				if inUse, _ := own.KV().FilterHolds(given); inUse != step.inUse {
					t.Fatalf("%s: filter in use %v, want %v", step.name, inUse, step.inUse)
				}
				if step.name != "corpus" {
					continue
				}
				// It holds every value stored.
				n := 0
				err = own.Quads(t.Context(), func(q quad.Quad) error {
					for _, v := range []quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
						if _, holds := own.KV().FilterHolds(v); !holds {
							return fmt.Errorf("value %v is stored, not held", v)
						}
						n++
					}
					return nil
				})
				if err != nil || n < 1000 {
					t.Fatalf("%d values checked: %v", n, err)
				}
			}
		})
	}
}

// countdown is a context that is cancelled once its Err has been asked n
// times: a cancellation at every point where a write checks.
type countdown struct {
	context.Context
	n *int
}

func (c countdown) Err() error {
	if *c.n <= 0 {
		return context.Canceled
	}
	*c.n--
	return nil
}

// TestCancelledWrite cancels a batch at each point where Apply and the
// writer look at the context, and requires whole records every time: a
// batch of new records is written wholly or not at all, and a batch of
// replacements leaves every record in its old or its new version, never
// absent (once the old versions are deleted, the new ones are written).
func TestCancelledWrite(t *testing.T) {
	corpus := readChanges(t, filepath.Join(root, "corpus"))
	old := "source · blog\nT\nsrc_a\nauthors: Ann Lee\ntopics: Old topic\nEvidence from this source (1)\n- weight0.5\nmethod: m\n“one”\n"
	nw := "source · blog\nT2\nsrc_a\nauthors: Bo Chen\ntopics: New topic\nEvidence from this source (1)\n- weight0.9\nmethod: m2\n“three”\n"
	want := func(changes ...claim.Change) []string {
		mem := graph.OpenMemory()
		apply(t, mem, changes...)
		return dump(t, mem, false)
	}
	empty, whole := want(), want(corpus...)
	before, after := want(parseText(t, old)...), want(parseText(t, nw)...)
	var cancelled, completed int
	for n := 0; completed == 0 || n < 12; n++ {
		if n > 200 {
			t.Fatal("Apply still cancelled after 200 checks of its context")
		}
		for _, split := range []int{0, 3} {
			st, _ := newStore(t, "bbolt")
			if split > 0 {
				st.KV().TxRecords(split)
			}
			left := n
			_, err := st.Apply(countdown{t.Context(), &left}, corpus)
			switch got := dump(t, st, false); {
			case err == nil:
				completed++
				if diff := cmp.Diff(whole, got); diff != "" {
					t.Fatalf("cancel at check %d, %d records per transaction: Apply succeeded, but the graph differs from the corpus (-want +got):\n%s", n, split, diff)
				}
			case !errors.Is(err, context.Canceled):
				t.Fatalf("cancel at check %d: %v", n, err)
			default:
				cancelled++
				if diff := cmp.Diff(empty, got); diff != "" {
					t.Fatalf("cancel at check %d, %d records per transaction: Apply was cancelled, but wrote (-want +got):\n%s", n, split, diff)
				}
			}
			verify(t, st)
		}

		st, _ := newStore(t, "bbolt")
		apply(t, st, parseText(t, old)...)
		left := n
		_, err := st.Apply(countdown{t.Context(), &left}, parseText(t, nw))
		got := dump(t, st, false)
		d1, d2 := cmp.Diff(before, got), cmp.Diff(after, got)
		if d1 != "" && d2 != "" {
			t.Fatalf("cancel at check %d (%v): the replaced record is in neither version (-new +got):\n%s", n, err, d2)
		}
		if err == nil && d2 != "" {
			t.Fatalf("cancel at check %d: the replacement succeeded, but the graph is not its new version (-new +got):\n%s", n, d2)
		}
		verify(t, st)
	}
	if cancelled == 0 {
		t.Fatal("no cancellation took effect")
	}
}

// TestTxSplit writes a generated corpus with a small transaction budget:
// every transaction of more than one record stays within it, a batch is
// split into several, and the graph is the one written unsplit.
func TestTxSplit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "corpus")
	if err := gen.Write(dir, gen.Config{Sources: 300, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	changes := readChanges(t, dir, filepath.Join(root, "corpus"))
	const budget = 20 << 10
	defer kvstore.TxBudget(budget)()
	for _, backend := range []string{"bolt", "bbolt"} {
		t.Run(backend, func(t *testing.T) {
			split, _ := newStore(t, backend)
			whole, _ := newStore(t, backend)
			whole.KV().TxRecords(1 << 30)
			var txs, records int
			split.KV().TraceTx(func(n, cost int) {
				txs++
				records += n
				if n > 1 && cost > budget {
					t.Errorf("transaction %d: %d records cost %d bytes, over the budget of %d", txs, n, cost, budget)
				}
				if cost == 0 {
					t.Errorf("transaction %d: %d records cost nothing", txs, n)
				}
			})
			const batch = 200
			written := 0 // records written: those loaded, and those re-derived
			for i := 0; i < len(changes); i += batch {
				part := changes[i:min(i+batch, len(changes))]
				written += len(part) + len(apply(t, split, part...).Refreshed)
				apply(t, whole, part...)
			}
			if batches := (len(changes) + batch - 1) / batch; txs < 2*batches {
				t.Fatalf("%d batches written in %d transactions: not split", batches, txs)
			}
			if records != written {
				t.Fatalf("transactions wrote %d records of %d", records, written)
			}
			if diff := cmp.Diff(dump(t, whole, false), dump(t, split, false)); diff != "" {
				t.Fatalf("graph written in small transactions differs (-whole +split):\n%s", diff)
			}
			verify(t, split)
		})
	}
}

// TestStoreMappedOnce loads a corpus whose store outgrows bolt's first
// maps (32 KiB, doubled as the file grows) in one transaction, and
// requires the file to have stayed where it was first mapped: a new map
// inside a write transaction copies every node the transaction holds.
func TestStoreMappedOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "corpus")
	if err := gen.Write(dir, gen.Config{Sources: 300, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	changes := readChanges(t, dir)
	for _, backend := range []string{"bolt", "bbolt"} {
		t.Run(backend, func(t *testing.T) {
			st, _ := newStore(t, backend)
			before, _, err := st.KV().MapAddress()
			if err != nil {
				t.Fatal(err)
			}
			apply(t, st, changes...)
			after, size, err := st.KV().MapAddress()
			if err != nil {
				t.Fatal(err)
			}
			if size < 4<<20 {
				t.Fatalf("store file is %d bytes: too small to outgrow a first map", size)
			}
			if after != before {
				t.Errorf("store file mapped anew while it grew to %d bytes", size)
			}
		})
	}
}

// TestLogPagesFull: the quad log's keys only grow, so its pages are
// filled before they split, not left half empty (a fifth of a store).
func TestLogPagesFull(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "corpus")
	if err := gen.Write(dir, gen.Config{Sources: 300, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	changes := readChanges(t, dir)
	for _, backend := range []string{"bolt", "bbolt"} {
		t.Run(backend, func(t *testing.T) {
			st, _ := newStore(t, backend)
			for i := 0; i < len(changes); i += 100 {
				apply(t, st, changes[i:min(i+100, len(changes))]...)
			}
			fill, err := st.KV().LogFill()
			if err != nil {
				t.Fatal(err)
			}
			if fill < 0.9 {
				t.Errorf("the log's pages are %.0f%% full", 100*fill)
			}
		})
	}
}

// A load into leveldb appends new ids: their log records fall between the
// tables stored, and most go to the bottom level, where compaction does
// not rewrite them (see sortedPuts). (Not all: hidalgo escapes the bytes
// '/' and '\' in keys, so an id holding one sorts after greater ids, and
// may stretch its table over the next batch's.) Compaction alone would
// leave this small store's tables in levels 0 and 1.
func TestLevelLogAtTheBottom(t *testing.T) {
	st, _ := newStore(t, "leveldb")
	st.KV().TxRecords(5)
	apply(t, st, readChanges(t, filepath.Join(root, "corpus"))...)
	tables, err := st.KV().LevelTables()
	if err != nil {
		t.Fatal(err)
	}
	level := -1
	logTables := map[int]int{} // by level
	for _, line := range strings.Split(tables, "\n") {
		if strings.HasPrefix(line, "--- level ") {
			level++
		} else if strings.Contains(line, `["log`) {
			logTables[level]++
		}
	}
	total := 0
	for _, n := range logTables {
		total += n
	}
	if level != 6 || logTables[6] < total/2 {
		t.Fatalf("tables of log records by level: %v, %d of them at level 6 of %d; want most at level 6\n%s", logTables, logTables[6], level, tables)
	}
}
