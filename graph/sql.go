package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/cayleygraph/quad"

	"claimgraph/graph/claim"
	"claimgraph/graph/sqlstore"
)

// IsURL reports whether a --db argument names a database server rather
// than a directory.
func IsURL(db string) bool { return sqlstore.IsURL(db) }

// Redact returns a store's location fit for messages: a database URL
// without its passwords, a directory as it is.
func Redact(db string) string {
	if !IsURL(db) {
		return db
	}
	return sqlstore.Redact(db)
}

// openSQL opens the graph in the database at dbURL, creating the schema
// unless o.NoCreate is set.
func openSQL(ctx context.Context, dbURL string, o Options) (*Store, error) {
	d, err := sqlstore.Open(ctx, dbURL, !o.NoCreate)
	if errors.Is(err, sqlstore.ErrNoGraph) {
		return nil, fmt.Errorf("open store %s: %w", sqlstore.Redact(dbURL), ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	if o.Backend != "" && o.Backend != d.Flavor() {
		d.Close()
		return nil, fmt.Errorf("open store %s: backend %q is for store directories; a database URL's scheme names its backend", d, o.Backend)
	}
	return &Store{qs: d.QuadStore(), sql: d, opened: true}, nil
}

// sqlChange turns rewrites into the quads that actually change. Unlike the
// key-value stores, a SQL store removes and adds in one transaction, so a
// quad kept by a new version is not touched at all.
func sqlChange(rws []rewrite) sqlstore.Change {
	c := sqlstore.Change{Counts: claim.NewCounts()}
	for _, rw := range rws {
		old := map[[4]string]bool{}
		for _, q := range rw.old {
			old[claim.QuadKey(q)] = true
		}
		kept := map[[4]string]bool{}
		for _, q := range rw.new {
			k := claim.QuadKey(q)
			if old[k] {
				kept[k] = true
				continue
			}
			c.Add = append(c.Add, q)
			c.Counts.Add(q, 1)
		}
		for _, q := range rw.old {
			if !kept[claim.QuadKey(q)] {
				c.Delete = append(c.Delete, q)
				c.Counts.Add(q, -1)
			}
		}
	}
	return c
}

// Match calls fn with every quad whose directions hold the given values,
// through the store's fast path: one query in a SQL store, the query index
// in an embedded store that has one. Without either it reports ok == false
// and the caller reads through Cayley's iterators instead.
func (s *Store) Match(ctx context.Context, fixed map[quad.Direction]quad.Value, fn func(quad.Quad) error) (ok bool, err error) {
	if s.sql != nil {
		return true, s.sql.Match(ctx, fixed, fn)
	}
	ix, err := s.queryIndex()
	if ix == nil || err != nil {
		return err != nil, err
	}
	return true, ix.Match(ctx, fixed, fn)
}

// MatchAny calls fn with each quad whose direction d holds one of values
// and whose other directions hold the fixed values: in a few queries in a
// SQL store, where one query for many nodes saves a round trip per node, or
// from the query index; other stores report ok == false.
func (s *Store) MatchAny(ctx context.Context, d quad.Direction, values []quad.Value, fixed map[quad.Direction]quad.Value, fn func(quad.Quad)) (ok bool, err error) {
	if s.sql != nil {
		return true, s.sql.MatchAny(ctx, d, values, fixed, fn)
	}
	ix, err := s.queryIndex()
	if ix == nil || err != nil {
		return err != nil, err
	}
	f := make(map[quad.Direction]quad.Value, len(fixed)+1)
	for k, v := range fixed {
		f[k] = v
	}
	for _, v := range values {
		f[d] = v
		if err := ix.Match(ctx, f, func(q quad.Quad) error { fn(q); return nil }); err != nil {
			return true, err
		}
	}
	return true, nil
}

// Batches reports whether reads should be gathered into MatchAny calls.
func (s *Store) Batches() bool { return s.sql != nil }

// Verify checks what a store keeps besides its quads against a recount of
// them: in a SQL store, every value's reference count and the counts
// table; in an embedded store, the query index and the saved counts
// unless they are marked for a recount.
func (s *Store) Verify(ctx context.Context) error {
	if s.sql == nil {
		if err := s.verifyIndex(ctx); err != nil {
			return err
		}
		return s.verifyCounts(ctx)
	}
	release, err := s.ReadLock(ctx)
	if err != nil {
		return err
	}
	defer release()
	if err := s.sql.CheckReferences(ctx); err != nil {
		return err
	}
	stored, err := s.sql.Counts(ctx)
	if err != nil {
		return err
	}
	recount := claim.NewCounts()
	if err := s.Quads(ctx, func(q quad.Quad) error { recount.Add(q, 1); return nil }); err != nil {
		return err
	}
	if !stored.Same(recount) {
		return fmt.Errorf("store %s: counts table %v differs from a recount %v", s.sql, *stored, *recount)
	}
	return nil
}
