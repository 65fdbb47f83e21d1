package operator

import (
	"slices"

	"claimgraph/query/access"
	"claimgraph/query/value"
)

// FoldedExpand is an expansion whose rows go straight into an
// aggregation that reads of them only what the expansion reached (the
// node and the relationship) and what was bound before it (the grouping
// keys). The chain queries aggregated per organisation end that way:
// their last expansion made a row per (organisation, author, source,
// quote), 1.4 million at 100,000 sources for 500,000 quotes, and the
// aggregation read a quote's weight once per row.
//
// Here a node is expanded from once per run. What the aggregates read of
// its relationships (each argument's value, relationship by relationship)
// is kept, and added to the group of every row that reaches the node,
// value by value in the order the expansion's rows would have come, so
// that every aggregate, floating-point sums included, is the same to the
// bit and errors come from the same value.
type FoldedExpand struct {
	Expand    *Expand
	Aggregate *Aggregate
	tallies   access.Paged[*tally] // by the NodeRef of the node expanded from
	byID      map[string]*tally    // the same, for nodes without a NodeRef
	kept      int                  // values held in tallies
	row       Row                  // the row the arguments are evaluated on
	vals      []value.Value        // a tally's values as they are read

	// Tallies and their numbers are carved out of blocks: one allocation
	// per tally and per tally's numbers was most of what the aggregate
	// per organisation allocated at 100k (350,000 a run), and a tenth of
	// its time went to collecting them.
	block  []tally
	floats []float64
	// made and madeNums count the tallies and numbers in blocks, all of
	// them kept unless one was given back (TestFoldedPastBound).
	made, madeNums int
}

const tallyBlock = 1024

// newTally returns a zero tally from the current block.
func (s *FoldedExpand) newTally() *tally {
	if len(s.block) == cap(s.block) {
		// Doubling: a query folding a few nodes' expansions makes a few.
		s.block = make([]tally, 0, min(max(16, 2*cap(s.block)), tallyBlock))
	}
	s.block = s.block[:len(s.block)+1]
	t := &s.block[len(s.block)-1]
	*t = tally{} // a tally given back
	s.made++
	return t
}

// giveBack returns the room of t, the last tally made, which is not
// kept, to the blocks: past maxKeptValues, a tally is made for each row
// and must not stay in memory. Its caller reads it before the next tally
// is made.
func (s *FoldedExpand) giveBack(t *tally) {
	if n := len(s.block); n > 0 && &s.block[n-1] == t {
		s.block = s.block[:n-1]
		s.made--
	}
	if c, n := cap(t.nums), len(s.floats); c > 0 && c <= n && &s.floats[n-c : n-c+1][0] == &t.nums[:1][0] {
		s.floats = s.floats[:n-c]
		s.madeNums -= c
	}
}

// newFloats returns an empty slice with room for n numbers, from the
// current block unless n is large.
func (s *FoldedExpand) newFloats(n int) []float64 {
	const floatBlock = 8192
	if n > floatBlock/8 {
		return make([]float64, 0, n)
	}
	if cap(s.floats)-len(s.floats) < n {
		s.floats = make([]float64, 0, min(max(64, n, 2*cap(s.floats)), floatBlock))
	}
	at := len(s.floats)
	s.floats = s.floats[:at+n]
	s.madeNums += n
	return s.floats[at : at : at+n]
}

// tally is what the aggregates read of one node's expansion.
type tally struct {
	hits int64         // rows the expansion would have made
	vals []value.Value // per row, each aggregate's argument (nil for count(*))
	err  error         // of evaluating the argument after the last of vals

	// When every aggregate is count, sum or avg and every value they read
	// is a number or null, sums and nums hold the values instead of vals:
	// a tally is read again once per row reaching its node, and values
	// read as interfaces cost a cache miss each for the box behind them.
	sums   []folded
	nums   []float64 // each sum's and avg's numbers, aggregate by aggregate
	inline [2]folded // sums of a tally of at most two aggregates
}

// folded is what count, sum and avg take of one aggregate's values in a
// tally: how many are not null, the sum of the integers (the same in any
// order) and every number as a float64 in the rows' order, which the
// floating-point sum must add one at a time to be the same to the bit.
type folded struct {
	n, sumI int64
	float   bool // a float among the numbers
	lo, hi  int  // the numbers in tally.nums
}

// maxKeptValues bounds the values FoldedExpand keeps for reuse; past it,
// a node reached again is expanded again.
var maxKeptValues = 1 << 22

// KeepValues bounds the values a FoldedExpand keeps for reuse at n, until
// the returned function restores the bound; tests run folds past it.
func KeepValues(n int) (restore func()) {
	old := maxKeptValues
	maxKeptValues = n
	return func() { maxKeptValues = old }
}

// Kept reports the tallies and numbers the fold has made and how many of
// them it keeps now; they differ if it lost track of what it gave back.
func (s *FoldedExpand) Kept() (made, madeNums, kept, keptNums int) {
	s.tallies.Each(func(t *tally) {
		if t != nil {
			kept++
			keptNums += cap(t.nums)
		}
	})
	return s.made, s.madeNums, kept, keptNums
}

// Folding switches Fold on; tests compare plans with it off.
var Folding = true

// Fold replaces each expansion followed by an aggregation that
// it can fold into (see foldable).
func Fold(stages []Operator) []Operator {
	if !Folding {
		return stages
	}
	for i := 0; i+1 < len(stages); i++ {
		e, ok := stages[i].(*Expand)
		if !ok {
			continue
		}
		a, ok := stages[i+1].(*Aggregate)
		if !ok || !foldable(e, a) {
			continue
		}
		stages = slices.Replace(stages, i, i+2, Operator(&FoldedExpand{Expand: e, Aggregate: a}))
	}
	return stages
}

// foldable reports whether what aggregation a reads of expansion e's rows
// depends only on the node e expands from: e adds one relationship and a
// new node, checked by labels only, with no uniqueness check against
// earlier relationships; a's grouping keys do not read them, and its
// aggregates read nothing else (and none is DISTINCT).
func foldable(e *Expand, a *Aggregate) bool {
	if e.VarLen || e.ToBound || len(e.Uniq) > 0 || len(e.RelProps) > 0 || len(e.ToCheck.Props) > 0 {
		return false
	}
	reached := func(sl int) bool { return sl == e.To || sl == e.Rel }
	if slices.ContainsFunc(a.KeyDeps, reached) {
		return false
	}
	for _, ag := range a.Aggs {
		if ag.Distinct {
			return false
		}
		for _, sl := range ag.ArgDeps {
			if !reached(sl) {
				return false
			}
		}
	}
	return true
}

func (s *FoldedExpand) push(x *Exec, r Row, emit func(Row) error) error {
	if x.Reader.Store().Batches() {
		// A database server is asked for many nodes' relationships at
		// once (Expand.expandAll); rows go through as they are.
		return s.Expand.push(x, r, s.intoAggregate(x, emit))
	}
	from, ok := r[s.Expand.From].(value.Node)
	if !ok {
		return nil
	}
	t, err := s.tally(x, r, from)
	if err != nil || t.hits == 0 {
		return err
	}
	// Counted as the rows they stand for.
	x.Rows += t.hits
	if x.Limits.MaxIntermediate > 0 && x.Rows > x.Limits.MaxIntermediate {
		return &LimitError{Limit: "intermediate rows", Value: x.Limits.MaxIntermediate, Flag: "--max-intermediate"}
	}
	g, err := s.Aggregate.groupOf(x, r)
	if err != nil {
		return err
	}
	if t.sums != nil {
		for j := range t.sums {
			g.states[j].addFolded(&t.sums[j], t.nums)
		}
		return nil
	}
	k := len(g.states)
	for i, v := range t.vals {
		if err := g.states[i%k].add(x, v); err != nil {
			return err
		}
	}
	return t.err // evaluating the argument after the last value failed
}

// intoAggregate passes rows to the aggregation as the driver would (see
// run).
func (s *FoldedExpand) intoAggregate(x *Exec, emit func(Row) error) func(Row) error {
	return func(r Row) error {
		if err := x.Ctx.Err(); err != nil {
			return err
		}
		x.Rows++
		if x.Limits.MaxIntermediate > 0 && x.Rows > x.Limits.MaxIntermediate {
			return &LimitError{Limit: "intermediate rows", Value: x.Limits.MaxIntermediate, Flag: "--max-intermediate"}
		}
		return s.Aggregate.push(x, r, emit)
	}
}

func (s *FoldedExpand) flush(x *Exec, emit func(Row) error) error {
	if err := s.Expand.flush(x, s.intoAggregate(x, emit)); err != nil {
		return err
	}
	return s.Aggregate.flush(x, emit)
}

func (s *FoldedExpand) Reset() {
	s.Aggregate.Reset()
	s.tallies, s.byID, s.kept = access.Paged[*tally]{}, nil, 0
	s.block, s.floats, s.made, s.madeNums = nil, nil, 0, 0
	clear(s.row)
	clear(s.vals[:cap(s.vals)])
}

// tally expands node from (reached by row r), or returns its kept tally.
func (s *FoldedExpand) tally(x *Exec, r Row, from value.Node) (*tally, error) {
	var t *tally
	if from.Ref != 0 {
		// In pages, not a map: a map lookup was a sixth of the
		// aggregate per organisation.
		t = s.tallies.Get(uint32(from.Ref))
	} else {
		t = s.byID[from.ID]
	}
	if t != nil {
		return t, nil
	}
	if err := x.Ctx.Err(); err != nil {
		return nil, err
	}
	if len(s.row) != len(r) {
		s.row = make(Row, len(r))
	}
	t = s.newTally()
	vals := s.vals[:0]
	err := s.Expand.step(x, r, from, func(h *access.Hit) error {
		if ok, err := s.Expand.ToCheck.ok(x, r, h.Other.(value.Node)); err != nil || !ok {
			return err
		}
		t.hits++
		s.row[s.Expand.Rel], s.row[s.Expand.To] = h.Rel, h.Other
		for _, ag := range s.Aggregate.Aggs {
			var v value.Value
			if ag.Arg != nil {
				var err error
				if v, err = ag.Arg(x, s.row); err != nil {
					// The rows after this one would not be aggregated.
					t.err = err
					return ErrStop
				}
			}
			vals = append(vals, v)
		}
		return nil
	})
	s.vals = vals
	if err != nil && err != ErrStop {
		return nil, err
	}
	if !s.fold(t, vals) {
		t.vals = slices.Clone(vals)
	}
	if kept := len(t.vals) + len(t.nums) + len(t.sums); s.kept+kept <= maxKeptValues {
		s.kept += kept
		if from.Ref != 0 {
			s.tallies.Set(uint32(from.Ref), t)
		} else {
			if s.byID == nil {
				s.byID = map[string]*tally{}
			}
			s.byID[from.ID] = t
		}
	} else {
		s.giveBack(t)
	}
	return t, nil
}

// fold sets t's sums and nums from vals (a row's values after another's,
// as tally reads them) if every aggregate is count, sum or avg, no
// argument failed, and every value a sum or avg reads is a number or
// null; otherwise t keeps vals as they are, and the values are added one
// by one, with aggState.add's errors.
func (s *FoldedExpand) fold(t *tally, vals []value.Value) bool {
	k := len(s.Aggregate.Aggs)
	if t.err != nil || k == 0 {
		return false
	}
	numbers := 0
	for _, ag := range s.Aggregate.Aggs {
		switch ag.Name {
		case "count":
		case "sum", "avg":
			numbers++
		default:
			return false
		}
	}
	if numbers > 0 {
		for j, ag := range s.Aggregate.Aggs {
			if ag.Name == "count" {
				continue
			}
			for i := j; i < len(vals); i += k {
				switch vals[i].(type) {
				case nil, int64, float64:
				default:
					return false
				}
			}
		}
	}
	sums := t.inline[:0]
	if k > len(t.inline) {
		sums = make([]folded, 0, k)
	}
	var nums []float64
	for j, ag := range s.Aggregate.Aggs {
		f := folded{lo: len(nums)}
		for i := j; i < len(vals); i += k {
			v := vals[i]
			if v == nil && ag.Arg != nil {
				continue // count, sum and avg skip nulls; count(*) counts rows
			}
			f.n++
			if ag.Name == "count" {
				continue
			}
			if nums == nil {
				nums = s.newFloats(len(vals) / k * numbers)
			}
			switch n := v.(type) {
			case int64:
				f.sumI += n
				nums = append(nums, float64(n))
			case float64:
				f.float = true
				nums = append(nums, n)
			}
		}
		f.hi = len(nums)
		sums = append(sums, f)
	}
	t.sums, t.nums = sums, nums
	return true
}

func (s *FoldedExpand) String() string {
	return s.Expand.String() + ", folded into " + s.Aggregate.String()
}
