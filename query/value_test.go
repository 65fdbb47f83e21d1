package query

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"claimgraph/query/value"
)

// TestSortColumns: sorting with unboxed key columns gives the order the
// generic comparison by Cypher's type order gives, for columns that are
// all numbers, all strings or mixed (nulls, NaN, huge integers, lists).
func TestSortColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := []func() value.Value{
		func() value.Value { return float64(rng.IntN(5)) / 2 },                  // floats with ties
		func() value.Value { return int64(rng.IntN(7) - 3) },                    // integers
		func() value.Value { return []string{"b", "a", "ab", ""}[rng.IntN(4)] }, // strings
		func() value.Value { return int64(1<<53) + int64(rng.IntN(3)) },         // beyond float64's integers
		func() value.Value { return []value.Value{nil, math.NaN(), 1.5, "x", true, int64(2)}[rng.IntN(6)] },
		func() value.Value { return []value.Value{[]value.Value{int64(1)}, []value.Value{}, 0.5}[rng.IntN(3)] },
		func() value.Value { // signs, zeros of both signs, extremes
			return []float64{math.Copysign(0, -1), 0, -1.5, 1.5, -2, 1e300, -1e300, math.Inf(1), math.Inf(-1), 5e-324, -5e-324}[rng.IntN(11)]
		},
	}
	for trial := 0; trial < 600; trial++ {
		ncols := 1 + rng.IntN(3)
		gens := make([]func() value.Value, ncols)
		desc := make([]bool, ncols)
		for k := range gens {
			// mostly one kind per column, sometimes two mixed
			a, b := kinds[rng.IntN(len(kinds))], kinds[rng.IntN(len(kinds))]
			if rng.IntN(3) > 0 {
				b = a
			}
			gens[k] = func() value.Value {
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
		s := &Sort{desc: desc, keys: make([]Eval, ncols)}
		rows := make([][]value.Value, n)
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
				c := value.OrderCompare(rows[a][k], rows[b][k])
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
		x := &Exec{ctx: t.Context(), wholeRows: true}
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
		a, b []value.Value
		same bool
	}{
		{[]value.Value{"x", int64(1)}, []value.Value{"x", int64(1)}, true},
		{[]value.Value{value.Node{ID: "a"}}, []value.Value{value.Node{ID: "a"}}, true},
		{[]value.Value{value.Node{ID: "a", Ref: 7}}, []value.Value{value.Node{ID: "a"}}, true}, // a ref is a hint
		{[]value.Value{value.Node{ID: "a", Ref: 7}}, []value.Value{value.Node{ID: "b", Ref: 7}}, false},
		{[]value.Value{"x"}, []value.Value{"y"}, false},
		{[]value.Value{int64(1)}, []value.Value{1.0}, false}, // same group, decided by the key
		{[]value.Value{nil}, []value.Value{nil}, false},
		{[]value.Value{true}, []value.Value{true}, true},
		{[]value.Value{"1"}, []value.Value{int64(1)}, false},
	} {
		if got := sameKeys(c.a, c.b); got != c.same {
			t.Errorf("sameKeys(%v, %v) = %v", c.a, c.b, got)
		}
		if c.same && value.KeyOf(c.a) != value.KeyOf(c.b) {
			t.Errorf("sameKeys(%v, %v) but their keys differ", c.a, c.b)
		}
	}
}

// TestNodeRefIsAHint: a node found with its index number and the same node
// found without it are the same value to every comparison.
func TestNodeRefIsAHint(t *testing.T) {
	a, b := value.Node{ID: "per_x", Ref: 42}, value.Node{ID: "per_x"}
	if value.Equal(a, b) != true || value.OrderCompare(a, b) != 0 || value.KeyOf(a) != value.KeyOf(b) {
		t.Errorf("%v and %v differ: equal %v, order %d", a, b, value.Equal(a, b), value.OrderCompare(a, b))
	}
	rel := value.Rel{Type: "AUTHORED_BY", Start: "src_y", End: "per_x"}
	pa := value.Path{Nodes: []value.Node{{ID: "src_y", Ref: 3}, a}, Rels: []value.Rel{rel}}
	pb := value.Path{Nodes: []value.Node{{ID: "src_y"}, b}, Rels: []value.Rel{rel}}
	if value.Equal(pa, pb) != true || value.OrderCompare(pa, pb) != 0 || value.KeyOf(pa) != value.KeyOf(pb) {
		t.Errorf("paths through the same nodes differ: equal %v, order %d", value.Equal(pa, pb), value.OrderCompare(pa, pb))
	}
	if value.OrderCompare(pa, value.Path{Nodes: []value.Node{{ID: "src_z"}, b}, Rels: []value.Rel{rel}}) >= 0 {
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
	if err := p.Run(t.Context(), st, Options{}, func([]value.Value) error { first++; return nil }); err != nil || first == 0 {
		t.Fatalf("first run: %d rows, %v", first, err)
	}
	if err := p.Run(t.Context(), st, Options{}, func([]value.Value) error { return nil }); err != errRanTwice {
		t.Fatalf("second run of one plan: %v, want %v", err, errRanTwice)
	}
	if _, err := p.Subgraph(t.Context(), st, Options{}, 0); err != errRanTwice {
		t.Fatalf("subgraph of a plan already run: %v, want %v", err, errRanTwice)
	}
}
