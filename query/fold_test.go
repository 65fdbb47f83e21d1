package query

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"claimgraph/query/operator"

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
			folded, err := foldRun(t, st, c.query, true, operator.Limits{})
			if err != nil {
				t.Fatalf("%s: %v", c.query, err)
			}
			unfolded, err := foldRun(t, st, c.query, false, operator.Limits{})
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
			_, ferr := foldRun(t, st, q, true, operator.Limits{})
			_, uerr := foldRun(t, st, q, false, operator.Limits{})
			if ferr == nil || uerr == nil || ferr.Error() != uerr.Error() {
				t.Errorf("%s: folded error %v, unfolded %v", q, ferr, uerr)
			}
		}
		var all int64
		_, err := foldRun(t, st, chain+`RETURN count(*)`, true, operator.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := foldRun(t, st, `MATCH (o:Organisation)<-[:AFFILIATED_WITH]-(p:Person)<-[:AUTHORED_BY]-(s:Source)<-[:QUOTED_IN]-(q:Quote) RETURN count(*)`, false, operator.Limits{})
		fmt.Sscan(strings.Fields(out)[0], &all)
		for _, limit := range []int64{all / 2, all + 1000} {
			_, ferr := foldRun(t, st, chain+`RETURN o.id, count(q)`, true, operator.Limits{MaxIntermediate: limit})
			_, uerr := foldRun(t, st, chain+`RETURN o.id, count(q)`, false, operator.Limits{MaxIntermediate: limit})
			var le *operator.LimitError
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
	out, _ := foldRun(t, st, chain+`RETURN count(*)`, false, operator.Limits{})
	fmt.Sscan(strings.Fields(out)[0], &all)
	for _, q := range []string{
		// numbers, kept as sums and floats
		chain + `RETURN o.id, count(q), sum(q.weight), avg(toInteger(q.weight * 10)) ORDER BY o.id`,
		// values, kept as they are
		chain + `RETURN o.id, count(*), collect(q.id) ORDER BY o.id`,
	} {
		unfolded, err := foldRun(t, st, q, false, operator.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, bound := range []int{0, 50, 1 << 22} {
			restore := operator.KeepValues(bound)
			folded, err := foldRun(t, st, q, true, operator.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if folded != unfolded {
				t.Errorf("%s, at most %d values kept:\nfolded:\n%.2000s\nunfolded:\n%.2000s", q, bound, folded, unfolded)
			}
			for _, limit := range []int64{all, 2 * all, 3 * all, 4 * all} {
				_, ferr := foldRun(t, st, q, true, operator.Limits{MaxIntermediate: limit})
				_, uerr := foldRun(t, st, q, false, operator.Limits{MaxIntermediate: limit})
				if (ferr == nil) != (uerr == nil) {
					t.Errorf("%s, at most %d values kept, limit %d: folded %v, unfolded %v", q, bound, limit, ferr, uerr)
				}
			}
			p, err := Prepare(t.Context(), st, q)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(p.stages, func(s operator.Operator) bool { _, ok := s.(*operator.FoldedExpand); return ok })
			if i < 0 {
				t.Fatalf("not folded:\n%s", p.Explain())
			}
			f := p.stages[i].(*operator.FoldedExpand)
			err = p.Run(t.Context(), st, Options{}, func([]value.Value) error {
				// The aggregation emits once the expansion is done.
				made, madeNums, kept, nums := f.Kept()
				if made != kept || madeNums != nums {
					t.Fatalf("%s, at most %d values kept: %d tallies made and %d numbers, %d and %d kept", q, bound, made, madeNums, kept, nums)
				}
				return operator.ErrStop
			})
			restore()
			if err != nil && err != operator.ErrStop {
				t.Fatal(err)
			}
		}
	}
}

// foldRun runs query with operator.Folding on or off and returns its rows, floats
// written with every bit.
func foldRun(t *testing.T, st *graph.Store, query string, fold bool, l operator.Limits) (string, error) {
	t.Helper()
	defer func(old bool) { operator.Folding = old }(operator.Folding)
	operator.Folding = fold
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
