package query

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"claimgraph/query/operator"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/loader"
	"claimgraph/query/access"
	"claimgraph/query/syntax"
	"claimgraph/query/value"
)

// TestValuesAfterWrite: the query values a process made from the query
// index's value numbers are dropped with the index when the store is
// written, so a query after a write and a new index reads the new values,
// although the new index numbers its values differently.
func TestValuesAfterWrite(t *testing.T) {
	st := loadStore(t, "bbolt", filepath.Join("..", "testdata", "corpus"))
	titles := func() []string {
		t.Helper()
		if _, err := st.Index(t.Context()); err != nil || !st.HasIndex() {
			t.Fatalf("no query index: %v", err)
		}
		p, err := Prepare(t.Context(), st, `MATCH (s:Source) RETURN s.title ORDER BY s.title`)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		err = p.Run(t.Context(), st, Options{}, func(row []value.Value) error {
			out = append(out, row[0].(string))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// Each source with its quotes' count: relationship lists, which a
	// process also keeps with the index (by the index's node numbers).
	quotes := func() []string {
		t.Helper()
		p, err := Prepare(t.Context(), st, `MATCH (s:Source) OPTIONAL MATCH (q:Quote)-[:QUOTED_IN]->(s) RETURN s.id, count(q) ORDER BY s.id`)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		err = p.Run(t.Context(), st, Options{}, func(row []value.Value) error {
			out = append(out, fmt.Sprint(row[0], " ", row[1]))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	before, quotesBefore := titles(), quotes()
	rd := loader.NewTextReader("new.txt", strings.NewReader("source · blog\nAardvark first\nsrc_new\nauthors: Ann Lee\nEvidence from this source (2)\n- weight0.5\nmethod: m\n“one”\n- weight0.7\nmethod: m\n“two”\n"), nil)
	item, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(context.Background(), []claim.Change{item.Change}); err != nil {
		t.Fatal(err)
	}
	want := append([]string{"Aardvark first"}, before...)
	slices.Sort(want)
	if after := titles(); !slices.Equal(after, want) {
		t.Fatalf("titles after adding a source:\n%s\nwant:\n%s", strings.Join(after, "\n"), strings.Join(want, "\n"))
	}
	wantQuotes := append([]string{"src_new 2"}, quotesBefore...)
	slices.Sort(wantQuotes)
	if after := quotes(); !slices.Equal(after, wantQuotes) {
		t.Fatalf("quotes per source after adding one:\n%s\nwant:\n%s", strings.Join(after, "\n"), strings.Join(wantQuotes, "\n"))
	}
}

// TestDegreesAfterWrite: the planner's sampled fan-outs are kept with the
// query index, so a write that changes them is seen by the next plan.
func TestDegreesAfterWrite(t *testing.T) {
	st := loadStore(t, "bbolt", filepath.Join("..", "testdata", "corpus", "sources_ai.txt"))
	// Fewer sources than degreeSample: the sample is every source, and the
	// estimate is the mean number of quotes per source.
	estimate := func() (got, want float64) {
		t.Helper()
		if _, err := st.Index(t.Context()); err != nil || !st.HasIndex() {
			t.Fatalf("no query index: %v", err)
		}
		p, err := Prepare(t.Context(), st, `MATCH (s:Source) OPTIONAL MATCH (q:Quote)-[:QUOTED_IN]->(s) RETURN count(DISTINCT s), count(q)`)
		if err != nil {
			t.Fatal(err)
		}
		err = p.Run(t.Context(), st, Options{}, func(row []value.Value) error {
			if row[0].(int64) >= degreeSample {
				t.Fatalf("%d sources: the sample is not all of them", row[0])
			}
			want = float64(row[1].(int64)) / float64(row[0].(int64))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		q, err := syntax.Parse("q", `MATCH (s:Source)<-[:QUOTED_IN]-(q) RETURN q`)
		if err != nil {
			t.Fatal(err)
		}
		pat := q.Clauses[0].Match.Patterns[0]
		c := &compiler{rd: access.New(t.Context(), st)}
		return c.stepCost(pat.Steps[0].Rel, pat.Start, false), want
	}
	got, want := estimate()
	if got != want {
		t.Fatalf("quotes per source estimated %v, want %v", got, want)
	}
	addManyQuotes(t, st)
	after, wantAfter := estimate()
	if after != wantAfter || after == got {
		t.Fatalf("after adding a source of 40 quotes: quotes per source estimated %v, want %v (was %v)", after, wantAfter, got)
	}
}

// TestSamplesOnlyForChoices: the planner samples fan-outs only where it
// chooses which side of a pattern to grow; a pattern grown from the node
// known by id at its end samples nothing, one anchored in its middle
// samples both sides.
func TestSamplesOnlyForChoices(t *testing.T) {
	st := loadStore(t, "bbolt", filepath.Join("..", "testdata", "corpus"))
	if _, err := st.Index(t.Context()); err != nil || !st.HasIndex() {
		t.Fatalf("no query index: %v", err)
	}
	if _, err := Prepare(t.Context(), st, `MATCH (q:Quote)-[:QUOTED_IN]->(:Source)-[:AUTHORED_BY]->(:Person {id: 'per_timnit_gebru'}) RETURN q.text`); err != nil {
		t.Fatal(err)
	}
	if n := SampledDegrees(st); n != 0 {
		t.Errorf("a pattern grown from its end sampled %d fan-outs", n)
	}
	if _, err := Prepare(t.Context(), st, `MATCH (q:Quote)-[:QUOTED_IN]->(:Source {id: 'src_dair_ai_pause_statement_2023'})-[:AUTHORED_BY]->(p:Person) RETURN q.text, p.name`); err != nil {
		t.Fatal(err)
	}
	if n := SampledDegrees(st); n < 2 {
		t.Errorf("a pattern grown from its middle sampled %d fan-outs, want both sides", n)
	}
}

// TestPlansKept: a plan that has run is what the next Prepare of its text
// returns, emptied of that run: its aggregation's tallies, its sort's
// rows, its LIMIT's count, even when the run was stopped midway; a plan
// being used is never handed out twice; and a write lets go of them all.
func TestPlansKept(t *testing.T) {
	st := loadStore(t, "bbolt", filepath.Join("..", "testdata", "corpus"))
	if _, err := st.Index(t.Context()); err != nil || !st.HasIndex() {
		t.Fatalf("no query index: %v", err)
	}
	// sum($w) reads nothing of the rows it folds, so it is folded into
	// the tallies of the expansion before it; a tally kept from the run
	// before would sum the last run's $w.
	const src = `MATCH (s:Source)<-[:QUOTED_IN]-(q:Quote) RETURN s.id AS id, sum($w) AS w ORDER BY w DESC, id LIMIT 3`
	run := func(p *Plan, w int64, stopAfter int) []string {
		t.Helper()
		var out []string
		err := p.Run(t.Context(), st, Options{Params: map[string]value.Value{"w": w}}, func(row []value.Value) error {
			out = append(out, fmt.Sprint(row[0], " ", row[1]))
			if len(out) == stopAfter {
				return operator.ErrStop
			}
			return nil
		})
		if err != nil && err != operator.ErrStop {
			t.Fatal(err)
		}
		return out
	}
	prepare := func() *Plan {
		t.Helper()
		p, err := Prepare(t.Context(), st, src)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := prepare()
	if !slices.ContainsFunc(first.stages, func(s operator.Operator) bool { _, ok := s.(*operator.FoldedExpand); return ok }) {
		t.Fatalf("the test query is not folded:\n%s", first.Explain())
	}
	ones := run(first, 1, 0)
	if len(ones) != 3 {
		t.Fatalf("rows: %q", ones)
	}
	if err := first.Run(t.Context(), st, Options{}, func([]value.Value) error { return nil }); err != errRanTwice {
		t.Fatalf("a plan ran twice: %v", err)
	}

	again := prepare()
	if &again.stages[0] != &first.stages[0] {
		t.Fatal("the plan that ran is not the one prepared again")
	}
	other := prepare() // while again is in use
	if &other.stages[0] == &again.stages[0] {
		t.Fatal("a plan in use was handed out again")
	}
	if got := run(again, 1, 1); !slices.Equal(got, ones[:1]) {
		t.Fatalf("stopped run: %q, want %q", got, ones[:1])
	}
	var twos []string
	for _, one := range ones {
		id, n, _ := strings.Cut(one, " ")
		var k int
		fmt.Sscan(n, &k)
		twos = append(twos, fmt.Sprint(id, " ", 2*k))
	}
	for range 2 {
		if got := run(prepare(), 2, 0); !slices.Equal(got, twos) {
			t.Fatalf("run again with $w = 2: %q, want %q", got, twos)
		}
	}
	if got := run(other, 1, 0); !slices.Equal(got, ones) {
		t.Fatalf("the second plan: %q, want %q", got, ones)
	}

	kept := prepare()
	run(kept, 1, 0)
	addManyQuotes(t, st)
	if _, err := st.Index(t.Context()); err != nil || !st.HasIndex() {
		t.Fatalf("no query index: %v", err)
	}
	after := prepare()
	if &after.stages[0] == &kept.stages[0] {
		t.Fatal("a plan outlived a write")
	}
	if got := run(after, 1, 1); !slices.Equal(got, []string{"src_many 40"}) {
		t.Fatalf("after adding a source of 40 quotes: %q", got)
	}
}

// addManyQuotes writes src_many, a source of 40 quotes by Ann Lee.
func addManyQuotes(t *testing.T, st *graph.Store) {
	t.Helper()
	var text strings.Builder
	text.WriteString("source · blog\nMany quotes\nsrc_many\nauthors: Ann Lee\nEvidence from this source (40)\n")
	for i := range 40 {
		fmt.Fprintf(&text, "- weight0.5\nmethod: m\n“quote %d”\n", i)
	}
	item, err := loader.NewTextReader("many.txt", strings.NewReader(text.String()), nil).Next()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(context.Background(), []claim.Change{item.Change}); err != nil {
		t.Fatal(err)
	}
}
