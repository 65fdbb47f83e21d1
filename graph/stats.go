package graph

import (
	"context"

	"github.com/cayleygraph/quad"

	"claimgraph/graph/claim"
)

// Stats counts what a store holds (see claim.Stats).
type Stats = claim.Stats

// Stats counts records, quads, nodes per label and relationships per type
// by reading every quad once; it works on an empty store too.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	if s.sql != nil {
		release, err := s.ReadLock(ctx)
		if err != nil {
			return Stats{}, err
		}
		defer release()
		return s.sql.Stats(ctx)
	}
	st := Stats{Labels: map[string]int{}, Relationships: map[string]int{}}
	labelled := map[[2]string]bool{}
	rels := map[[3]string]bool{}
	err := s.Quads(ctx, func(q quad.Quad) error {
		st.Quads++
		switch {
		case q.Predicate == claim.PredHash:
			st.Records++
		case q.Predicate == claim.PredType:
			label, _ := claim.IDOf(q.Object)
			k := [2]string{quad.StringOf(q.Subject), label}
			if !labelled[k] {
				labelled[k] = true
				st.Labels[label]++
			}
		default:
			if typ, ok := claim.RelType(q.Predicate); ok {
				k := [3]string{quad.StringOf(q.Subject), typ, quad.StringOf(q.Object)}
				if !rels[k] {
					rels[k] = true
					st.Relationships[typ]++
				}
			}
		}
		return nil
	})
	return st, err
}
