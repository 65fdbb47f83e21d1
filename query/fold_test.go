package query

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"claimgraph/graph"
	"claimgraph/loader/gen"
	"claimgraph/query/value"
)

// TestFoldedExpansions: an expansion folded into the aggregation after it
// gives what the rows one by one give, to the bit (floating-point sums
// included, since values are added in the rows' order), with the same
// errors and limits, on a generated corpus whose sources are reached
// through several authors and organisations; and only expansions whose
// rows the aggregation reads no more of than the node and relationship
// reached are folded.
func TestFoldedExpansions(t *testing.T) {
	dir := t.TempDir()
	if err := gen.Write(filepath.Join(dir, "corpus"), gen.Config{Sources: 400, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	const chain = `MATCH (o:Organisation)<-[:AFFILIATED_WITH]-(p:Person)<-[:AUTHORED_BY]-(s:Source)<-[r:QUOTED_IN]-(q:Quote) `
	cases := []struct {
		query  string
		folded bool
	}{
		{chain + `RETURN o.name AS organisation, count(q) AS quotes, avg(q.weight) AS mean_weight ORDER BY quotes DESC, organisation`, true},
		{chain + `RETURN o.id, count(*), count(r), sum(q.weight), min(q.weight), max(q.text), collect(q.weight), sum(1), avg(q.weight) * 2 ORDER BY o.id`, true},
		{chain + `RETURN count(q), sum(q.weight), collect(q.id)`, true},
		// Integers, floats and nulls mixed in one sum, more aggregates
		// than a tally holds inline, count(*) beside count of nulls.
		{chain + `RETURN o.id, sum([1, 0.5][toInteger(q.weight * 2) % 2]), sum(toInteger(q.weight * 10)), avg(toInteger(q.weight * 10)),
			avg(q.nothing), count(q.nothing), count(*), sum([null, 1, 0.25][toInteger(q.weight * 3) % 3]) ORDER BY o.id`, true},
		{chain + `RETURN o, p, size(p.name) + count(q) AS n ORDER BY n DESC, p.id`, true},
		{chain + `WITH o, sum(q.weight) AS w WHERE w > 1 RETURN o.id, w ORDER BY o.id`, true},
		{`MATCH (s:Source) WITH s ORDER BY s.id LIMIT 50 MATCH (s)<-[:QUOTED_IN]-(q:Quote) RETURN s.id, collect(q.text), sum(q.weight) ORDER BY s.id`, true},
		{`MATCH (t:Topic)<-[:ABOUT]-(q:Quote) RETURN t.name, count(q), avg(q.weight) ORDER BY t.name`, true},
		// What the aggregation reads of a row depends on more than the
		// node expanded from: not folded.
		{chain + `RETURN o.id, count(DISTINCT q.weight) ORDER BY o.id`, false},
		{chain + `RETURN q.weight, count(*) ORDER BY q.weight`, false},
		{chain + `RETURN o.id, sum(size(p.name) * q.weight) ORDER BY o.id`, false},
		{`MATCH (a:Person)<-[:AUTHORED_BY]-(s:Source)-[:AUTHORED_BY]->(b:Person) RETURN a.id, count(b) ORDER BY a.id`, false},
		{`MATCH (s:Source)<-[:QUOTED_IN]-(q:Quote {weight: 0.5}) RETURN s.id, count(q) ORDER BY s.id`, false},
		{`MATCH (s:Source)<-[:QUOTED_IN]-(q:Quote) WHERE q.weight > 0.5 RETURN s.id, count(q) ORDER BY s.id`, false},
	}
	for _, backend := range []string{"bbolt", "memory"} {
		st := loadStore(t, backend, filepath.Join(dir, "corpus"))
		if backend != "memory" {
			if _, err := st.Index(t.Context()); err != nil || !st.HasIndex() {
				t.Fatalf("no query index: %v", err)
			}
		}
		for _, c := range cases {
			p, err := Prepare(t.Context(), st, c.query)
			if err != nil {
				t.Fatalf("%s: %v", c.query, err)
			}
			if got := strings.Contains(p.Explain(), "folded into"); got != c.folded {
				t.Errorf("%s: folded %v, want %v:\n%s", c.query, got, c.folded, p.Explain())
			}
			folded, err := foldRun(t, st, c.query, true, Limits{})
			if err != nil {
				t.Fatalf("%s: %v", c.query, err)
			}
			unfolded, err := foldRun(t, st, c.query, false, Limits{})
			if err != nil {
				t.Fatalf("%s unfolded: %v", c.query, err)
			}
			if folded != unfolded {
				t.Errorf("%s on %s:\nfolded:\n%.2000s\nunfolded:\n%.2000s", c.query, backend, folded, unfolded)
			}
			if strings.Count(folded, "\n") < 1 {
				t.Errorf("%s: no rows", c.query)
			}
		}
		// The first error an aggregate meets, and a limit on the rows the
		// expansion stands for, are the unfolded run's.
		for _, q := range []string{
			chain + `RETURN o.id, sum(q.weight) + sum(q.text)`,
			chain + `RETURN o.id, sum(q.text) + sum(q.weight)`,
			chain + `RETURN o.id, collect(q.weight), sum(q.weight.x)`,
		} {
			_, ferr := foldRun(t, st, q, true, Limits{})
			_, uerr := foldRun(t, st, q, false, Limits{})
			if ferr == nil || uerr == nil || ferr.Error() != uerr.Error() {
				t.Errorf("%s: folded error %v, unfolded %v", q, ferr, uerr)
			}
		}
		var all int64
		_, err := foldRun(t, st, chain+`RETURN count(*)`, true, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := foldRun(t, st, `MATCH (o:Organisation)<-[:AFFILIATED_WITH]-(p:Person)<-[:AUTHORED_BY]-(s:Source)<-[:QUOTED_IN]-(q:Quote) RETURN count(*)`, false, Limits{})
		fmt.Sscan(strings.Fields(out)[0], &all)
		for _, limit := range []int64{all / 2, all + 1000} {
			_, ferr := foldRun(t, st, chain+`RETURN o.id, count(q)`, true, Limits{MaxIntermediate: limit})
			_, uerr := foldRun(t, st, chain+`RETURN o.id, count(q)`, false, Limits{MaxIntermediate: limit})
			var le *LimitError
			if (ferr == nil) != (uerr == nil) || ferr != nil && (!errors.As(ferr, &le) || ferr.Error() != uerr.Error()) {
				t.Errorf("limit %d (of %d rows): folded %v, unfolded %v", limit, all, ferr, uerr)
			}
			if limit < all && ferr == nil {
				t.Errorf("limit %d below the %d rows expanded: no error", limit, all)
			}
		}
	}
}

// TestFoldedPastBound: past maxKeptValues, tallies are made for each row
// reaching their node and not kept; results, errors and limits are the
// same, and what the stage holds does not grow with the rows.
func TestFoldedPastBound(t *testing.T) {
	dir := t.TempDir()
	if err := gen.Write(filepath.Join(dir, "corpus"), gen.Config{Sources: 300, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	st := loadStore(t, "bbolt", filepath.Join(dir, "corpus"))
	if _, err := st.Index(t.Context()); err != nil || !st.HasIndex() {
		t.Fatalf("no query index: %v", err)
	}
	const chain = `MATCH (o:Organisation)<-[:AFFILIATED_WITH]-(p:Person)<-[:AUTHORED_BY]-(s:Source)<-[r:QUOTED_IN]-(q:Quote) `
	var all int64
	out, _ := foldRun(t, st, chain+`RETURN count(*)`, false, Limits{})
	fmt.Sscan(strings.Fields(out)[0], &all)
	defer func(old int) { maxKeptValues = old }(maxKeptValues)
	for _, q := range []string{
		// numbers, kept as sums and floats
		chain + `RETURN o.id, count(q), sum(q.weight), avg(toInteger(q.weight * 10)) ORDER BY o.id`,
		// values, kept as they are
		chain + `RETURN o.id, count(*), collect(q.id) ORDER BY o.id`,
	} {
		unfolded, err := foldRun(t, st, q, false, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, bound := range []int{0, 50, 1 << 22} {
			maxKeptValues = bound
			folded, err := foldRun(t, st, q, true, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if folded != unfolded {
				t.Errorf("%s, at most %d values kept:\nfolded:\n%.2000s\nunfolded:\n%.2000s", q, bound, folded, unfolded)
			}
			for _, limit := range []int64{all, 2 * all, 3 * all, 4 * all} {
				_, ferr := foldRun(t, st, q, true, Limits{MaxIntermediate: limit})
				_, uerr := foldRun(t, st, q, false, Limits{MaxIntermediate: limit})
				if (ferr == nil) != (uerr == nil) {
					t.Errorf("%s, at most %d values kept, limit %d: folded %v, unfolded %v", q, bound, limit, ferr, uerr)
				}
			}
			p, err := Prepare(t.Context(), st, q)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(p.stages, func(s Operator) bool { _, ok := s.(*FoldedExpand); return ok })
			if i < 0 {
				t.Fatalf("not folded:\n%s", p.Explain())
			}
			f := p.stages[i].(*FoldedExpand)
			err = p.Run(t.Context(), st, Options{}, func([]value.Value) error {
				// The aggregation emits once the expansion is done.
				kept, nums := 0, 0
				f.tallies.Each(func(t *tally) {
					if t != nil {
						kept++
						nums += cap(t.nums)
					}
				})
				if f.made != kept || f.madeNums != nums {
					t.Fatalf("%s, at most %d values kept: %d tallies made and %d numbers, %d and %d kept", q, bound, f.made, f.madeNums, kept, nums)
				}
				return ErrStop
			})
			if err != nil && err != ErrStop {
				t.Fatal(err)
			}
		}
	}
}

// foldRun runs query with folding on or off and returns its rows, floats
// written with every bit.
func foldRun(t *testing.T, st *graph.Store, query string, fold bool, l Limits) (string, error) {
	t.Helper()
	defer func(old bool) { folding = old }(folding)
	folding = fold
	p, err := Prepare(context.Background(), st, query)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	var show func(v value.Value) string
	show = func(v value.Value) string {
		switch v := v.(type) {
		case float64:
			return fmt.Sprintf("%x", math.Float64bits(v))
		case []value.Value:
			parts := make([]string, len(v))
			for i, x := range v {
				parts[i] = show(x)
			}
			return "[" + strings.Join(parts, " ") + "]"
		}
		return fmt.Sprint(v)
	}
	err = p.Run(context.Background(), st, Options{Limits: l}, func(row []value.Value) error {
		for i, v := range row {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(show(v))
		}
		b.WriteByte('\n')
		return nil
	})
	return b.String(), err
}

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
			sp := &AggSpec{name: []string{"count", "sum", "avg"}[rng.IntN(3)], arg: arg}
			if sp.name == "count" && rng.IntN(3) == 0 {
				sp.arg = nil // count(*)
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
			if sp.arg == nil {
				for r := range rows {
					vals[r*k+i] = nil
				}
			}
		}
		s := &FoldedExpand{a: &Aggregate{aggs: specs}}
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
					if err := one[j%k].add(v); err != nil {
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
						t.Fatalf("trial %d, %s: one by one %v, folded %v", trial, specs[j].name, a, b)
					}
				} else if a != b {
					t.Fatalf("trial %d, %s: one by one %v (%T), folded %v (%T)", trial, specs[j].name, a, a, b, b)
				}
			}
		}
	}
	// Not folded: a string for a sum, an aggregate other than count, sum
	// and avg, or an argument that failed.
	sum := &AggSpec{name: "sum", arg: arg}
	for _, c := range []struct {
		aggs []*AggSpec
		vals []value.Value
		err  error
	}{
		{[]*AggSpec{sum}, []value.Value{int64(1), "x", 2.5}, nil},
		{[]*AggSpec{{name: "count", arg: arg}, sum}, []value.Value{"x", 1.5, "y", true}, nil},
		{[]*AggSpec{{name: "min", arg: arg}}, []value.Value{int64(1)}, nil},
		{[]*AggSpec{sum}, []value.Value{int64(1)}, errors.New("failed")},
	} {
		s := &FoldedExpand{a: &Aggregate{aggs: c.aggs}}
		tl := &tally{err: c.err}
		if s.fold(tl, c.vals) || tl.sums != nil {
			t.Errorf("%v of %v folded", c.aggs[len(c.aggs)-1].name, c.vals)
		}
	}
	// count of strings folds: it only counts them.
	s := &FoldedExpand{a: &Aggregate{aggs: []*AggSpec{{name: "count", arg: arg}}}}
	tl := &tally{}
	if !s.fold(tl, []value.Value{"x", nil, "y"}) || tl.sums[0].n != 2 {
		t.Errorf("count of two strings and a null: %+v", tl.sums)
	}
}
