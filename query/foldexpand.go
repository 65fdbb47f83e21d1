package query

import "slices"

// foldedExpandStage is an expansion whose rows go straight into an
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
type foldedExpandStage struct {
	e       *expandStage
	a       *aggregateStage
	tallies paged[*tally]     // by the NodeRef of the node expanded from
	byID    map[string]*tally // the same, for nodes without a NodeRef
	kept    int               // values held in tallies
	row     Row               // the row the arguments are evaluated on
	vals    []Value           // a tally's values as they are read
}

// tally is what the aggregates read of one node's expansion.
type tally struct {
	hits int64   // rows the expansion would have made
	vals []Value // per row, each aggregate's argument (nil for count(*))
	err  error   // of evaluating the argument after the last of vals
}

// maxKeptValues bounds the values foldedExpandStage keeps for reuse; past
// it, a node reached again is expanded again.
const maxKeptValues = 1 << 22

// folding switches foldExpansions on (tests compare with it off).
var folding = true

// foldExpansions replaces each expansion followed by an aggregation that
// it can fold into (see foldable).
func foldExpansions(stages []stage) []stage {
	if !folding {
		return stages
	}
	for i := 0; i+1 < len(stages); i++ {
		e, ok := stages[i].(*expandStage)
		if !ok {
			continue
		}
		a, ok := stages[i+1].(*aggregateStage)
		if !ok || !foldable(e, a) {
			continue
		}
		stages = slices.Replace(stages, i, i+2, stage(&foldedExpandStage{e: e, a: a}))
	}
	return stages
}

// foldable reports whether what aggregation a reads of expansion e's rows
// depends only on the node e expands from: e adds one relationship and a
// new node, checked by labels only, with no uniqueness check against
// earlier relationships; a's grouping keys do not read them, and its
// aggregates read nothing else (and none is DISTINCT).
func foldable(e *expandStage, a *aggregateStage) bool {
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

func (s *foldedExpandStage) push(x *exec, r Row, emit func(Row) error) error {
	if x.rd.st.Batches() {
		// A database server is asked for many nodes' relationships at
		// once (expandStage.expandAll); rows go through as they are.
		return s.e.push(x, r, s.intoAggregate(x, emit))
	}
	from, ok := r[s.e.from].(Node)
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
func (s *foldedExpandStage) intoAggregate(x *exec, emit func(Row) error) func(Row) error {
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

func (s *foldedExpandStage) flush(x *exec, emit func(Row) error) error {
	if err := s.e.flush(x, s.intoAggregate(x, emit)); err != nil {
		return err
	}
	return s.a.flush(x, emit)
}

// tally expands node from (reached by row r), or returns its kept tally.
func (s *foldedExpandStage) tally(x *exec, r Row, from Node) (*tally, error) {
	var t *tally
	if from.ref != 0 {
		// In pages, not a map: a map lookup was a sixth of the
		// aggregate per organisation.
		t = s.tallies.get(uint32(from.ref))
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
	t = &tally{}
	vals := s.vals[:0]
	err := s.e.step(x, r, from, func(h *relHit) error {
		if ok, err := s.e.toCheck.ok(x, r, h.other.(Node)); err != nil || !ok {
			return err
		}
		t.hits++
		s.row[s.e.rel], s.row[s.e.to] = h.rel, h.other
		for _, ag := range s.a.aggs {
			var v Value
			if ag.arg != nil {
				var err error
				if v, err = ag.arg(x, s.row); err != nil {
					// The rows after this one would not be aggregated.
					t.err = err
					return errStop
				}
			}
			vals = append(vals, v)
		}
		return nil
	})
	s.vals = vals
	if err != nil && err != errStop {
		return nil, err
	}
	t.vals = slices.Clone(vals)
	if s.kept+len(t.vals) <= maxKeptValues {
		s.kept += len(t.vals)
		if from.ref != 0 {
			s.tallies.set(uint32(from.ref), t)
		} else {
			if s.byID == nil {
				s.byID = map[string]*tally{}
			}
			s.byID[from.ID] = t
		}
	}
	return t, nil
}

func (s *foldedExpandStage) String() string {
	return s.e.String() + ", folded into " + s.a.String()
}
