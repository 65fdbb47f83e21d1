package operator

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
		s := &Sort{Desc: desc, Keys: make([]Eval, ncols)}
		rows := make([][]value.Value, n)
		for i := range rows {
			for k := range gens {
				rows[i] = append(rows[i], gens[k]())
			}
			for _, v := range rows[i] {
				s.vals.push(v)
			}
			s.Rows = append(s.Rows, Row{int64(i)})
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
		x := &Exec{Ctx: t.Context(), WholeRows: true}
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
