package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/cayleygraph/cayley/graph/refs"
	csql "github.com/cayleygraph/cayley/graph/sql"
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"

	"claimgraph/graph/claim"
)

// hashValue is a value's key in Cayley's SQL schema (nil for no value).
func hashValue(v quad.Value) []byte {
	if v == nil {
		return nil
	}
	h := refs.HashOf(v)
	return h[:]
}

// Change is what one write does to the database: quads to delete and to
// add (never the same quad in both), and the resulting change of counts.
type Change struct {
	Delete, Add []quad.Quad
	Counts      *claim.Counts
}

// Write applies a change in one transaction, in a few statements whatever
// its size: new values are inserted into nodes, quads deleted and inserted
// from arrays, the reference counts of the values touched adjusted (a value
// no quad uses any more is deleted, as Cayley does), and the counts table
// updated. Transactions the server aborts for contention are retried.
func (d *DB) Write(ctx context.Context, c Change) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = d.writeOnce(ctx, c)
		if err == nil || !retryable(err) || attempt == 5 {
			break
		}
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
	if err != nil {
		return fmt.Errorf("write to store %s failed: %w (the records written before are whole; this batch was not written)", d.shown, err)
	}
	return nil
}

func (d *DB) writeOnce(ctx context.Context, c Change) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Reference counts change by the quads deleted and added. The change
	// was worked out under the graph's lock from what is stored, so every
	// quad to delete exists and none to add does; the statements check it.
	refs := map[string]int64{}
	for _, q := range c.Delete {
		for _, v := range []quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
			refs[string(hashValue(v))]--
		}
	}
	if err := upsertNodes(ctx, tx, c.Add, refs); err != nil {
		return fmt.Errorf("insert values: %w", err)
	}
	exec := func(what string, want int, stmt string, qs []quad.Quad) error {
		cols, err := quadArrays(qs)
		if err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, stmt, cols[0], cols[1], cols[2], cols[3])
		if err != nil {
			return fmt.Errorf("%s quads: %w", what, err)
		}
		if n, err := r.RowsAffected(); err != nil || int(n) != want {
			return fmt.Errorf("%s quads: %d of %d rows (%v): the store changed under its lock", what, n, want, err)
		}
		return nil
	}
	if len(c.Delete) > 0 {
		err := exec("delete", len(c.Delete), `DELETE FROM quads q
			USING unnest($1::bytea[], $2::bytea[], $3::bytea[], $4::bytea[]) AS d(s, p, o, l)
			WHERE q.subject_hash = d.s AND q.predicate_hash = d.p AND q.object_hash = d.o AND q.label_hash = d.l`, c.Delete)
		if err != nil {
			return err
		}
	}
	if len(c.Add) > 0 {
		err := exec("insert", len(c.Add), `INSERT INTO quads (subject_hash, predicate_hash, object_hash, label_hash, ts)
			SELECT d.s, d.p, d.o, d.l, now() FROM unnest($1::bytea[], $2::bytea[], $3::bytea[], $4::bytea[]) AS d(s, p, o, l)`, c.Add)
		if err != nil {
			return err
		}
	}
	// What is left in refs are values only deleted from: fewer references,
	// and the values no quad uses any more go.
	if len(refs) > 0 {
		hashes := make([][]byte, 0, len(refs))
		deltas := make([]int64, 0, len(refs))
		for h, n := range refs {
			if n != 0 {
				hashes = append(hashes, []byte(h))
				deltas = append(deltas, n)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE nodes SET refs = nodes.refs + d.n
			FROM unnest($1::bytea[], $2::int8[]) AS d(h, n) WHERE nodes.hash = d.h`, hashes, deltas); err != nil {
			return fmt.Errorf("update value references: %w", err)
		}
	}
	if len(c.Delete) > 0 {
		var gone [][]byte
		for _, q := range c.Delete {
			for _, v := range []quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
				gone = append(gone, hashValue(v))
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM nodes WHERE hash = ANY($1::bytea[]) AND refs <= 0`, gone); err != nil {
			return fmt.Errorf("delete unused values: %w", err)
		}
	}
	if err := updateCountsTable(ctx, tx, c.Counts); err != nil {
		return fmt.Errorf("update counts: %w", err)
	}
	return tx.Commit()
}

// quadArrays returns the hashes of the quads' four directions as columns.
// Every quad claimgraph writes has a label (its record), which the delete
// relies on to use the unique index.
func quadArrays(qs []quad.Quad) ([4][][]byte, error) {
	var cols [4][][]byte
	for _, q := range qs {
		if q.Label == nil {
			return cols, fmt.Errorf("quad %s has no label", claim.FormatQuad(q))
		}
		for i, v := range []quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
			cols[i] = append(cols[i], hashValue(v))
		}
	}
	return cols, nil
}

// upsertNodes inserts the values of the added quads, each with its change
// of references (those of the added quads plus what refs holds from
// deletions), or adds that change to a stored value's count. The values
// handled are taken out of refs. Values are written in multi-row
// statements, one per kind of value (the columns differ).
func upsertNodes(ctx context.Context, tx *sql.Tx, add []quad.Quad, refs map[string]int64) error {
	type row struct {
		hash string
		vals []any
	}
	byType := map[csql.ValueType][]row{}
	delta := map[string]int64{}
	for _, q := range add {
		for _, v := range []quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
			h := csql.HashOf(v)
			k := string(h.ValueHash[:])
			if _, seen := delta[k]; !seen {
				typ, vals, err := nodeValues(h, v)
				if err != nil {
					return err
				}
				byType[typ] = append(byType[typ], row{k, vals})
				delta[k] = refs[k]
				delete(refs, k)
			}
			delta[k]++
		}
	}
	types := make([]csql.ValueType, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	for _, t := range types {
		rows := byType[t]
		// Sorted, so that concurrent writers would lock rows in one order.
		sort.Slice(rows, func(i, j int) bool { return rows[i].hash < rows[j].hash })
		cols := append([]string{"hash"}, t.Columns()...)
		per := len(cols) + 1
		const maxParams = 30000
		for start := 0; start < len(rows); {
			end := min(len(rows), start+maxParams/per)
			var b strings.Builder
			b.WriteString("INSERT INTO nodes (refs, " + strings.Join(cols, ", ") + ") VALUES ")
			args := make([]any, 0, (end-start)*per)
			for i, r := range rows[start:end] {
				if i > 0 {
					b.WriteString(", ")
				}
				args = append(args, delta[r.hash])
				fmt.Fprintf(&b, "($%d", len(args))
				for _, v := range r.vals {
					args = append(args, v)
					fmt.Fprintf(&b, ", $%d", len(args))
				}
				b.WriteString(")")
			}
			b.WriteString(" ON CONFLICT (hash) DO UPDATE SET refs = nodes.refs + EXCLUDED.refs")
			if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
				return err
			}
			start = end
		}
	}
	return nil
}

// nodeValues is csql.NodeValues, except for strings holding a NUL byte or
// the characters \x00: Cayley writes NUL as \x00 in a text column (which
// cannot hold NUL), so both would read back as NUL. Such values go into
// the binary value column in Cayley's own encoding instead, which reads
// back exactly (by Cayley too).
func nodeValues(h csql.NodeHash, v quad.Value) (csql.ValueType, []any, error) {
	var s string
	switch v := v.(type) {
	case quad.String:
		s = string(v)
	case quad.TypedString:
		s = string(v.Value)
	case quad.LangString:
		s = string(v.Value)
	case quad.IRI:
		s = string(v)
	case quad.BNode:
		s = string(v)
	}
	if strings.Contains(s, "\x00") || strings.Contains(s, `\x00`) {
		p, err := pquads.MarshalValue(v)
		return 0, []any{h.SQLValue(), p}, err
	}
	return csql.NodeValues(h, v)
}

// updateCountsTable adds a write's count changes to the counts table.
func updateCountsTable(ctx context.Context, tx *sql.Tx, c *claim.Counts) error {
	var kinds, names []string
	var ns []int64
	for kind, m := range map[string]map[string]int{"label": c.Labels, "rel": c.Relationships, "prop": c.Properties} {
		for name, n := range m {
			if n != 0 {
				kinds, names, ns = append(kinds, kind), append(names, name), append(ns, int64(n))
			}
		}
	}
	if len(kinds) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO `+countsTable+` (kind, name, n)
		SELECT * FROM unnest($1::text[], $2::text[], $3::int8[])
		ON CONFLICT (kind, name) DO UPDATE SET n = `+countsTable+`.n + EXCLUDED.n`, kinds, names, ns)
	return err
}

// Counts reads the counts table, kept in step with every write by
// whichever process writes.
func (d *DB) Counts(ctx context.Context) (*claim.Counts, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT kind, name, n FROM `+countsTable+` WHERE n > 0`)
	if err != nil {
		return nil, d.readErr(err)
	}
	defer rows.Close()
	c := claim.NewCounts()
	for rows.Next() {
		var kind, name string
		var n int
		if err := rows.Scan(&kind, &name, &n); err != nil {
			return nil, d.readErr(err)
		}
		switch kind {
		case "label":
			c.Labels[name] = n
		case "rel":
			c.Relationships[name] = n
		case "prop":
			c.Properties[name] = n
		}
	}
	return c, d.readErr(rows.Err())
}
