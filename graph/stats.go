package graph

import (
	"context"

	"github.com/cayleygraph/quad"
)

// Stats counts what a store holds. Labels and Relationships count nodes per
// label and relationships per type of the property graph; Quads counts
// every stored quad, bookkeeping included.
type Stats struct {
	Records       int            `json:"records"`
	Quads         int            `json:"quads"`
	Labels        map[string]int `json:"labels"`
	Relationships map[string]int `json:"relationships"`
}

// Stats counts records, quads, nodes per label and relationships per type
// by reading every quad once; it works on an empty store too.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Labels: map[string]int{}, Relationships: map[string]int{}}
	labelled := map[[2]string]bool{}
	rels := map[[3]string]bool{}
	err := s.Quads(ctx, func(q quad.Quad) error {
		st.Quads++
		switch {
		case q.Predicate == PredHash:
			st.Records++
		case q.Predicate == PredType:
			label, _ := IDOf(q.Object)
			k := [2]string{quad.StringOf(q.Subject), label}
			if !labelled[k] {
				labelled[k] = true
				st.Labels[label]++
			}
		default:
			if typ, ok := RelType(q.Predicate); ok {
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
