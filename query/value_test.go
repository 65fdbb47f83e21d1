package query

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// TestKeyOfStrings: the fast path for plain strings writes exactly what
// strconv.Quote would, so grouping keys and the order of maps are as
// before.
func TestKeyOfStrings(t *testing.T) {
	for _, s := range []string{"", "plain", "Sébastien Bubeck", `say "no"`, `back\slash`, "tab\there", "line\nbreak", "\x7f", "\x00", "emoji 😀", "\xff"} {
		if got, want := keyOf(s), "s"+strconv.Quote(s); got != want {
			t.Errorf("keyOf(%q) = %s, want %s", s, got, want)
		}
	}
	if got, want := keyOf([]Value{"a,b", "c"}), keyOf([]Value{"a", "b,c"}); got == want {
		t.Errorf("keys of different lists collide: %s", got)
	}
}

// TestSortColumns: sorting with unboxed key columns gives the order the
// generic comparison by Cypher's type order gives, for columns that are
// all numbers, all strings or mixed (nulls, NaN, huge integers, lists).
func TestSortColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := []func() Value{
		func() Value { return float64(rng.IntN(5)) / 2 },                  // floats with ties
		func() Value { return int64(rng.IntN(7) - 3) },                    // integers
		func() Value { return []string{"b", "a", "ab", ""}[rng.IntN(4)] }, // strings
		func() Value { return int64(1<<53) + int64(rng.IntN(3)) },         // beyond float64's integers
		func() Value { return []Value{nil, math.NaN(), 1.5, "x", true, int64(2)}[rng.IntN(6)] },
		func() Value { return []Value{[]Value{int64(1)}, []Value{}, 0.5}[rng.IntN(3)] },
		func() Value { // signs, zeros of both signs, extremes
			return []float64{math.Copysign(0, -1), 0, -1.5, 1.5, -2, 1e300, -1e300, math.Inf(1), math.Inf(-1), 5e-324, -5e-324}[rng.IntN(11)]
		},
	}
	for trial := 0; trial < 600; trial++ {
		ncols := 1 + rng.IntN(3)
		gens := make([]func() Value, ncols)
		desc := make([]bool, ncols)
		for k := range gens {
			// mostly one kind per column, sometimes two mixed
			a, b := kinds[rng.IntN(len(kinds))], kinds[rng.IntN(len(kinds))]
			if rng.IntN(3) > 0 {
				b = a
			}
			gens[k] = func() Value {
				if rng.IntN(2) == 0 {
					return a()
				}
				return b()
			}
			desc[k] = rng.IntN(2) == 0
		}
		n := rng.IntN(60)
		if trial%10 == 0 {
			n = 1024 + rng.IntN(2000) // enough rows for packed keys
		}
		s := &sortStage{desc: desc, keys: make([]evalFn, ncols)}
		rows := make([][]Value, n)
		for i := range rows {
			for k := range gens {
				rows[i] = append(rows[i], gens[k]())
			}
			for _, v := range rows[i] {
				s.vals.push(v)
			}
			s.rows = append(s.rows, Row{int64(i)})
		}
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		slices.SortStableFunc(want, func(a, b int) int {
			for k := range rows[a] {
				c := orderCompare(rows[a][k], rows[b][k])
				if desc[k] {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
			return 0
		})
		var got []int
		s.n = n
		x := &exec{ctx: t.Context(), wholeRows: true}
		if err := s.flush(x, func(r Row) error { got = append(got, int(r[0].(int64))); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("trial %d: rows %v sorted (desc %v) as %v, want %v", trial, rows, desc, got, want)
		}
	}
}

// TestSameKeys: the previous group is reused only for keys that are
// certainly equal.
func TestSameKeys(t *testing.T) {
	for _, c := range []struct {
		a, b []Value
		same bool
	}{
		{[]Value{"x", int64(1)}, []Value{"x", int64(1)}, true},
		{[]Value{Node{ID: "a"}}, []Value{Node{ID: "a"}}, true},
		{[]Value{Node{ID: "a", ref: 7}}, []Value{Node{ID: "a"}}, true}, // a ref is a hint
		{[]Value{Node{ID: "a", ref: 7}}, []Value{Node{ID: "b", ref: 7}}, false},
		{[]Value{"x"}, []Value{"y"}, false},
		{[]Value{int64(1)}, []Value{1.0}, false}, // same group, decided by the key
		{[]Value{nil}, []Value{nil}, false},
		{[]Value{true}, []Value{true}, true},
		{[]Value{"1"}, []Value{int64(1)}, false},
	} {
		if got := sameKeys(c.a, c.b); got != c.same {
			t.Errorf("sameKeys(%v, %v) = %v", c.a, c.b, got)
		}
		if c.same && keyOf(c.a) != keyOf(c.b) {
			t.Errorf("sameKeys(%v, %v) but their keys differ", c.a, c.b)
		}
	}
}

// TestNodeRefIsAHint: a node found with its index number and the same node
// found without it are the same value to every comparison.
func TestNodeRefIsAHint(t *testing.T) {
	a, b := Node{ID: "per_x", ref: 42}, Node{ID: "per_x"}
	if equal(a, b) != true || orderCompare(a, b) != 0 || keyOf(a) != keyOf(b) {
		t.Errorf("%v and %v differ: equal %v, order %d", a, b, equal(a, b), orderCompare(a, b))
	}
	rel := Rel{Type: "AUTHORED_BY", Start: "src_y", End: "per_x"}
	pa := Path{Nodes: []Node{{ID: "src_y", ref: 3}, a}, Rels: []Rel{rel}}
	pb := Path{Nodes: []Node{{ID: "src_y"}, b}, Rels: []Rel{rel}}
	if equal(pa, pb) != true || orderCompare(pa, pb) != 0 || keyOf(pa) != keyOf(pb) {
		t.Errorf("paths through the same nodes differ: equal %v, order %d", equal(pa, pb), orderCompare(pa, pb))
	}
	if orderCompare(pa, Path{Nodes: []Node{{ID: "src_z"}, b}, Rels: []Rel{rel}}) >= 0 {
		t.Error("paths are not ordered by their nodes' ids")
	}
}

// TestPlanRunsOnce: a plan's stages hold its run's state (the rows a sort
// collected, an aggregate's groups), so a second run is refused rather
// than answered from the first run's leftovers.
func TestPlanRunsOnce(t *testing.T) {
	st := loadStore(t, "memory", "testdata/kb.txt")
	p, err := Prepare(t.Context(), st, `MATCH (n) RETURN labels(n)[0] AS l, count(*) AS c ORDER BY c DESC, l`)
	if err != nil {
		t.Fatal(err)
	}
	var first int
	if err := p.Run(t.Context(), st, Options{}, func([]Value) error { first++; return nil }); err != nil || first == 0 {
		t.Fatalf("first run: %d rows, %v", first, err)
	}
	if err := p.Run(t.Context(), st, Options{}, func([]Value) error { return nil }); err != errRanTwice {
		t.Fatalf("second run of one plan: %v, want %v", err, errRanTwice)
	}
	if _, err := p.Subgraph(t.Context(), st, Options{}, 0); err != errRanTwice {
		t.Fatalf("subgraph of a plan already run: %v, want %v", err, errRanTwice)
	}
}
