package operator

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"claimgraph/query/value"
)

// TestFoldedSums: what a tally folds for count, sum and avg adds up to
// what the values added one by one make, to the bit, for integers,
// floats and nulls in any mix; a tally with a value sum or avg would
// reject, or an aggregate it cannot fold, keeps its values.
func TestFoldedSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 7))
	arg := func(*Exec, Row) (value.Value, error) { return nil, nil }
	random := func() value.Value {
		switch rng.IntN(4) {
		case 0:
			return nil
		case 1:
			return rng.Int64N(1<<62) - 1<<61
		}
		return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(30)-15))
	}
	for trial := 0; trial < 2000; trial++ {
		var specs []*AggSpec
		for range 1 + rng.IntN(4) {
			sp := &AggSpec{Name: []string{"count", "sum", "avg"}[rng.IntN(3)], Arg: arg}
			if sp.Name == "count" && rng.IntN(3) == 0 {
				sp.Arg = nil // count(*)
			}
			specs = append(specs, sp)
		}
		k := len(specs)
		rows := rng.IntN(40)
		vals := make([]value.Value, 0, rows*k)
		for range rows * k {
			vals = append(vals, random())
		}
		for i, sp := range specs {
			if sp.Arg == nil {
				for r := range rows {
					vals[r*k+i] = nil
				}
			}
		}
		s := &FoldedExpand{Aggregate: &Aggregate{Aggs: specs}}
		tl := &tally{hits: int64(rows)}
		if !s.fold(tl, vals) {
			t.Fatalf("trial %d: numbers and nulls not folded", trial)
		}
		for rep := 0; rep < 2; rep++ { // a tally is added to a group once per row reaching it
			one, folded := make([]*aggState, k), make([]*aggState, k)
			for i, sp := range specs {
				one[i], folded[i] = newAggState(sp), newAggState(sp)
			}
			for i := 0; i < rep+1; i++ {
				for j, v := range vals {
					if err := one[j%k].add(&Exec{}, v); err != nil {
						t.Fatal(err)
					}
				}
				for j := range tl.sums {
					folded[j].addFolded(&tl.sums[j], tl.nums)
				}
			}
			for j := range specs {
				a, b := one[j].result(), folded[j].result()
				if fa, ok := a.(float64); ok {
					if fb, ok := b.(float64); !ok || math.Float64bits(fa) != math.Float64bits(fb) {
						t.Fatalf("trial %d, %s: one by one %v, folded %v", trial, specs[j].Name, a, b)
					}
				} else if a != b {
					t.Fatalf("trial %d, %s: one by one %v (%T), folded %v (%T)", trial, specs[j].Name, a, a, b, b)
				}
			}
		}
	}
	// Not folded: a string for a sum, an aggregate other than count, sum
	// and avg, or an argument that failed.
	sum := &AggSpec{Name: "sum", Arg: arg}
	for _, c := range []struct {
		aggs []*AggSpec
		vals []value.Value
		err  error
	}{
		{[]*AggSpec{sum}, []value.Value{int64(1), "x", 2.5}, nil},
		{[]*AggSpec{{Name: "count", Arg: arg}, sum}, []value.Value{"x", 1.5, "y", true}, nil},
		{[]*AggSpec{{Name: "min", Arg: arg}}, []value.Value{int64(1)}, nil},
		{[]*AggSpec{sum}, []value.Value{int64(1)}, errors.New("failed")},
	} {
		s := &FoldedExpand{Aggregate: &Aggregate{Aggs: c.aggs}}
		tl := &tally{err: c.err}
		if s.fold(tl, c.vals) || tl.sums != nil {
			t.Errorf("%v of %v folded", c.aggs[len(c.aggs)-1].Name, c.vals)
		}
	}
	// count of strings folds: it only counts them.
	s := &FoldedExpand{Aggregate: &Aggregate{Aggs: []*AggSpec{{Name: "count", Arg: arg}}}}
	tl := &tally{}
	if !s.fold(tl, []value.Value{"x", nil, "y"}) || tl.sums[0].n != 2 {
		t.Errorf("count of two strings and a null: %+v", tl.sums)
	}
}
