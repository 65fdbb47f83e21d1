package query

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"claimgraph/query/operator"

	"github.com/alecthomas/participle/v2/lexer"

	"claimgraph/graph"
	"claimgraph/query/access"
	"claimgraph/query/syntax"
	"claimgraph/query/value"
)

// Warning is a problem that does not stop a query, such as a label the
// store has never seen.
type Warning struct {
	Pos lexer.Position
	Msg string
}

func (w Warning) String() string {
	return fmt.Sprintf("query:%d:%d: warning: %s", w.Pos.Line, w.Pos.Column, w.Msg)
}

// compiler turns a syntax tree into a plan: it keeps the variables in
// scope and their slots, and the aggregates of the projection at hand.
type compiler struct {
	nslots    int
	scope     map[string]int
	anon      map[int]bool // slots of unnamed pattern elements
	aggs      *[]*operator.AggSpec
	inAgg     bool
	inWhere   bool // pattern predicates are allowed only in WHERE
	counts    *graph.Counts
	warnings  []Warning
	matchRels []matchRel         // relationships bound earlier in the MATCH being planned
	rd        *access.Reader     // samples the store while planning
	degrees   map[string]float64 // sampled fan-outs, by label, types and direction (degreeMemo)
}

func (c *compiler) newSlot() int {
	c.nslots++
	return c.nslots - 1
}

// Plan is a prepared query. It runs once (Run, Profile or Subgraph): its
// stages hold the state of that run; prepare the query again to rerun it.
type Plan struct {
	ran      bool
	stages   []operator.Operator
	columns  []string
	out      []int
	nslots   int
	mode     string // "", "EXPLAIN" or "PROFILE"
	warnings []Warning

	cache *planCache // where the plan goes after its run, or nil
	key   planKey
}

// Prepare parses, checks and plans a query against a store. Errors are
// *syntax.Error values with positions.
//
// On a store with a query index, a plan that has run is kept by its text
// until the next write, and a later Prepare of the same text returns it,
// emptied of its run's state (see planCache).
func Prepare(ctx context.Context, st *graph.Store, src string) (*Plan, error) {
	if !st.HasIndex() {
		return prepare(ctx, st, src)
	}
	cache := st.IndexMemo(plansKey{}, func() any { return &planCache{} }).(*planCache)
	key := planKey{src: src, unfolded: !operator.Folding}
	if p := cache.take(key); p != nil {
		return p, nil
	}
	p, err := prepare(ctx, st, src)
	if err != nil {
		return nil, err
	}
	p.cache, p.key = cache, key
	return p, nil
}

// planCache holds plans that have run, by their query's text, for the
// next Prepare of the text. It is kept with the query index (IndexMemo),
// so it goes before any write: a plan rests on the store's counts and
// the fan-outs sampled from it. Parsing and planning were a third of the
// time of a point lookup run again, as the REPL, or a program running
// one query with other parameters, does.
//
// A plan is in the cache or with one caller, never both: take removes
// it, and only the run that ends its caller's use of it puts it back.
type planCache struct {
	sync.Mutex
	idle map[planKey]*Plan
}

type planKey struct {
	src      string
	unfolded bool // see operator.Folding
}

type plansKey struct{}

// maxPlans is how many plans a planCache keeps.
const maxPlans = 256

func (c *planCache) take(k planKey) *Plan {
	c.Lock()
	defer c.Unlock()
	p := c.idle[k]
	delete(c.idle, k)
	return p
}

func (c *planCache) put(p *Plan) {
	c.Lock()
	defer c.Unlock()
	if c.idle == nil || len(c.idle) >= maxPlans {
		c.idle = map[planKey]*Plan{}
	}
	if c.idle[p.key] == nil {
		c.idle[p.key] = p
	}
}

// recycle empties the stages after a run and hands them, as a new Plan,
// to the cache the plan came from. The caller's Plan has run and keeps
// nothing it could run again with.
func (p *Plan) recycle() {
	if p.cache == nil {
		return
	}
	for _, s := range p.stages {
		if r, ok := s.(operator.Resetter); ok {
			r.Reset()
		}
	}
	again := *p
	again.ran = false
	p.cache.put(&again)
	p.cache = nil
}

func prepare(ctx context.Context, st *graph.Store, src string) (*Plan, error) {
	q, err := parseCtx(ctx, src)
	if err != nil {
		return nil, err
	}
	counts, err := st.Counts(ctx)
	if err != nil {
		return nil, err
	}
	c := &compiler{scope: map[string]int{}, anon: map[int]bool{}, counts: counts, rd: access.New(ctx, st)}
	p := &Plan{mode: strings.ToUpper(q.Explain)}
	for i, cl := range q.Clauses {
		last := i == len(q.Clauses)-1
		var stages []operator.Operator
		switch {
		case cl.Match != nil:
			stages, err = c.matchClause(cl.Match)
		case cl.Unwind != nil:
			stages, err = c.unwind(cl.Unwind)
		case cl.With != nil:
			stages, _, _, err = c.projection(cl.With.Proj, false)
			if err == nil && cl.With.Where != nil {
				var f operator.Eval
				c.inWhere = true
				f, err = c.expr(cl.With.Where)
				c.inWhere = false
				if err == nil {
					stages = append(stages, &operator.Filter{Pred: f, Text: "(WITH ... WHERE)", Pos: cl.With.Where.Pos})
				}
			}
		case cl.Return != nil:
			if !last {
				return nil, syntax.Errorf(q.Clauses[i+1].Pos, "RETURN must be the last clause")
			}
			stages, p.columns, p.out, err = c.projection(cl.Return.Proj, true)
		}
		if err != nil {
			return nil, err
		}
		p.stages = append(p.stages, stages...)
		if last && cl.Return == nil {
			return nil, syntax.Errorf(cl.Pos, "a query must end with RETURN")
		}
	}
	p.stages = operator.Fold(p.stages)
	p.nslots = c.nslots
	p.warnings = c.warnings
	return p, nil
}

func (c *compiler) unwind(u *syntax.Unwind) ([]operator.Operator, error) {
	f, err := c.expr(u.Expr)
	if err != nil {
		return nil, err
	}
	name, err := c.declare(u.Pos, u.As)
	if err != nil {
		return nil, err
	}
	return []operator.Operator{&operator.Unwind{List: f, Slot: c.scope[name], Name: name}}, nil
}

// declare gives a new variable a slot; redeclaring one in scope is an error.
func (c *compiler) declare(pos lexer.Position, name string) (string, error) {
	name = strings.Trim(name, "`")
	if _, ok := c.scope[name]; ok {
		return "", syntax.Errorf(pos, "variable %q is already defined", name)
	}
	c.scope[name] = c.newSlot()
	return name, nil
}

// projection compiles the body of WITH or RETURN: items (with implicit
// grouping when some aggregate), DISTINCT, ORDER BY, SKIP and LIMIT. The
// scope afterwards holds only the projected names.
func (c *compiler) projection(p *syntax.Projection, isReturn bool) ([]operator.Operator, []string, []int, error) {
	items := p.Items
	if p.Star {
		var names []string
		for n := range c.scope {
			names = append(names, n)
		}
		if len(names) == 0 {
			return nil, nil, nil, syntax.Errorf(p.Pos, "RETURN * has no variables to return")
		}
		sort.Strings(names)
		for _, n := range names {
			n := n
			items = append(items, &syntax.ProjItem{Pos: p.Pos, Text: n, Expr: varExpr(p.Pos, n)})
		}
	}
	var (
		names               = make([]string, 0, len(items))
		slots               = make([]int, 0, len(items))
		keyFns, postFns     []operator.Eval
		keySlots, postSlots []int
		plainFns            = make([]operator.Eval, 0, len(items))
		aggs                []*operator.AggSpec
		aggItems, keyItems  []*syntax.ProjItem
		keyDeps             []int               // slots the grouping keys read
		keyVars             = map[string]bool{} // grouping keys that are variables
	)
	seen := map[string]bool{}
	for _, it := range items {
		name := it.Text
		if it.As != "" {
			name = it.As
		}
		if !isReturn && it.As == "" && !isVariable(it.Expr) {
			return nil, nil, nil, syntax.Errorf(it.Pos, "expression in WITH must be aliased (use AS)")
		}
		if seen[name] {
			return nil, nil, nil, syntax.Errorf(it.Pos, "column %q is defined twice", name)
		}
		seen[name] = true
		before := len(aggs)
		c.aggs = &aggs
		f, err := c.expr(it.Expr)
		c.aggs = nil
		if err != nil {
			return nil, nil, nil, err
		}
		slot := c.newSlot()
		names, slots = append(names, name), append(slots, slot)
		plainFns = append(plainFns, f)
		if len(aggs) > before {
			postFns, postSlots = append(postFns, f), append(postSlots, slot)
			aggItems = append(aggItems, it)
		}
	}
	if len(aggs) > 0 {
		// The grouping keys are the items without aggregates; a plain
		// projection needs no list of them.
		keyFns, keySlots = make([]operator.Eval, 0, len(items)), make([]int, 0, len(items))
		for i, it := range items {
			if slices.Contains(aggItems, it) {
				continue
			}
			keyFns, keySlots = append(keyFns, plainFns[i]), append(keySlots, slots[i])
			keyItems = append(keyItems, it)
		}
		for _, it := range keyItems {
			keyDeps = append(keyDeps, c.deps(it.Expr)...)
			if v := exprVar(it.Expr); v != "" {
				keyVars[v] = true
			}
		}
	}
	// An aggregating item may read, outside its aggregates, only variables
	// that are grouping keys themselves: anything else would be read from
	// an arbitrary row of the group. Neo4j rejects such implicit grouping
	// keys too.
	for _, it := range aggItems {
		outside := c.varsOutsideAggregates(it.Expr)
		vars := make([]string, 0, len(outside))
		for v := range outside {
			vars = append(vars, v)
		}
		sort.Strings(vars)
		for _, v := range vars {
			if !keyVars[v] {
				return nil, nil, nil, syntax.Errorf(outside[v], "column %s reads %s outside its aggregates, but %s is not a grouping key: return %s as an item of its own, or compute the value in a WITH before aggregating", it.Text, v, v, v)
			}
		}
	}
	var stages []operator.Operator
	aggregating := len(aggs) > 0
	if aggregating {
		stages = append(stages, &operator.Aggregate{Keys: keyFns, KeySlots: keySlots, KeyDeps: keyDeps, Aggs: aggs, Post: postFns, PostSlots: postSlots, Names: names})
	} else {
		stages = append(stages, &operator.Project{Fns: plainFns, Slots: slots, Names: names})
	}
	if p.Distinct {
		stages = append(stages, &operator.Distinct{Slots: slots})
	}
	// ORDER BY sees the projected names and, unless the projection
	// aggregates or is DISTINCT, the variables before it too.
	newScope := map[string]int{}
	for i, n := range names {
		newScope[n] = slots[i]
	}
	if len(p.Order) > 0 {
		old := c.scope
		sortScope := map[string]int{}
		if !aggregating && !p.Distinct {
			for k, v := range old {
				sortScope[k] = v
			}
		}
		for k, v := range newScope {
			sortScope[k] = v
		}
		c.scope = sortScope
		st := &operator.Sort{Keep: slots}
		for _, o := range p.Order {
			f, kept, err := c.sortKey(o, names, slots)
			if err != nil {
				c.scope = old
				return nil, nil, nil, err
			}
			st.Keys = append(st.Keys, f)
			st.KeyKept = append(st.KeyKept, kept)
			desc := strings.HasPrefix(strings.ToUpper(o.Dir), "DESC")
			st.Desc = append(st.Desc, desc)
			st.Texts = append(st.Texts, exprText(o.Expr)+map[bool]string{true: " DESC", false: ""}[desc])
		}
		c.scope = old
		stages = append(stages, st)
	}
	if p.Skip != nil || p.Limit != nil {
		old := c.scope
		c.scope = map[string]int{}
		skip, err := c.optExprErr(p.Skip)
		if err == nil {
			var limit operator.Eval
			if limit, err = c.optExprErr(p.Limit); err == nil {
				st := &operator.SkipLimit{Skip: skip, Limit: limit}
				if p.Skip != nil {
					st.SkipPos = p.Skip.Pos
				}
				if p.Limit != nil {
					st.LimitPos = p.Limit.Pos
				}
				stages = append(stages, st)
			}
		}
		c.scope = old
		if err != nil {
			return nil, nil, nil, err
		}
	}
	c.scope = newScope
	return stages, names, slots, nil
}

func isVariable(e *syntax.Expr) bool {
	return exprVar(e) != ""
}

// exprVar returns the variable an expression consists of, or "".
func exprVar(e *syntax.Expr) string {
	if len(e.Or) > 0 || len(e.Left.Xor) > 0 || len(e.Left.Left.And) > 0 || len(e.Left.Left.Left.Nots) > 0 {
		return ""
	}
	p := e.Left.Left.Left.Expr
	if len(p.Ops) > 0 || len(p.Left.Ops) > 0 || len(p.Left.Left.Ops) > 0 || len(p.Left.Left.Left.Ops) > 0 || len(p.Left.Left.Left.Left.Pow) > 0 {
		return ""
	}
	u := p.Left.Left.Left.Left.Left
	if len(u.Signs) > 0 || len(u.Expr.Suffixes) > 0 {
		return ""
	}
	return u.Expr.Atom.Var
}

func varExpr(pos lexer.Position, name string) *syntax.Expr {
	atom := &syntax.Atom{Pos: pos, Var: name}
	post := &syntax.PostfixExpr{Pos: pos, Atom: atom}
	un := &syntax.UnaryExpr{Pos: pos, Expr: post}
	pow := &syntax.PowExpr{Pos: pos, Left: un}
	mul := &syntax.MulExpr{Pos: pos, Left: pow}
	add := &syntax.AddExpr{Pos: pos, Left: mul}
	pred := &syntax.PredExpr{Pos: pos, Left: add}
	comp := &syntax.CompExpr{Pos: pos, Left: pred}
	not := &syntax.NotExpr{Pos: pos, Expr: comp}
	and := &syntax.AndExpr{Pos: pos, Left: not}
	xor := &syntax.XorExpr{Pos: pos, Left: and}
	return &syntax.Expr{Pos: pos, Left: xor}
}

// exprText is a short description of an expression for EXPLAIN.
func exprText(e *syntax.Expr) string {
	if v := exprVar(e); v != "" {
		return v
	}
	return fmt.Sprintf("expr@%d:%d", e.Pos.Line, e.Pos.Column)
}

// sortKey compiles an ORDER BY key. A key written exactly as a projected
// expression (RETURN DISTINCT x.id ORDER BY x.id) reads that column, so it
// works where the variables it names are no longer in scope.
// sortKey compiles an ORDER BY key; kept is its index among the
// projection's slots when it names one of them, or -1.
func (c *compiler) sortKey(o *syntax.SortItem, names []string, slots []int) (f operator.Eval, kept int, err error) {
	for i, n := range names {
		if n == o.Text && o.Text != "" {
			slot := slots[i]
			return func(x *operator.Exec, r operator.Row) (value.Value, error) { return r[slot], nil }, i, nil
		}
	}
	f, err = c.expr(o.Expr)
	return f, -1, err
}

// parseCtx is parse within ctx: a query text of the largest size allowed
// (syntax.MaxBytes) takes seconds to parse, and --timeout and Ctrl-C
// count from the query's first byte. A parse given up on runs to its end
// in the background (it touches nothing but the text) and is kept.
func parseCtx(ctx context.Context, src string) (*syntax.Query, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	parsed.Lock()
	_, ok := parsed.trees[src]
	parsed.Unlock()
	if ok || len(src) < 4096 {
		return parse(src) // at once, or too short to take long
	}
	type result struct {
		q   *syntax.Query
		err error
	}
	done := make(chan result, 1)
	go func() {
		q, err := parse(src)
		done <- result{q, err}
	}()
	select {
	case r := <-done:
		return r.q, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// parse parses a query, or returns the tree of the same text parsed
// before: a process runs the same queries again (the REPL's, a script's
// with other parameters, a benchmark's), and parsing was two thirds of a
// point lookup. Planning only reads the tree (TestPlanKeepsTree).
func parse(src string) (*syntax.Query, error) {
	parsed.Lock()
	q, ok := parsed.trees[src]
	parsed.Unlock()
	if ok {
		return q, nil
	}
	q, err := syntax.Parse("query", src)
	if err != nil {
		return nil, err
	}
	parsed.Lock()
	if len(parsed.trees) >= maxParsed {
		clear(parsed.trees)
	}
	parsed.trees[src] = q
	parsed.Unlock()
	return q, nil
}

var parsed = struct {
	sync.Mutex
	trees map[string]*syntax.Query
}{trees: map[string]*syntax.Query{}}

// maxParsed is how many parsed queries a process keeps.
const maxParsed = 256
