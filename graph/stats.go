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
		return s.sql.stats(ctx)
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

// stats counts in the database, with the same meaning as the scan above.
func (d *sqlDB) stats(ctx context.Context) (Stats, error) {
	st := Stats{Labels: map[string]int{}, Relationships: map[string]int{}}
	err := d.db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE predicate_hash = $1) FROM quads`,
		hashValue(claim.PredHash)).Scan(&st.Quads, &st.Records)
	if err != nil {
		return st, d.readErr(err)
	}
	group := func(query string, args []any, add func(quad.IRI, int)) error {
		rows, err := d.db.QueryContext(ctx, query, args...)
		if err != nil {
			return d.readErr(err)
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var n int
			if err := rows.Scan(&name, &n); err != nil {
				return d.readErr(err)
			}
			add(quad.IRI(name), n)
		}
		return d.readErr(rows.Err())
	}
	err = group(`SELECT n.value_string, count(DISTINCT q.subject_hash) FROM quads q
		JOIN nodes n ON n.hash = q.object_hash WHERE q.predicate_hash = $1 AND n.iri GROUP BY n.value_string`,
		[]any{hashValue(claim.PredType)}, func(iri quad.IRI, n int) {
			if label, ok := claim.IDOf(iri); ok {
				st.Labels[label] += n
			}
		})
	if err != nil {
		return st, err
	}
	err = group(`SELECT n.value_string, count(*) FROM (SELECT DISTINCT subject_hash, predicate_hash, object_hash FROM quads) q
		JOIN nodes n ON n.hash = q.predicate_hash WHERE n.iri GROUP BY n.value_string`, nil, func(iri quad.IRI, n int) {
		if typ, ok := claim.RelType(iri); ok {
			st.Relationships[typ] += n
		}
	})
	return st, err
}
