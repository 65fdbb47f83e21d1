package graph

import (
	"slices"

	"github.com/cayleygraph/quad"

	"claimgraph/graph/claim"
)

// names holds, for the names (keys) a process has looked up in an
// embedded store, every stored record that answers each: the store is
// written only through this process while it holds the store's lock, and
// every write updates them. A load's batches look up the same authors'
// and organisations' names again and again, and after its first write
// each lookup read through Cayley's indexes (the query index is out of
// date until the load ends): 6–10% of a 10k load. A SQL store has none,
// since other processes write it.
type names struct {
	byKey map[string][]candidate
}

func newNames() *names { return &names{byKey: map[string][]candidate{}} }

// maxNames bounds the names held; past it they are dropped and read again.
const maxNames = 1 << 20

// get returns every stored candidate of key k, if held.
func (n *names) get(k string) ([]candidate, bool) {
	if n == nil {
		return nil, false
	}
	cs, ok := n.byKey[k]
	return cs, ok
}

// put holds cs as every stored candidate of key k.
func (n *names) put(k string, cs []candidate) {
	if n == nil {
		return
	}
	if len(n.byKey) >= maxNames {
		clear(n.byKey)
	}
	n.byKey[k] = cs
}

// update applies a write's changes to the names held: the keys of each
// rewritten record's old quads lose it, those of its new quads gain it.
func (n *names) update(rws []rewrite) {
	if n == nil {
		return
	}
	for _, rw := range rws {
		if sameQuads(rw.old, rw.new) {
			continue
		}
		for _, q := range rw.old {
			if k, c, ok := keyCandidate(q); ok {
				if cs, held := n.byKey[k]; held {
					n.byKey[k] = slices.DeleteFunc(slices.Clone(cs), func(d candidate) bool { return d == c })
				}
			}
		}
		for _, q := range rw.new {
			if k, c, ok := keyCandidate(q); ok {
				if cs, held := n.byKey[k]; held && !slices.Contains(cs, c) {
					n.byKey[k] = append(slices.Clip(cs), c)
				}
			}
		}
	}
}

// forget drops every name held (after a write that failed part way).
func (n *names) forget() {
	if n != nil {
		clear(n.byKey)
	}
}

// keyCandidate returns the key a quad names its record by, if it is one.
func keyCandidate(q quad.Quad) (string, candidate, bool) {
	r := rankOf(q.Predicate)
	if r < 0 {
		return "", candidate{}, false
	}
	k, ok := q.Object.(quad.String)
	id, isID := claim.IDOf(q.Label)
	if !ok || !isID {
		return "", candidate{}, false
	}
	return string(k), candidate{r, id}, true
}
