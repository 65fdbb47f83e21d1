package query

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"claimgraph/query/operator"

	"claimgraph/graph"
	"claimgraph/query/access"
	"claimgraph/query/value"
)

// Columns returns the names of the result columns.
func (p *Plan) Columns() []string { return p.columns }

// Warnings returns the planner's warnings: unknown labels, relationship
// types and property keys, with suggestions.
func (p *Plan) Warnings() []Warning { return p.warnings }

// Mode is "EXPLAIN", "PROFILE" or "" for a plain query.
func (p *Plan) Mode() string { return p.mode }

// Limits bound a run (see operator.Limits); zero means no limit.
type Limits = operator.Limits

// LimitError is the error of a run stopped by one of its Limits.
type LimitError = operator.LimitError

// DefaultMaxMemory is the command's memory budget of a query (see
// Limits.MaxMemory).
const DefaultMaxMemory = operator.DefaultMaxMemory

// DefaultMaxHops bounds `*` and `*n..` when no limit is given.
const DefaultMaxHops = operator.DefaultMaxHops

// Options are what a run needs besides the plan.
type Options struct {
	Params map[string]value.Value
	Limits Limits
	// Describe turns nodes, relationships and paths in results into maps
	// with their labels and properties (see Describe), for output.
	Describe bool
}

// Run executes the plan on st, calling fn with each result row (the
// values of Columns, in order). The row's slice is reused for the next
// row, as bufio.Scanner reuses its buffer: fn copies it to keep it (the
// values themselves are never changed). The first error from fn stops
// the run and is returned. A run stops when ctx is done, with ctx's
// error.
func (p *Plan) Run(ctx context.Context, st *graph.Store, o Options, fn func([]value.Value) error) error {
	_, err := p.run(ctx, st, o, false, fn)
	return err
}

// StageProfile is one stage's share of a profiled run.
type StageProfile struct {
	Stage string
	Rows  int64
	Time  time.Duration
}

// Profile runs the plan like Run and reports rows and time per stage.
func (p *Plan) Profile(ctx context.Context, st *graph.Store, o Options, fn func([]value.Value) error) ([]StageProfile, error) {
	return p.run(ctx, st, o, true, fn)
}

func (p *Plan) run(ctx context.Context, st *graph.Store, o Options, profile bool, fn func([]value.Value) error) ([]StageProfile, error) {
	if err := p.start(); err != nil {
		return nil, err
	}
	release, err := st.ReadLock(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	x := newExec(ctx, st, p, o)
	stages := p.stages
	var profs []*operator.Profiled
	if profile {
		stages = make([]operator.Operator, len(p.stages))
		for i, s := range p.stages {
			pr := &operator.Profiled{Stage: s}
			profs = append(profs, pr)
			stages[i] = pr
		}
	}
	var returned int64
	// One result row for the run (see Run): a row per result was a third
	// of what a query returning 130,000 rows allocated.
	out := make([]value.Value, len(p.out))
	err = operator.Run(x, stages, make(operator.Row, p.nslots), func(r operator.Row) error {
		returned++
		if o.Limits.MaxRows > 0 && returned > o.Limits.MaxRows {
			return &operator.LimitError{Limit: "result rows", Value: o.Limits.MaxRows, Flag: "--max-rows"}
		}
		for i, s := range p.out {
			out[i] = r[s]
			if o.Describe {
				v, err := x.Describe(out[i])
				if err != nil {
					return err
				}
				out[i] = v
			}
		}
		return fn(out)
	})
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = ctx.Err()
	}
	p.recycle()
	var result []StageProfile
	for _, pr := range profs {
		self := pr.Total - pr.Downstream
		result = append(result, StageProfile{Stage: pr.Stage.String(), Rows: pr.Rows, Time: self})
	}
	return result, err
}

// errRanTwice is the error of a second run of one Plan.
var errRanTwice = errors.New("a prepared query runs once: prepare it again to run it again")

// start marks the plan as run, or fails if it has been.
func (p *Plan) start() error {
	if p.ran {
		return errRanTwice
	}
	p.ran = true
	return nil
}

// Explain returns the plan, one stage a line, in the order rows flow.
func (p *Plan) Explain() string {
	var b strings.Builder
	for i, s := range p.stages {
		fmt.Fprintf(&b, "%2d. %s\n", i+1, strings.ReplaceAll(s.String(), "\n", "\n    "))
	}
	fmt.Fprintf(&b, "    -> %s\n", strings.Join(p.columns, ", "))
	return b.String()
}

func newExec(ctx context.Context, st *graph.Store, p *Plan, o Options) *operator.Exec {
	return &operator.Exec{Ctx: ctx, Reader: access.New(ctx, st), Params: o.Params, Limits: o.Limits, Slots: p.nslots}
}
