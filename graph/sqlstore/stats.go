package sqlstore

import (
	"claimgraph/graph/claim"
	"context"

	"github.com/cayleygraph/quad"
)

// Stats counts in the database what graph.Store.Stats counts in a scan.
func (d *DB) Stats(ctx context.Context) (claim.Stats, error) {
	st := claim.Stats{Labels: map[string]int{}, Relationships: map[string]int{}}
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
