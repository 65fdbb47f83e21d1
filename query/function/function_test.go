package function

import (
	"strings"
	"testing"
)

// TestNames: every name listed is a function or an aggregate, found in any
// case, and each scalar function states its arity.
func TestNames(t *testing.T) {
	names := Names()
	if len(names) < 25 {
		t.Fatalf("only %d functions listed", len(names))
	}
	for _, n := range names {
		if IsAggregate(n) {
			continue
		}
		f, ok := Lookup(strings.ToUpper(n))
		if !ok {
			t.Errorf("Names lists %s, Lookup does not find it", n)
			continue
		}
		if f.Arity() == "" || !f.Accepts(1) && !f.Accepts(2) {
			t.Errorf("%s: arity %q", n, f.Arity())
		}
	}
	if _, ok := Lookup("nosuchfunction"); ok {
		t.Error("Lookup finds a function that does not exist")
	}
}

// TestAggregation: nulls are skipped except by count(*), DISTINCT folds a
// value once, sum keeps integers integers until a float arrives.
func TestAggregation(t *testing.T) {
	for _, c := range []struct {
		agg  Aggregation
		in   []any
		want any
	}{
		{Aggregation{Name: "count"}, []any{int64(1), nil, int64(1)}, int64(2)},
		{Aggregation{Name: "count", Star: true}, []any{int64(1), nil, int64(1)}, int64(3)},
		{Aggregation{Name: "count", Distinct: true}, []any{int64(1), nil, int64(1)}, int64(1)},
		{Aggregation{Name: "sum"}, []any{int64(1), int64(2)}, int64(3)},
		{Aggregation{Name: "sum"}, []any{int64(1), 0.5}, 1.5},
		{Aggregation{Name: "avg"}, nil, nil},
		{Aggregation{Name: "max"}, []any{"a", int64(3), "b"}, int64(3)}, // numbers order above strings
		{Aggregation{Name: "min"}, []any{"b", "a", nil}, "a"},
	} {
		a := c.agg
		for _, v := range c.in {
			if err := a.Add(v); err != nil {
				t.Fatal(err)
			}
		}
		if got := a.Result(); got != c.want {
			t.Errorf("%+v over %v = %v, want %v", c.agg, c.in, got, c.want)
		}
	}
	a := Aggregation{Name: "sum"}
	if err := a.Add("x"); err == nil || !strings.Contains(err.Error(), "sum() expects numbers, got a string") {
		t.Errorf("sum of a string: %v", err)
	}
}
