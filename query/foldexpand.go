package query

import "claimgraph/query/access"

import "claimgraph/query/value"

import "slices"

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
	e       *Expand
	a       *Aggregate
	tallies access.Paged[*tally] // by the NodeRef of the node expanded from
	byID    map[string]*tally    // the same, for nodes without a NodeRef
	kept    int                  // values held in tallies
	row     Row                  // the row the arguments are evaluated on
	vals    []value.Value        // a tally's values as they are read

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

// maxKeptValues bounds the values foldedExpandStage keeps for reuse; past
// it, a node reached again is expanded again.
var maxKeptValues = 1 << 22

// folding switches foldExpansions on (tests compare with it off).
var folding = true

// Fold replaces each expansion followed by an aggregation that
// it can fold into (see foldable).
func Fold(stages []Operator) []Operator {
	if !folding {
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
		stages = slices.Replace(stages, i, i+2, Operator(&FoldedExpand{e: e, a: a}))
	}
	return stages
}

// foldable reports whether what aggregation a reads of expansion e's rows
// depends only on the node e expands from: e adds one relationship and a
// new node, checked by labels only, with no uniqueness check against
// earlier relationships; a's grouping keys do not read them, and its
// aggregates read nothing else (and none is DISTINCT).
func foldable(e *Expand, a *Aggregate) bool {
	if e.varLen || e.toBound || len(e.uniq) > 0 || len(e.relProps) > 0 || len(e.toCheck.props) > 0 {
		return false
	}
	reached := func(sl int) bool { return sl == e.to || sl == e.rel }
	if slices.ContainsFunc(a.keyDeps, reached) {
		return false
	}
	for _, ag := range a.aggs {
		if ag.distinct {
			return false
		}
		for _, sl := range ag.argDeps {
			if !reached(sl) {
				return false
			}
		}
	}
	return true
}

func (s *FoldedExpand) push(x *Exec, r Row, emit func(Row) error) error {
	if x.rd.Store().Batches() {
		// A database server is asked for many nodes' relationships at
		// once (expandStage.expandAll); rows go through as they are.
		return s.e.push(x, r, s.intoAggregate(x, emit))
	}
	from, ok := r[s.e.from].(value.Node)
	if !ok {
		return nil
	}
	t, err := s.tally(x, r, from)
	if err != nil || t.hits == 0 {
		return err
	}
	// Counted as the rows they stand for.
	x.rows += t.hits
	if x.limits.MaxIntermediate > 0 && x.rows > x.limits.MaxIntermediate {
		return &LimitError{Limit: "intermediate rows", Value: x.limits.MaxIntermediate, Flag: "--max-intermediate"}
	}
	g, err := s.a.groupOf(x, r)
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
		if err := g.states[i%k].add(v); err != nil {
			return err
		}
	}
	return t.err // evaluating the argument after the last value failed
}

// intoAggregate passes rows to the aggregation as the driver would (see
// run).
func (s *FoldedExpand) intoAggregate(x *Exec, emit func(Row) error) func(Row) error {
	return func(r Row) error {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		x.rows++
		if x.limits.MaxIntermediate > 0 && x.rows > x.limits.MaxIntermediate {
			return &LimitError{Limit: "intermediate rows", Value: x.limits.MaxIntermediate, Flag: "--max-intermediate"}
		}
		return s.a.push(x, r, emit)
	}
}

func (s *FoldedExpand) flush(x *Exec, emit func(Row) error) error {
	if err := s.e.flush(x, s.intoAggregate(x, emit)); err != nil {
		return err
	}
	return s.a.flush(x, emit)
}

func (s *FoldedExpand) reset() {
	s.a.reset()
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
	if err := x.ctx.Err(); err != nil {
		return nil, err
	}
	if len(s.row) != len(r) {
		s.row = make(Row, len(r))
	}
	t = s.newTally()
	vals := s.vals[:0]
	err := s.e.step(x, r, from, func(h *access.Hit) error {
		if ok, err := s.e.toCheck.ok(x, r, h.Other.(value.Node)); err != nil || !ok {
			return err
		}
		t.hits++
		s.row[s.e.rel], s.row[s.e.to] = h.Rel, h.Other
		for _, ag := range s.a.aggs {
			var v value.Value
			if ag.arg != nil {
				var err error
				if v, err = ag.arg(x, s.row); err != nil {
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
	k := len(s.a.aggs)
	if t.err != nil || k == 0 {
		return false
	}
	numbers := 0
	for _, ag := range s.a.aggs {
		switch ag.name {
		case "count":
		case "sum", "avg":
			numbers++
		default:
			return false
		}
	}
	if numbers > 0 {
		for j, ag := range s.a.aggs {
			if ag.name == "count" {
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
	for j, ag := range s.a.aggs {
		f := folded{lo: len(nums)}
		for i := j; i < len(vals); i += k {
			v := vals[i]
			if v == nil && ag.arg != nil {
				continue // count, sum and avg skip nulls; count(*) counts rows
			}
			f.n++
			if ag.name == "count" {
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
	return s.e.String() + ", folded into " + s.a.String()
}
