package query

import (
	"context"
	"sort"

	"claimgraph/query/operator"

	"claimgraph/graph"
	"claimgraph/query/value"
)

// Subgraph is the part of the graph a query touched: every node and
// relationship its patterns bound, named or anonymous, paths included,
// each once, with labels, properties and the record that produced it.
type Subgraph struct {
	Nodes []SubNode // sorted by id
	Rels  []SubRel  // sorted by start, type, end
}

// SubNode is a node of a subgraph.
type SubNode struct {
	ID     string
	Labels []string
	Props  map[string]value.Value // without id
	Record string
}

// SubRel is a relationship of a subgraph.
type SubRel struct {
	Type, Start, End string
	Props            map[string]value.Value
	Record           string
	Edge             string // the edge node carrying the properties, if any
}

// subgraphBuilder gathers nodes and relationships as rows go by.
type subgraphBuilder struct {
	nodes map[string]bool
	rels  map[string]value.Rel
}

func (b *subgraphBuilder) add(v value.Value) {
	switch v := v.(type) {
	case value.Node:
		b.nodes[v.ID] = true
	case value.Rel:
		b.rels[v.Key()] = v
		b.nodes[v.Start], b.nodes[v.End] = true, true
	case value.Path:
		for _, n := range v.Nodes {
			b.add(n)
		}
		for _, r := range v.Rels {
			b.add(r)
		}
	case []value.Value:
		for _, x := range v {
			b.add(x)
		}
	}
}

// Subgraph runs the plan and returns what its patterns bound. Rows are
// recorded before every WITH or RETURN that aggregates (which would fold
// them) and as they are returned otherwise, so ORDER BY, SKIP and LIMIT
// of a RETURN narrow the subgraph as they narrow the result. With
// neighbours > 0, the nodes within that many hops are added.
func (p *Plan) Subgraph(ctx context.Context, st *graph.Store, o Options, neighbours int) (*Subgraph, error) {
	if err := p.start(); err != nil {
		return nil, err
	}
	release, err := st.ReadLock(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	b := &subgraphBuilder{nodes: map[string]bool{}, rels: map[string]value.Rel{}}
	var stages []operator.Operator
	for _, s := range p.stages {
		switch s := s.(type) {
		case *operator.Aggregate:
			stages = append(stages, &operator.Tap{Add: b.add}, s)
		case *operator.FoldedExpand:
			// Every row is recorded: unfolded.
			stages = append(stages, s.Expand, &operator.Tap{Add: b.add}, s.Aggregate)
		default:
			stages = append(stages, s)
		}
	}
	x := newExec(ctx, st, p, o)
	x.WholeRows = true
	var returned int64
	err = operator.Run(x, stages, make(operator.Row, p.nslots), func(r operator.Row) error {
		if returned++; o.Limits.MaxRows > 0 && returned > o.Limits.MaxRows {
			return &operator.LimitError{Limit: "result rows", Value: o.Limits.MaxRows, Flag: "--max-rows"}
		}
		for _, v := range r {
			b.add(v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for hop := 0; hop < neighbours; hop++ {
		var frontier []string
		for id := range b.nodes {
			frontier = append(frontier, id)
		}
		for _, id := range frontier {
			for _, out := range []bool{true, false} {
				if err := x.Reader.Rels(id, out, nil, func(r value.Rel) error { b.add(r); return nil }); err != nil {
					return nil, err
				}
			}
		}
	}
	return b.build(x)
}

// WholeGraph returns every node and relationship of the store.
func WholeGraph(ctx context.Context, st *graph.Store) (*Subgraph, error) {
	release, err := st.ReadLock(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	x := newExec(ctx, st, &Plan{}, Options{})
	b := &subgraphBuilder{nodes: map[string]bool{}, rels: map[string]value.Rel{}}
	err = x.Reader.Nodes("", func(n value.Node) error {
		b.add(n)
		return x.Reader.Rels(n.ID, true, nil, func(r value.Rel) error { b.add(r); return nil })
	})
	if err != nil {
		return nil, err
	}
	return b.build(x)
}

func (b *subgraphBuilder) build(x *operator.Exec) (*Subgraph, error) {
	g := &Subgraph{}
	ids := make([]string, 0, len(b.nodes))
	for id := range b.nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		labels, err := x.Reader.Labels(id)
		if err != nil {
			return nil, err
		}
		props, err := x.Reader.Properties(id)
		if err != nil {
			return nil, err
		}
		rec, err := x.Reader.Provenance(id)
		if err != nil {
			return nil, err
		}
		recs, _ := rec.(string)
		g.Nodes = append(g.Nodes, SubNode{ID: id, Labels: labels, Props: props, Record: recs})
	}
	for _, r := range b.rels {
		props, err := x.RelProperties(r)
		if err != nil {
			return nil, err
		}
		g.Rels = append(g.Rels, SubRel{Type: r.Type, Start: r.Start, End: r.End, Props: props, Record: r.Record, Edge: r.Edge})
	}
	sort.Slice(g.Rels, func(i, j int) bool {
		a, c := g.Rels[i], g.Rels[j]
		if a.Start != c.Start {
			return a.Start < c.Start
		}
		if a.Type != c.Type {
			return a.Type < c.Type
		}
		return a.End < c.End
	})
	return g, nil
}
