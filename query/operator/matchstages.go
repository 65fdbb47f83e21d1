package operator

import (
	"fmt"
	"strings"

	"claimgraph/query/access"
	"claimgraph/query/value"
)

// NodeCheck is what a node pattern asks of a node: labels and properties.
type NodeCheck struct {
	Labels []string
	Props  []PropCheck
}

type PropCheck struct {
	Key string
	Val Eval
}

func (c NodeCheck) ok(x *Exec, r Row, n value.Node) (bool, error) {
	for _, l := range c.Labels {
		has, err := x.Reader.HasLabel(n, l)
		if err != nil || !has {
			return false, err
		}
	}
	for _, p := range c.Props {
		want, err := p.Val(x, r)
		if err != nil {
			return false, err
		}
		got, err := x.Property(n, p.Key)
		if err != nil {
			return false, err
		}
		if value.Equal(got, want) != true {
			return false, nil
		}
	}
	return true, nil
}

func (c NodeCheck) String() string {
	var b strings.Builder
	for _, l := range c.Labels {
		b.WriteString(":" + l)
	}
	if len(c.Props) > 0 {
		keys := make([]string, len(c.Props))
		for i, p := range c.Props {
			keys[i] = p.Key
		}
		b.WriteString(" {" + strings.Join(keys, ", ") + "}")
	}
	return b.String()
}

// Scan binds slot to every node with a label (or every node).
type Scan struct {
	Streaming
	Slot  int
	Name  string
	Label string
	Check NodeCheck
	Est   int
}

// maxScanCache bounds the nodes a scan keeps for the rows after the first.
const maxScanCache = 1 << 20

func (s *Scan) push(x *Exec, r Row, emit func(Row) error) error {
	visit := func(n value.Node) error {
		ok, err := s.Check.ok(x, r, n)
		if err != nil || !ok {
			return err
		}
		return emit(Bind(r, s.Slot, n))
	}
	// A scan after the first row of a cartesian product scans the same
	// nodes again: the first complete scan keeps them (up to a bound).
	if nodes, ok := x.scans[s]; ok {
		for _, n := range nodes {
			if err := visit(n); err != nil {
				return err
			}
		}
		return nil
	}
	var kept []value.Node
	complete := true
	err := x.Reader.Nodes(s.Label, func(n value.Node) error {
		if complete && len(kept) < maxScanCache {
			kept = append(kept, n)
		} else {
			complete, kept = false, nil
		}
		return visit(n)
	})
	if err == nil && complete {
		if x.scans == nil {
			x.scans = map[*Scan][]value.Node{}
		}
		x.scans[s] = kept
		err = x.Hold(value.Size(value.Node{}) * int64(len(kept)))
	}
	return err
}

func (s *Scan) String() string {
	if s.Label == "" {
		return fmt.Sprintf("AllNodesScan (%s%s)", s.Name, s.Check)
	}
	return fmt.Sprintf("NodeByLabelScan (%s:%s%s) ~%d nodes", s.Name, s.Label, s.Check, s.Est)
}

// NodeByID binds slot to the node with a given id, if it exists.
type NodeByID struct {
	Streaming
	Slot  int
	Name  string
	ID    Eval
	Check NodeCheck
}

func (s *NodeByID) push(x *Exec, r Row, emit func(Row) error) error {
	v, err := s.ID(x, r)
	if err != nil {
		return err
	}
	id, ok := v.(string)
	if !ok {
		return nil
	}
	exists, err := x.Reader.Exists(id)
	if err != nil || !exists {
		return err
	}
	// With its number in the query index, the node's relationships are
	// read from (and kept in) the lists by NodeRef, which outlive the run.
	n := value.Node{ID: id, Ref: x.Reader.Store().NodeRef(id)}
	if ok, err := s.Check.ok(x, r, n); err != nil || !ok {
		return err
	}
	return emit(Bind(r, s.Slot, n))
}

func (s *NodeByID) String() string { return fmt.Sprintf("NodeByIdSeek (%s%s)", s.Name, s.Check) }

// Check filters rows on a node bound earlier.
type Check struct {
	Streaming
	Slot  int
	Name  string
	Check NodeCheck
}

func (s *Check) push(x *Exec, r Row, emit func(Row) error) error {
	n, ok := r[s.Slot].(value.Node)
	if !ok {
		return nil
	}
	if ok, err := s.Check.ok(x, r, n); err != nil || !ok {
		return err
	}
	return emit(r)
}

func (s *Check) String() string { return fmt.Sprintf("Check (%s%s)", s.Name, s.Check) }

// Expand follows relationships from a bound node. With varLen it
// follows paths of min..max relationships, never using one twice.
type Expand struct {
	From, Rel, To int
	FromName      string
	RelName       string
	ToName        string
	Types         []string
	Out, In       bool // directions to follow from `from`
	RelProps      []PropCheck
	ToCheck       NodeCheck
	ToBound       bool
	VarLen        bool
	Min, Max      int
	Reverse       bool  // the pattern runs the other way: store var-length rels reversed
	Uniq          []int // rel slots bound earlier in the same MATCH
	buf           rowBuf
}

func (s *Expand) push(x *Exec, r Row, emit func(Row) error) error {
	if !x.Reader.Store().Batches() {
		return s.expand(x, r, emit)
	}
	if rows := x.gather(s, r); rows != nil {
		return s.expandAll(x, rows, emit)
	}
	return nil
}

func (s *Expand) flush(x *Exec, emit func(Row) error) error {
	return s.expandAll(x, x.gathered(s), emit)
}

// expandAll expands gathered rows in their order, reading what it needs
// in a few queries: the relationships of the nodes expanded from, then
// the labels and properties of the nodes reached.
func (s *Expand) expandAll(x *Exec, rows []Row, emit func(Row) error) error {
	if len(rows) == 0 {
		return nil
	}
	var ids []string
	for _, r := range rows {
		if n, ok := r[s.From].(value.Node); ok {
			ids = append(ids, n.ID)
		}
	}
	if err := x.Reader.PrefetchRels(ids, s.Out, s.In, s.Types); err != nil {
		return err
	}
	if len(s.RelProps) > 0 && x.Reader.Store().Batches() {
		// The relationships' own properties are checked as they are
		// followed; read those of the edge nodes at once.
		var edges []string
		for _, id := range ids {
			for _, out := range []bool{true, false} {
				if out && !s.Out || !out && !s.In {
					continue
				}
				err := x.Reader.Rels(id, out, s.Types, func(rel value.Rel) error {
					if rel.Edge != "" {
						edges = append(edges, rel.Edge)
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
		}
		if err := x.Reader.PrefetchProps(edges); err != nil {
			return err
		}
	}
	if s.VarLen {
		for _, r := range rows {
			if err := s.expand(x, r, emit); err != nil {
				return err
			}
		}
		return nil
	}
	type hit struct {
		r Row
		h *access.Hit
	}
	var hits []hit
	finish := func() error {
		others := make([]string, len(hits))
		for i, h := range hits {
			others[i] = h.h.OtherID()
		}
		if err := x.Reader.PrefetchLabels(others); err != nil {
			return err
		}
		if len(s.ToCheck.Props) > 0 {
			if err := x.Reader.PrefetchProps(others); err != nil {
				return err
			}
		}
		for _, h := range hits {
			if err := s.finish(x, h.r, h.h, emit); err != nil {
				return err
			}
		}
		hits = hits[:0]
		return nil
	}
	for _, r := range rows {
		from, ok := r[s.From].(value.Node)
		if !ok {
			continue
		}
		err := s.step(x, r, from, func(h *access.Hit) error {
			if !s.unique(r, h, nil) {
				return nil
			}
			hits = append(hits, hit{r, h})
			if len(hits) >= 4*batchRows {
				return finish()
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return finish()
}

func (s *Expand) expand(x *Exec, r Row, emit func(Row) error) error {
	from, ok := r[s.From].(value.Node)
	if !ok {
		return nil
	}
	if !s.VarLen {
		return s.step(x, r, from, func(h *access.Hit) error {
			if !s.unique(r, h, nil) {
				return nil
			}
			return s.finish(x, r, h, emit)
		})
	}
	maxHops := s.Max
	if maxHops < 0 {
		maxHops = x.Limits.MaxHops
		if maxHops <= 0 {
			maxHops = DefaultMaxHops
		}
	}
	var path []*access.Hit
	var walk func(at value.Node) error
	walk = func(at value.Node) error {
		if len(path) >= s.Min {
			if err := s.finishVar(x, r, path, at, emit); err != nil {
				return err
			}
		}
		if len(path) == maxHops {
			if s.Max < 0 && maxHops > 0 && x.Limits.MaxHops > 0 {
				return &LimitError{Limit: "hops in a variable-length relationship", Value: int64(maxHops), Flag: "--max-hops"}
			}
			return nil
		}
		return s.step(x, r, at, func(h *access.Hit) error {
			if !s.unique(r, h, path) {
				return nil
			}
			path = append(path, h)
			err := walk(h.Other.(value.Node))
			path = path[:len(path)-1]
			return err
		})
	}
	return walk(from)
}

// step calls fn for each relationship from node from that fits the pattern.
func (s *Expand) step(x *Exec, r Row, from value.Node, fn func(*access.Hit) error) error {
	visit := func(out bool) error {
		return x.Reader.Hits(from.ID, from.Ref, out, s.Types, func(h *access.Hit) error {
			for _, p := range s.RelProps {
				want, err := p.Val(x, r)
				if err != nil {
					return err
				}
				got, err := x.Property(h.Rel, p.Key)
				if err != nil {
					return err
				}
				if value.Equal(got, want) != true {
					return nil
				}
			}
			return fn(h)
		})
	}
	if s.Out {
		if err := visit(true); err != nil {
			return err
		}
	}
	if s.In {
		return visit(false)
	}
	return nil
}

func (s *Expand) unique(r Row, h *access.Hit, path []*access.Hit) bool {
	if len(s.Uniq) == 0 && len(path) == 0 {
		// Nothing to compare: the relationship's value is not read, which
		// spares a random memory access per row.
		return true
	}
	rel := h.Rel.(value.Rel)
	for _, p := range path {
		if p.Rel.(value.Rel).Same(rel) {
			return false
		}
	}
	for _, sl := range s.Uniq {
		switch v := r[sl].(type) {
		case value.Rel:
			if v.Same(rel) {
				return false
			}
		case []value.Value:
			for _, x := range v {
				if x.(value.Rel).Same(rel) {
					return false
				}
			}
		}
	}
	return true
}

func (s *Expand) finish(x *Exec, r Row, h *access.Hit, emit func(Row) error) error {
	n := h.Other.(value.Node)
	if s.ToBound {
		if b, ok := r[s.To].(value.Node); !ok || b.ID != n.ID {
			return nil
		}
	}
	if ok, err := s.ToCheck.ok(x, r, n); err != nil || !ok {
		return err
	}
	out := s.buf.fill(r)
	out[s.Rel] = h.Rel
	out[s.To] = h.Other
	return emit(out)
}

func (s *Expand) finishVar(x *Exec, r Row, path []*access.Hit, n value.Node, emit func(Row) error) error {
	if s.ToBound {
		if b, ok := r[s.To].(value.Node); !ok || b.ID != n.ID {
			return nil
		}
	}
	if ok, err := s.ToCheck.ok(x, r, n); err != nil || !ok {
		return err
	}
	list := make([]value.Value, len(path))
	for i, h := range path {
		if s.Reverse {
			list[len(path)-1-i] = h.Rel
		} else {
			list[i] = h.Rel
		}
	}
	out := s.buf.fill(r)
	out[s.Rel] = list
	if len(path) > 0 {
		out[s.To] = path[len(path)-1].Other // boxed already
	} else {
		out[s.To] = n
	}
	return emit(out)
}

func (s *Expand) String() string {
	left, right := "-", "-"
	if s.Out && !s.In {
		right = "->"
	} else if s.In && !s.Out {
		left = "<-"
	}
	rng := ""
	if s.VarLen {
		if s.Max < 0 {
			rng = fmt.Sprintf("*%d..", s.Min)
		} else {
			rng = fmt.Sprintf("*%d..%d", s.Min, s.Max)
		}
	}
	op := "Expand"
	if s.ToBound {
		op = "ExpandInto"
	}
	return fmt.Sprintf("%s (%s)%s[%s:%s%s]%s(%s%s)", op, s.FromName, left, s.RelName, strings.Join(s.Types, "|"), rng, right, s.ToName, s.ToCheck)
}

// BuildPath builds a path value from the slots of a pattern, in order.
type BuildPath struct {
	Streaming
	Slot  int
	Name  string
	Nodes []int
	Rels  []int
}

func (s *BuildPath) push(x *Exec, r Row, emit func(Row) error) error {
	start, ok := r[s.Nodes[0]].(value.Node)
	if !ok {
		return emit(Bind(r, s.Slot, nil))
	}
	p := value.Path{Nodes: []value.Node{start}}
	at := start.ID
	for i, sl := range s.Rels {
		var rels []value.Rel
		switch v := r[sl].(type) {
		case value.Rel:
			rels = []value.Rel{v}
		case []value.Value:
			for _, x := range v {
				rels = append(rels, x.(value.Rel))
			}
		}
		for _, rel := range rels {
			next := rel.End
			if rel.End == at {
				next = rel.Start
			}
			p.Rels = append(p.Rels, rel)
			p.Nodes = append(p.Nodes, value.Node{ID: next})
			at = next
		}
		if n, ok := r[s.Nodes[i+1]].(value.Node); ok {
			at = n.ID
		}
	}
	return emit(Bind(r, s.Slot, p))
}

func (s *BuildPath) String() string { return "BuildPath " + s.Name }
