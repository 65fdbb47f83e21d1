package query

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"claimgraph/query/syntax"
)

// stage is one step of a pipeline. Rows are pushed through; stages that
// must see every row first (aggregation, sorting) emit in flush. A stage
// that needs no more input returns a *stopErr.
type stage interface {
	push(x *exec, r Row, emit func(Row) error) error
	flush(x *exec, emit func(Row) error) error
	String() string
}

// streaming is embedded by stages that emit as they go.
type streaming struct{}

func (streaming) flush(*exec, func(Row) error) error { return nil }

// stopErr tells the driver that stage `at` has emitted all it will.
type stopErr struct{ at int }

func (e *stopErr) Error() string { return fmt.Sprintf("stage %d is done", e.at) }

// errStop ends a scan early inside the reader.
var errStop = errors.New("stop")

// run drives a pipeline: seed goes into the first stage, then the stages
// are flushed in order, each flushing into the rest of the pipeline.
func run(x *exec, stages []stage, seed Row, sink func(Row) error) error {
	emits := make([]func(Row) error, len(stages)+1)
	emits[len(stages)] = sink
	for i := len(stages) - 1; i >= 0; i-- {
		i := i
		emits[i] = func(r Row) error {
			if err := x.ctx.Err(); err != nil {
				return err
			}
			x.rows++
			if x.limits.MaxIntermediate > 0 && x.rows > x.limits.MaxIntermediate {
				return &LimitError{Limit: "intermediate rows", Value: x.limits.MaxIntermediate, Flag: "--max-intermediate"}
			}
			err := stages[i].push(x, r, emits[i+1])
			if s, ok := err.(*stopErr); ok && s.at < 0 {
				return &stopErr{at: i}
			}
			return err
		}
	}
	err := emits[0](seed)
	next := 0
	for {
		var s *stopErr
		if errors.As(err, &s) {
			next, err = max(next, s.at+1), nil
		} else if err != nil {
			return err
		}
		if next >= len(stages) {
			return nil
		}
		i := next
		next++
		err = stages[i].flush(x, emits[i+1])
		if s, ok := err.(*stopErr); ok && s.at < 0 {
			err = &stopErr{at: i}
		}
	}
}

// LimitError reports a run stopped by one of its limits.
type LimitError struct {
	Limit string
	Value int64
	Flag  string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("query stopped: more than %d %s (raise the limit with %s)", e.Value, e.Limit, e.Flag)
}

func bind(r Row, slot int, v Value) Row {
	out := make(Row, len(r))
	copy(out, r)
	out[slot] = v
	return out
}

// filterStage keeps rows for which pred is true.
type filterStage struct {
	pred evalFn
	text string
	pos  lexer.Position
}

func (s *filterStage) push(x *exec, r Row, emit func(Row) error) error {
	return x.batched(s, r, emit, s.one)
}

func (s *filterStage) flush(x *exec, emit func(Row) error) error {
	return x.flushBatch(s, emit, s.one)
}

func (s *filterStage) one(x *exec, r Row, emit func(Row) error) error {
	v, err := s.pred(x, r)
	if err != nil {
		return err
	}
	if v == true {
		return emit(r)
	}
	if _, ok := v.(bool); !ok && v != nil {
		return syntax.Errorf(s.pos, "WHERE expects a boolean, got %s", typeName(v))
	}
	return nil
}

func (s *filterStage) String() string { return "Filter " + s.text }

// unwindStage binds each item of a list to slot.
type unwindStage struct {
	streaming
	list evalFn
	slot int
	name string
}

func (s *unwindStage) push(x *exec, r Row, emit func(Row) error) error {
	v, err := s.list(x, r)
	if err != nil {
		return err
	}
	switch l := v.(type) {
	case nil:
		return nil
	case []Value:
		for _, item := range l {
			if err := emit(bind(r, s.slot, item)); err != nil {
				return err
			}
		}
		return nil
	}
	return emit(bind(r, s.slot, v))
}

func (s *unwindStage) String() string { return "Unwind AS " + s.name }

// projectStage computes the items of a WITH or RETURN into new slots,
// keeping the row's other slots for ORDER BY.
type projectStage struct {
	fns   []evalFn
	slots []int
	names []string
}

func (s *projectStage) push(x *exec, r Row, emit func(Row) error) error {
	return x.batched(s, r, emit, s.one)
}

func (s *projectStage) flush(x *exec, emit func(Row) error) error {
	return x.flushBatch(s, emit, s.one)
}

func (s *projectStage) one(x *exec, r Row, emit func(Row) error) error {
	out := make(Row, len(r))
	copy(out, r)
	for i, f := range s.fns {
		v, err := f(x, r)
		if err != nil {
			return err
		}
		out[s.slots[i]] = v
	}
	return emit(out)
}

func (s *projectStage) String() string { return "Project " + strings.Join(s.names, ", ") }

// aggregateStage groups rows by the non-aggregate items and folds the
// aggregates of each group; groups come out in order of first appearance.
type aggregateStage struct {
	keys      []evalFn
	keySlots  []int
	aggs      []*aggSpec
	post      []evalFn
	postSlots []int
	names     []string
	groups    map[string]*group
	order     []*group
}

type group struct {
	row    Row
	states []*aggState
}

func (s *aggregateStage) push(x *exec, r Row, emit func(Row) error) error {
	return x.batched(s, r, emit, s.add)
}

func (s *aggregateStage) add(x *exec, r Row, emit func(Row) error) error {
	if s.groups == nil {
		s.groups = map[string]*group{}
	}
	keyVals := make([]Value, len(s.keys))
	for i, f := range s.keys {
		v, err := f(x, r)
		if err != nil {
			return err
		}
		keyVals[i] = v
	}
	k := keyOf(keyVals)
	g, ok := s.groups[k]
	if !ok {
		row := make(Row, len(r))
		copy(row, r)
		for i, v := range keyVals {
			row[s.keySlots[i]] = v
		}
		g = &group{row: row}
		for _, a := range s.aggs {
			g.states = append(g.states, &aggState{spec: a})
		}
		s.groups[k] = g
		s.order = append(s.order, g)
	}
	for _, st := range g.states {
		var v Value
		if st.spec.arg != nil {
			var err error
			if v, err = st.spec.arg(x, r); err != nil {
				return err
			}
		}
		if err := st.add(v); err != nil {
			return err
		}
	}
	return nil
}

func (s *aggregateStage) flush(x *exec, emit func(Row) error) error {
	if err := x.flushBatch(s, emit, s.add); err != nil {
		return err
	}
	if len(s.order) == 0 && len(s.keys) == 0 {
		// Aggregating no rows without grouping keys gives one row.
		g := &group{row: make(Row, x.nslots)}
		for _, a := range s.aggs {
			g.states = append(g.states, &aggState{spec: a})
		}
		s.order = append(s.order, g)
	}
	for _, g := range s.order {
		for i, st := range g.states {
			g.row[s.aggs[i].slot] = st.result()
		}
		for i, f := range s.post {
			v, err := f(x, g.row)
			if err != nil {
				return err
			}
			g.row[s.postSlots[i]] = v
		}
		if err := emit(g.row); err != nil {
			return err
		}
	}
	return nil
}

func (s *aggregateStage) String() string { return "Aggregate " + strings.Join(s.names, ", ") }

// distinctStage drops rows whose projected slots repeat an earlier row's.
type distinctStage struct {
	streaming
	slots []int
	seen  map[string]bool
}

func (s *distinctStage) push(x *exec, r Row, emit func(Row) error) error {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	vals := make([]Value, len(s.slots))
	for i, sl := range s.slots {
		vals[i] = r[sl]
	}
	k := keyOf(vals)
	if s.seen[k] {
		return nil
	}
	s.seen[k] = true
	return emit(r)
}

func (s *distinctStage) String() string { return "Distinct" }

// sortStage holds every row, then emits them ordered by its keys; ties
// keep their input order.
type sortStage struct {
	keys  []evalFn
	desc  []bool
	texts []string
	rows  []Row
	vals  [][]Value
}

func (s *sortStage) push(x *exec, r Row, emit func(Row) error) error {
	return x.batched(s, r, emit, s.add)
}

func (s *sortStage) add(x *exec, r Row, emit func(Row) error) error {
	vals := make([]Value, len(s.keys))
	for i, f := range s.keys {
		v, err := f(x, r)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	s.rows = append(s.rows, r)
	s.vals = append(s.vals, vals)
	return nil
}

func (s *sortStage) flush(x *exec, emit func(Row) error) error {
	if err := x.flushBatch(s, emit, s.add); err != nil {
		return err
	}
	idx := make([]int, len(s.rows))
	for i := range idx {
		idx[i] = i
	}
	// Ties keep arrival order (the row number breaks them), so an unstable
	// sort is stable here, and faster than a stable one.
	slices.SortFunc(idx, func(a, b int) int {
		va, vb := s.vals[a], s.vals[b]
		for k := range va {
			c := orderCompare(va[k], vb[k])
			if s.desc[k] {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return a - b
	})
	for _, i := range idx {
		if err := emit(s.rows[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *sortStage) String() string { return "Sort " + strings.Join(s.texts, ", ") }

// skipLimitStage drops the first skip rows and stops after limit more.
type skipLimitStage struct {
	streaming
	skip, limit evalFn
	n, k        int64
	resolved    bool
	lim         int64
	sk          int64
}

func (s *skipLimitStage) push(x *exec, r Row, emit func(Row) error) error {
	if !s.resolved {
		var err error
		if s.sk, err = count(x, s.skip, "SKIP", 0); err != nil {
			return err
		}
		if s.lim, err = count(x, s.limit, "LIMIT", -1); err != nil {
			return err
		}
		s.resolved = true
	}
	if s.lim == 0 {
		return &stopErr{at: -1}
	}
	s.n++
	if s.n <= s.sk {
		return nil
	}
	s.k++
	if err := emit(r); err != nil {
		return err
	}
	if s.lim >= 0 && s.k >= s.lim {
		return &stopErr{at: -1}
	}
	return nil
}

func count(x *exec, f evalFn, what string, def int64) (int64, error) {
	if f == nil {
		return def, nil
	}
	v, err := f(x, nil)
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok || n < 0 {
		return 0, fmt.Errorf("%s expects a non-negative integer, got %s", what, typeName(v))
	}
	return n, nil
}

func (s *skipLimitStage) String() string {
	var parts []string
	if s.skip != nil {
		parts = append(parts, "Skip")
	}
	if s.limit != nil {
		parts = append(parts, "Limit")
	}
	return strings.Join(parts, " ")
}

// optionalStage runs a sub-pipeline per row; when it yields nothing the
// row goes on with the sub-pipeline's variables null.
type optionalStage struct {
	streaming
	sub   []stage
	slots []int
}

func (s *optionalStage) push(x *exec, r Row, emit func(Row) error) error {
	found := false
	err := run(x, s.sub, r, func(out Row) error {
		found = true
		return emit(out)
	})
	if err != nil || found {
		return err
	}
	out := make(Row, len(r))
	copy(out, r)
	for _, sl := range s.slots {
		out[sl] = nil
	}
	return emit(out)
}

func (s *optionalStage) String() string {
	lines := []string{"Optional"}
	for _, st := range s.sub {
		lines = append(lines, "  "+strings.ReplaceAll(st.String(), "\n", "\n  "))
	}
	return strings.Join(lines, "\n")
}
