package query

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"claimgraph/query/operator"

	"github.com/alecthomas/participle/v2/lexer"

	"claimgraph/query/function"
	"claimgraph/query/syntax"
	"claimgraph/query/value"
)

// elem is a node or relationship of a pattern with its slot.
type elem struct {
	slot  int
	name  string // as written, or "" for an anonymous element
	bound bool   // bound before this MATCH
}

func (e elem) display() string {
	if e.name == "" {
		if e.slot < len(anonNames) {
			return anonNames[e.slot]
		}
		return "anon_" + strconv.Itoa(e.slot)
	}
	return e.name
}

// anonNames are the names plans give unnamed pattern elements, made once:
// planning a point lookup formatted them each time.
var anonNames = func() []string {
	names := make([]string, 32)
	for i := range names {
		names[i] = "anon_" + strconv.Itoa(i)
	}
	return names
}()

// conjunct is one AND-ed part of a WHERE, placed as soon as its
// variables are bound.
type conjunct struct {
	fn     operator.Eval
	deps   []int
	text   string
	pos    lexer.Position
	placed bool
}

// matchClause compiles MATCH or OPTIONAL MATCH. An optional match becomes a
// sub-pipeline whose new variables are null when it finds nothing.
func (c *compiler) matchClause(m *syntax.Match) ([]operator.Operator, error) {
	if !m.Optional {
		return c.matchPatterns(m.Patterns, m.Where)
	}
	before := map[string]bool{}
	for n := range c.scope {
		before[n] = true
	}
	sub, err := c.matchPatterns(m.Patterns, m.Where)
	if err != nil {
		return nil, err
	}
	var slots []int
	for n, s := range c.scope {
		if !before[n] {
			slots = append(slots, s)
		}
	}
	sort.Ints(slots)
	return []operator.Operator{&operator.Optional{Sub: sub, Slots: slots}}, nil
}

func (c *compiler) matchPatterns(patterns []*syntax.Pattern, where *syntax.Expr) ([]operator.Operator, error) {
	savedRels := c.matchRels
	c.matchRels = nil
	defer func() { c.matchRels = savedRels }()

	bound := map[int]bool{}
	for _, s := range c.scope {
		bound[s] = true
	}
	type patternElems struct {
		p        *syntax.Pattern
		nodePats []*syntax.NodePat
		nodes    []elem
		rels     []elem
		path     int
	}
	pes := make([]patternElems, 0, len(patterns))
	for _, p := range patterns {
		pe := patternElems{p: p, path: -1}
		pe.nodePats = make([]*syntax.NodePat, 0, len(p.Steps)+1)
		pe.nodePats = append(pe.nodePats, p.Start)
		for _, st := range p.Steps {
			pe.nodePats = append(pe.nodePats, st.Node)
		}
		pe.nodes = make([]elem, 0, len(pe.nodePats))
		pe.rels = make([]elem, 0, len(p.Steps))
		for _, np := range pe.nodePats {
			e, err := c.nodeElem(np, bound)
			if err != nil {
				return nil, err
			}
			pe.nodes = append(pe.nodes, e)
		}
		for _, st := range p.Steps {
			e, err := c.relElem(st.Rel)
			if err != nil {
				return nil, err
			}
			pe.rels = append(pe.rels, e)
		}
		if p.Var != "" {
			name, err := c.declare(p.Pos, p.Var)
			if err != nil {
				return nil, err
			}
			pe.path = c.scope[name]
		}
		pes = append(pes, pe)
	}
	conjs, idHints, err := c.conjuncts(where)
	if err != nil {
		return nil, err
	}
	var stages []operator.Operator
	place := func() {
		for _, cj := range conjs {
			if cj.placed {
				continue
			}
			ready := true
			for _, d := range cj.deps {
				if !bound[d] {
					ready = false
					break
				}
			}
			if ready {
				cj.placed = true
				stages = append(stages, &operator.Filter{Pred: cj.fn, Text: cj.text, Pos: cj.pos})
			}
		}
	}
	place()
	for _, pe := range pes {
		p, nodePats := pe.p, pe.nodePats
		checks := make([]operator.NodeCheck, len(nodePats))
		for i, np := range nodePats {
			if checks[i], err = c.nodeCheck(np); err != nil {
				return nil, err
			}
		}
		start := c.startOf(pe.nodes, nodePats, idHints, bound)
		stages = append(stages, c.startStage(pe.nodes[start], nodePats[start], checks[start], idHints, bound))
		bound[pe.nodes[start].slot] = true
		place()
		// Grow the matched part of the pattern one relationship at a time,
		// on whichever side is cheaper: closing a cycle (both ends bound)
		// first, else the side whose relationship has the smaller sampled
		// fan-out.
		for L, R := start, start; L > 0 || R < len(pe.rels); {
			type step struct {
				j, from, to int
				back        bool
				cost        float64
			}
			var optBuf [2]step
			opts := optBuf[:0]
			if R < len(pe.rels) {
				opts = append(opts, step{j: R, from: R, to: R + 1})
			}
			if L > 0 {
				opts = append(opts, step{j: L - 1, from: L, to: L - 1, back: true})
			}
			// Sampled only when there is a choice: a process's first
			// sample of a step reads relationships of 16 nodes, a fifth
			// of a point lookup's whole process.
			for i := range opts {
				if len(opts) < 2 {
					break
				}
				o := &opts[i]
				o.cost = c.stepCost(p.Steps[o.j].Rel, nodePats[o.from], o.back)
				if bound[pe.nodes[o.to].slot] {
					o.cost = 0.01 * min(o.cost, c.stepCost(p.Steps[o.j].Rel, nodePats[o.to], !o.back))
				}
			}
			o := opts[0]
			if len(opts) == 2 && opts[1].cost < o.cost {
				o = opts[1]
			}
			if o.back {
				L--
			} else {
				R++
			}
			from, to, back := o.from, o.to, o.back
			if bound[pe.nodes[to].slot] && c.stepCost(p.Steps[o.j].Rel, nodePats[to], !back) < c.stepCost(p.Steps[o.j].Rel, nodePats[from], back) {
				from, to, back = to, from, !back // check the closing relationship from its cheaper end
			}
			st, err := c.expand(p.Steps[o.j].Rel, pe.rels[o.j], pe.nodes[from], pe.nodes[to], checks[to], back, bound)
			if err != nil {
				return nil, err
			}
			stages = append(stages, st)
			bound[pe.rels[o.j].slot] = true
			bound[pe.nodes[to].slot] = true
			c.matchRels = append(c.matchRels, matchRel{pe.rels[o.j].slot, p.Steps[o.j].Rel.Types})
			place()
		}
		if pe.path >= 0 {
			ps := &operator.BuildPath{Slot: pe.path, Name: p.Var}
			for _, n := range pe.nodes {
				ps.Nodes = append(ps.Nodes, n.slot)
			}
			for _, r := range pe.rels {
				ps.Rels = append(ps.Rels, r.slot)
			}
			stages = append(stages, ps)
			bound[pe.path] = true
			place()
		}
	}
	for _, cj := range conjs {
		if !cj.placed {
			stages = append(stages, &operator.Filter{Pred: cj.fn, Text: cj.text, Pos: cj.pos})
		}
	}
	return stages, nil
}

func (c *compiler) nodeElem(np *syntax.NodePat, bound map[int]bool) (elem, error) {
	for _, l := range np.Labels {
		c.checkLabel(np.Pos, l)
	}
	if np.Var == "" {
		s := c.newSlot()
		c.anon[s] = true
		return elem{slot: s}, nil
	}
	name := strings.Trim(np.Var, "`")
	if s, ok := c.scope[name]; ok {
		return elem{slot: s, name: name, bound: bound[s]}, nil
	}
	c.scope[name] = c.newSlot()
	return elem{slot: c.scope[name], name: name}, nil
}

func (c *compiler) relElem(rp *syntax.RelPat) (elem, error) {
	for _, t := range rp.Types {
		c.checkType(rp.Pos, t)
	}
	if rp.Var == "" {
		s := c.newSlot()
		c.anon[s] = true
		return elem{slot: s}, nil
	}
	name, err := c.declare(rp.Pos, rp.Var)
	if err != nil {
		return elem{}, err
	}
	return elem{slot: c.scope[name], name: name}, nil
}

func (c *compiler) nodeCheck(np *syntax.NodePat) (operator.NodeCheck, error) {
	props, err := c.propChecks(np.Props)
	return operator.NodeCheck{Labels: np.Labels, Props: props}, err
}

// propChecks compiles a pattern's property map {key: value, ...}.
func (c *compiler) propChecks(m *syntax.MapLit) ([]operator.PropCheck, error) {
	if m == nil {
		return nil, nil
	}
	var out []operator.PropCheck
	for _, e := range m.Entries {
		f, err := c.expr(e.Value)
		if err != nil {
			return nil, err
		}
		c.checkProperty(e.Pos, e.Key)
		out = append(out, operator.PropCheck{Key: e.Key, Val: f})
	}
	return out, nil
}

// directions says which ways to follow a relationship pattern from the
// node being expanded: out (it is the start) and in (it is the end).
// backwards is true when expanding from the pattern's right-hand node.
func directions(rp *syntax.RelPat, backwards bool) (out, in bool) {
	forward := rp.Right && !rp.Left
	backward := rp.Left && !rp.Right
	undirected := forward == backward
	out = undirected || (forward && !backwards) || (backward && backwards)
	in = undirected || (backward && !backwards) || (forward && backwards)
	return out, in
}

// startOf picks the node a pattern is matched from: a bound node, else a
// node known by id, else the label with the fewest nodes in the store.
func (c *compiler) startOf(nodes []elem, pats []*syntax.NodePat, idHints map[int]operator.Eval, bound map[int]bool) int {
	best, bestCost := 0, -1
	for i, n := range nodes {
		cost := c.cost(n, pats[i], idHints, bound)
		if bestCost < 0 || cost < bestCost {
			best, bestCost = i, cost
		}
	}
	return best
}

func (c *compiler) cost(n elem, np *syntax.NodePat, idHints map[int]operator.Eval, bound map[int]bool) int {
	if bound[n.slot] {
		return 0
	}
	if idHints[n.slot] != nil || propEntry(np, "id") != nil {
		return 1
	}
	total := 0
	for _, v := range c.counts.Labels {
		total += v
	}
	if len(np.Labels) == 0 {
		return 10 + 2*total
	}
	best := -1
	for _, l := range np.Labels {
		if n := c.counts.Labels[l]; best < 0 || n < best {
			best = n
		}
	}
	if np.Props != nil && len(np.Props.Entries) > 0 {
		best /= 10 // properties usually narrow a label a lot
	}
	return 10 + best
}

func propEntry(np *syntax.NodePat, key string) *syntax.MapEntry {
	if np.Props == nil {
		return nil
	}
	for _, e := range np.Props.Entries {
		if e.Key == key {
			return e
		}
	}
	return nil
}

func (c *compiler) startStage(n elem, np *syntax.NodePat, check operator.NodeCheck, idHints map[int]operator.Eval, bound map[int]bool) operator.Operator {
	name := n.display()
	if bound[n.slot] {
		return &operator.Check{Slot: n.slot, Name: name, Check: check}
	}
	if f := idHints[n.slot]; f != nil {
		return &operator.NodeByID{Slot: n.slot, Name: name, ID: f, Check: check}
	}
	for _, p := range check.Props {
		if p.Key == "id" {
			return &operator.NodeByID{Slot: n.slot, Name: name, ID: p.Val, Check: check}
		}
	}
	if len(np.Labels) == 0 {
		return &operator.Scan{Slot: n.slot, Name: name, Check: check}
	}
	// Scan the smallest label; check the others.
	labels := append([]string(nil), np.Labels...)
	sort.SliceStable(labels, func(i, j int) bool { return c.counts.Labels[labels[i]] < c.counts.Labels[labels[j]] })
	rest := check
	rest.Labels = labels[1:]
	return &operator.Scan{Slot: n.slot, Name: name, Label: labels[0], Check: rest, Est: c.counts.Labels[labels[0]]}
}

// matchRel is a relationship slot bound by a MATCH, with the types its
// pattern allows (none: any).
type matchRel struct {
	slot  int
	types []string
}

// typesMeet reports whether two relationship patterns' type lists allow a
// common type.
func typesMeet(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, t := range a {
		if slices.Contains(b, t) {
			return true
		}
	}
	return false
}

func (c *compiler) expand(rp *syntax.RelPat, rel, from, to elem, toCheck operator.NodeCheck, backwards bool, bound map[int]bool) (operator.Operator, error) {
	st := &operator.Expand{
		From: from.slot, Rel: rel.slot, To: to.slot,
		FromName: from.display(), RelName: rel.display(), ToName: to.display(),
		Types: rp.Types, ToCheck: toCheck, ToBound: bound[to.slot], Reverse: backwards,
	}
	// Cypher's uniqueness rule: a relationship matched once in a MATCH is
	// not matched again by another of its relationship patterns. Only
	// relationships whose types may be equal need the check.
	for _, m := range c.matchRels {
		if typesMeet(m.types, rp.Types) {
			st.Uniq = append(st.Uniq, m.slot)
		}
	}
	st.Out, st.In = directions(rp, backwards)
	var err error
	if st.RelProps, err = c.propChecks(rp.Props); err != nil {
		return nil, err
	}
	if r := rp.Range; r != nil {
		st.VarLen, st.Min, st.Max = true, 1, -1
		if r.Min != nil {
			st.Min = *r.Min
			if !r.Dots {
				st.Max = *r.Min
			}
		}
		if r.Max != nil {
			st.Max = *r.Max
		}
		if st.Max >= 0 && st.Max < st.Min {
			return nil, syntax.Errorf(r.Pos, "variable-length range *%d..%d is empty", st.Min, st.Max)
		}
	}
	return st, nil
}

// conjuncts compiles WHERE into its AND-ed parts and finds id lookups of
// the form v.id = <constant>.
func (c *compiler) conjuncts(where *syntax.Expr) ([]*conjunct, map[int]operator.Eval, error) {
	hints := map[int]operator.Eval{}
	if where == nil {
		return nil, hints, nil
	}
	c.inWhere = true
	defer func() { c.inWhere = false }()
	var parts []*syntax.NotExpr
	if len(where.Or) == 0 && len(where.Left.Xor) == 0 {
		parts = append([]*syntax.NotExpr{where.Left.Left.Left}, where.Left.Left.And...)
	}
	var out []*conjunct
	if parts == nil {
		f, err := c.expr(where)
		if err != nil {
			return nil, nil, err
		}
		return []*conjunct{{fn: f, deps: c.deps(where), text: "WHERE", pos: where.Pos}}, hints, nil
	}
	for i, p := range parts {
		f, err := c.not(p)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, &conjunct{fn: f, deps: c.deps(p), text: "WHERE part " + strconv.Itoa(i+1), pos: p.Pos})
		if slot, val, ok := c.idEquality(p); ok {
			hints[slot] = val
		}
	}
	return out, hints, nil
}

// deps returns the slots of the variables an expression reads.
func (c *compiler) deps(n any) []int {
	var out []int
	syntax.Visit(n, func(x any) {
		switch x := x.(type) {
		case *syntax.Atom:
			if s, ok := c.scope[x.Var]; ok && x.Var != "" {
				out = append(out, s)
			}
		case *syntax.NodePat:
			if s, ok := c.scope[strings.Trim(x.Var, "`")]; ok && x.Var != "" {
				out = append(out, s)
			}
		case *syntax.RelPat:
			if s, ok := c.scope[strings.Trim(x.Var, "`")]; ok && x.Var != "" {
				out = append(out, s)
			}
		}
	})
	return out
}

// varsOutsideAggregates returns the variables an expression reads outside
// its aggregate functions, with where each is read.
func (c *compiler) varsOutsideAggregates(e *syntax.Expr) map[string]lexer.Position {
	out := map[string]lexer.Position{}
	syntax.VisitPruned(e, func(x any) bool {
		switch x := x.(type) {
		case *syntax.Call:
			return !function.IsAggregate(strings.ToLower(x.Name))
		case *syntax.Atom:
			if _, ok := c.scope[x.Var]; ok && x.Var != "" {
				out[x.Var] = x.Pos
			}
		case *syntax.NodePat:
			if v := strings.Trim(x.Var, "`"); v != "" {
				if _, ok := c.scope[v]; ok {
					out[v] = x.Pos
				}
			}
		case *syntax.RelPat:
			if v := strings.Trim(x.Var, "`"); v != "" {
				if _, ok := c.scope[v]; ok {
					out[v] = x.Pos
				}
			}
		}
		return true
	})
	return out
}

// idEquality recognises v.id = constant (either way round).
func (c *compiler) idEquality(p *syntax.NotExpr) (int, operator.Eval, bool) {
	if len(p.Nots) > 0 || len(p.Expr.Ops) != 1 || p.Expr.Ops[0].Op != "=" {
		return 0, nil, false
	}
	sides := []*syntax.PredExpr{p.Expr.Left, p.Expr.Ops[0].Right}
	for i := 0; i < 2; i++ {
		v, key := propAccess(sides[i])
		other := sides[1-i]
		if v == "" || key != "id" || !constant(other) {
			continue
		}
		slot, ok := c.scope[v]
		if !ok {
			continue
		}
		f, err := c.pred(other)
		if err != nil {
			return 0, nil, false
		}
		return slot, f, true
	}
	return 0, nil, false
}

func propAccess(p *syntax.PredExpr) (string, string) {
	if len(p.Ops) > 0 || len(p.Left.Ops) > 0 || len(p.Left.Left.Ops) > 0 || len(p.Left.Left.Left.Pow) > 0 {
		return "", ""
	}
	u := p.Left.Left.Left.Left
	if len(u.Signs) > 0 || len(u.Expr.Suffixes) != 1 || u.Expr.Suffixes[0].Prop == "" {
		return "", ""
	}
	return u.Expr.Atom.Var, u.Expr.Suffixes[0].Prop
}

func constant(p *syntax.PredExpr) bool {
	if len(p.Ops) > 0 || len(p.Left.Ops) > 0 || len(p.Left.Left.Ops) > 0 || len(p.Left.Left.Left.Pow) > 0 {
		return false
	}
	u := p.Left.Left.Left.Left
	if len(u.Expr.Suffixes) > 0 {
		return false
	}
	a := u.Expr.Atom
	return a.String != nil || a.Param != ""
}

// patternPredicate compiles a pattern used as a boolean: true when it
// matches at least once with the row's bindings.
func (c *compiler) patternPredicate(p *syntax.Pattern) (operator.Eval, error) {
	if !c.inWhere {
		// Outside WHERE, Cypher gives a pattern expression another meaning
		// (a list of paths); claimgraph accepts only the predicate form.
		return nil, syntax.Errorf(p.Pos, "a pattern can only be used as a predicate in WHERE")
	}
	saved := map[string]int{}
	for k, v := range c.scope {
		saved[k] = v
	}
	sub, err := c.matchPatterns([]*syntax.Pattern{p}, nil)
	c.scope = saved
	if err != nil {
		return nil, err
	}
	return func(x *operator.Exec, r operator.Row) (value.Value, error) {
		return operator.Exists(x, sub, r)
	}, nil
}

func (c *compiler) warn(pos lexer.Position, format string, args ...any) {
	c.warnings = append(c.warnings, Warning{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (c *compiler) checkLabel(pos lexer.Position, l string) {
	if c.counts.Labels[l] <= 0 {
		c.warn(pos, "the store has no nodes labelled %q%s", l, suggest(l, keys(c.counts.Labels)))
	}
}

func (c *compiler) checkType(pos lexer.Position, t string) {
	if c.counts.Relationships[t] <= 0 {
		c.warn(pos, "the store has no relationships of type %q%s", t, suggest(t, keys(c.counts.Relationships)))
	}
}

func (c *compiler) checkProperty(pos lexer.Position, k string) {
	if k != "id" && c.counts.Properties[k] <= 0 {
		c.warn(pos, "the store has no property %q%s", k, suggest(k, append(keys(c.counts.Properties), "id")))
	}
}

func keys(m map[string]int) []string {
	var out []string
	for k, v := range m {
		if v > 0 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// suggest returns "; did you mean X?" for the closest known name.
func suggest(name string, known []string) string {
	best, bestD := "", 1<<30
	for _, k := range known {
		d := distance(strings.ToLower(name), strings.ToLower(k))
		if d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	if best == "" || len(name) < 3 || bestD > max(1, len(name)/3) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// degreeSample is how many nodes of a label are sampled to estimate how
// many relationships of a type each has.
const degreeSample = 16

// stepCost estimates the rows one expansion produces per input row: the
// average number of matching relationships of the from-node, sampled from
// the store, grown for variable-length relationships.
func (c *compiler) stepCost(rp *syntax.RelPat, from *syntax.NodePat, backwards bool) float64 {
	out, in := directions(rp, backwards)
	label := ""
	if len(from.Labels) > 0 {
		label = from.Labels[0]
	}
	key := fmt.Sprintf("%s|%s|%v|%v", label, strings.Join(rp.Types, "|"), out, in)
	degrees := c.degreeMemo()
	d, ok := degrees[key]
	if !ok {
		d = c.sampleDegree(label, rp.Types, out, in)
		degrees[key] = d
	}
	if rp.Range != nil {
		d = 1 + 3*d
	}
	return d
}

// degreeMemo returns the sampled fan-outs: kept with the query index for
// the process, as the sample reads the same nodes until a write drops the
// index (sampling was a twentieth of a 100 ms query), else for this plan.
func (c *compiler) degreeMemo() map[string]float64 {
	if c.degrees == nil {
		if c.rd == nil {
			c.degrees = map[string]float64{}
		} else {
			c.degrees = c.rd.Store().IndexMemo(degreesKey{}, func() any { return map[string]float64{} }).(map[string]float64)
		}
	}
	return c.degrees
}

type degreesKey struct{}

func (c *compiler) sampleDegree(label string, types []string, out, in bool) float64 {
	if c.rd == nil {
		return 10
	}
	var nodes []value.Node
	err := c.rd.Nodes(label, func(n value.Node) error {
		nodes = append(nodes, n)
		if len(nodes) == degreeSample {
			return operator.ErrStop
		}
		return nil
	})
	if err != nil && err != operator.ErrStop || len(nodes) == 0 {
		return 10
	}
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = n.ID
	}
	if c.rd.PrefetchRels(ids, out, in, types) != nil {
		return 10
	}
	total := 0
	for _, n := range nodes {
		for _, dir := range []bool{true, false} {
			if dir && !out || !dir && !in {
				continue
			}
			c.rd.Rels(n.ID, dir, types, func(value.Rel) error { total++; return nil })
		}
	}
	return float64(total) / float64(len(nodes))
}
