package access

import (
	"sort"

	"github.com/cayleygraph/quad"

	"claimgraph/graph/claim"
	"claimgraph/query/value"
)

// relsSide is one node's relationships in one direction.
type relsSide struct {
	id  string
	out bool
}

// The prefetch methods read, in a few queries, what the executor is about
// to ask about many nodes, and fill the reader's caches with it. A store
// that answers one node at a time cheaply (the embedded ones) is left
// alone; on a database server they save a round trip per node and
// question.

// PrefetchRels reads the nodes' relationships of the given types (of any
// type when there are none) in the given directions. Reading every type
// from the subject side brings the nodes' labels and properties along.
func (r *Reader) PrefetchRels(ids []string, out, in bool, types []string) error {
	if !r.st.Batches() {
		return nil
	}
	for _, dir := range []bool{true, false} {
		if dir && !out || !dir && !in {
			continue
		}
		var todo []quad.Value
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] || r.fetched[relsSide{id, dir}] != nil || r.cachedTypes(id, dir, types) {
				continue
			}
			seen[id] = true
			todo = append(todo, claim.Node(id))
		}
		if len(todo) == 0 {
			continue
		}
		var err error
		switch {
		case len(types) == 0 && dir:
			err = r.prefetchOut(todo)
		case len(types) == 0:
			err = r.prefetchIn(todo, nil)
		case dir:
			err = r.prefetchOutTypes(todo, types)
		default:
			err = r.prefetchIn(todo, types)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// cachedTypes reports whether a node's relationships of all these types
// are cached.
func (r *Reader) cachedTypes(id string, out bool, types []string) bool {
	if len(types) == 0 {
		return false
	}
	for _, t := range types {
		if _, ok := r.relCache[relsKey{id, t, out}]; !ok {
			return false
		}
	}
	return true
}

// PrefetchLabels reads the labels of the nodes.
func (r *Reader) PrefetchLabels(ids []string) error {
	if !r.st.Batches() {
		return nil
	}
	var todo []quad.Value
	if r.labelCache == nil {
		r.labelCache = map[string][]string{}
	}
	for _, id := range ids {
		if _, ok := r.labelCache[id]; !ok {
			r.labelCache[id] = nil // also marks it seen
			todo = append(todo, claim.Node(id))
		}
	}
	if len(todo) == 0 {
		return nil
	}
	if len(r.labelCache) >= maxCachedNodes {
		r.labelCache = map[string][]string{}
	}
	labels := map[string][]string{}
	_, err := r.st.MatchAny(r.ctx, quad.Subject, todo, map[quad.Direction]quad.Value{quad.Predicate: claim.PredType}, func(q quad.Quad) {
		id, _ := claim.IDOf(q.Subject)
		if l, ok := claim.IDOf(q.Object); ok && !contains(labels[id], l) {
			labels[id] = append(labels[id], l)
		}
	})
	if err != nil {
		return err
	}
	for _, n := range todo {
		id, _ := claim.IDOf(n)
		ls := labels[id]
		sort.Strings(ls)
		r.labelCache[id] = append([]string{}, ls...)
	}
	return nil
}

// PrefetchProps reads the properties of nodes or edge nodes.
func (r *Reader) PrefetchProps(ids []string) error {
	if !r.st.Batches() {
		return nil
	}
	var todo []quad.Value
	seen := map[string]bool{}
	for _, id := range ids {
		if _, ok := r.props[id]; !ok && !seen[id] {
			seen[id] = true
			todo = append(todo, claim.Node(id))
		}
	}
	if len(todo) == 0 {
		return nil
	}
	props := map[string]map[string][]value.Value{}
	_, err := r.st.MatchAny(r.ctx, quad.Subject, todo, nil, func(q quad.Quad) {
		if k, ok := claim.PropKey(q.Predicate); ok {
			id, _ := claim.IDOf(q.Subject)
			if props[id] == nil {
				props[id] = map[string][]value.Value{}
			}
			props[id][k] = append(props[id][k], native(q.Object))
		}
	})
	if err != nil {
		return err
	}
	for _, n := range todo {
		id, _ := claim.IDOf(n)
		r.cacheProperties(id, props[id])
	}
	return nil
}

// sideRels collects the relationships of prefetched sides, by type.
type sideRels map[relsSide]map[string][]value.Rel

func (s sideRels) add(side relsSide, rel value.Rel) {
	if s[side] == nil {
		s[side] = map[string][]value.Rel{}
	}
	s[side][rel.Type] = append(s[side][rel.Type], rel)
}

// store caches the relationships of every side asked for, none included:
// of the given types, or of every type when types is nil.
func (r *Reader) store(sides []quad.Value, out bool, rels sideRels, only []string) {
	for _, n := range sides {
		id, _ := claim.IDOf(n)
		side := relsSide{id, out}
		total := 0
		for _, list := range rels[side] {
			total += len(list) + 1
		}
		// Reset before a side's lists, never between them: a side marked
		// fetched must have all its lists cached.
		r.makeRoom(total + len(only))
		if only != nil {
			for _, t := range only {
				r.cacheRels(relsKey{id, t, out}, unknownRefs(rels[side][t]))
			}
			continue
		}
		types := make([]string, 0, len(rels[side]))
		for t, list := range rels[side] {
			types = append(types, t)
			r.cacheRels(relsKey{id, t, out}, unknownRefs(list))
		}
		sort.Strings(types)
		if r.fetched == nil {
			r.fetched = map[relsSide]*[]string{}
		}
		r.fetched[side] = &types
	}
}

func (r *Reader) prefetchOut(nodes []quad.Value) error {
	labels := map[string][]string{}
	props := map[string]map[string][]value.Value{}
	rels := sideRels{}
	edges := map[quad.Value]value.Rel{} // edge node → relationship without its end
	_, err := r.st.MatchAny(r.ctx, quad.Subject, nodes, nil, func(q quad.Quad) {
		id, _ := claim.IDOf(q.Subject)
		if props[id] == nil {
			props[id] = map[string][]value.Value{}
		}
		if q.Predicate == claim.PredType {
			if l, ok := claim.IDOf(q.Object); ok && !contains(labels[id], l) {
				labels[id] = append(labels[id], l)
			}
		} else if k, ok := claim.PropKey(q.Predicate); ok {
			props[id][k] = append(props[id][k], native(q.Object))
		} else if t, ok := claim.RelType(q.Predicate); ok {
			end, _ := claim.IDOf(q.Object)
			rel := value.Rel{Type: t, Start: id, End: end, Record: recordOf(q)}
			if claim.HasEdgeNode(t) {
				rel.Edge, rel.End = end, ""
				edges[q.Object] = rel
			} else {
				rels.add(relsSide{id, true}, rel)
			}
		}
	})
	if err != nil {
		return err
	}
	if err := r.edgeEnds(edges, rels); err != nil {
		return err
	}
	for _, n := range nodes {
		id, _ := claim.IDOf(n)
		ls := labels[id]
		sort.Strings(ls)
		if r.labelCache == nil || len(r.labelCache) >= maxCachedNodes {
			r.labelCache = map[string][]string{}
		}
		r.labelCache[id] = append([]string{}, ls...)
		r.cacheProperties(id, props[id])
	}
	r.store(nodes, true, rels, nil)
	return nil
}

// prefetchOutTypes reads outgoing relationships of some types.
func (r *Reader) prefetchOutTypes(nodes []quad.Value, types []string) error {
	rels := sideRels{}
	for _, t := range types {
		edges := map[quad.Value]value.Rel{}
		_, err := r.st.MatchAny(r.ctx, quad.Subject, nodes, map[quad.Direction]quad.Value{quad.Predicate: claim.RelIRI(t)}, func(q quad.Quad) {
			id, _ := claim.IDOf(q.Subject)
			end, _ := claim.IDOf(q.Object)
			rel := value.Rel{Type: t, Start: id, End: end, Record: recordOf(q)}
			if claim.HasEdgeNode(t) {
				rel.Edge, rel.End = end, ""
				edges[q.Object] = rel
				return
			}
			rels.add(relsSide{id, true}, rel)
		})
		if err != nil {
			return err
		}
		if err := r.edgeEnds(edges, rels); err != nil {
			return err
		}
	}
	r.store(nodes, true, rels, types)
	return nil
}

// edgeEnds completes relationships through edge nodes with their ends.
func (r *Reader) edgeEnds(edges map[quad.Value]value.Rel, rels sideRels) error {
	if len(edges) == 0 {
		return nil
	}
	var list []quad.Value
	for e := range edges {
		list = append(list, e)
	}
	_, err := r.st.MatchAny(r.ctx, quad.Subject, list, map[quad.Direction]quad.Value{quad.Predicate: claim.PredEdgeTo}, func(q quad.Quad) {
		rel := edges[q.Subject]
		rel.End, _ = claim.IDOf(q.Object)
		rels.add(relsSide{rel.Start, true}, rel)
	})
	return err
}

// prefetchIn reads incoming relationships: of the given types, or of
// every type when types is nil.
func (r *Reader) prefetchIn(nodes []quad.Value, types []string) error {
	rels := sideRels{}
	edges := map[quad.Value]string{} // edge node → the node it leads to
	add := func(q quad.Quad) {
		id, _ := claim.IDOf(q.Object)
		if q.Predicate == claim.PredEdgeTo {
			edges[q.Subject] = id
		} else if t, ok := claim.RelType(q.Predicate); ok && !claim.HasEdgeNode(t) {
			start, _ := claim.IDOf(q.Subject)
			rels.add(relsSide{id, false}, value.Rel{Type: t, Start: start, End: id, Record: recordOf(q)})
		}
	}
	preds := []quad.Value{nil} // every predicate
	if types != nil {
		preds = preds[:0]
		through := false
		for _, t := range types {
			if claim.HasEdgeNode(t) {
				through = true
			} else {
				preds = append(preds, claim.RelIRI(t))
			}
		}
		if through {
			preds = append(preds, claim.PredEdgeTo)
		}
	}
	for _, p := range preds {
		var fixed map[quad.Direction]quad.Value
		if p != nil {
			fixed = map[quad.Direction]quad.Value{quad.Predicate: p}
		}
		if _, err := r.st.MatchAny(r.ctx, quad.Object, nodes, fixed, add); err != nil {
			return err
		}
	}
	if len(edges) > 0 {
		var list []quad.Value
		for e := range edges {
			list = append(list, e)
		}
		_, err := r.st.MatchAny(r.ctx, quad.Object, list, nil, func(q quad.Quad) {
			t, ok := claim.RelType(q.Predicate)
			if !ok || !claim.HasEdgeNode(t) {
				return
			}
			start, _ := claim.IDOf(q.Subject)
			edge, _ := claim.IDOf(q.Object)
			end := edges[q.Object]
			rels.add(relsSide{end, false}, value.Rel{Type: t, Start: start, End: end, Edge: edge, Record: recordOf(q)})
		})
		if err != nil {
			return err
		}
	}
	r.store(nodes, false, rels, types)
	return nil
}

// unknownRefs are relationships read from a database server, which has no
// query index to number their ends.
func unknownRefs(rels []value.Rel) []found {
	out := make([]found, len(rels))
	for i, rel := range rels {
		out[i] = found{rel: rel}
	}
	return out
}
