package graph

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cayleygraph/quad"

	"claimgraph/graph/queryindex"
)

// indexName is the query index's file in an embedded store's directory.
// The index (package queryindex) is derived data: every write removes it,
// durably, before touching the store, so an index that exists was built
// after the last write; Store.Index rebuilds it (the load command does, at
// its end). Without one, reads go through Cayley's own indexes.
const indexName = "query.index"

// indexState says what a store knows of its query index file.
type indexState int8

const (
	indexUnknown indexState = iota // not looked for yet
	indexMapped                    // Store.index is the file, mapped
	indexAbsent                    // no file: reads go through Cayley
)

// queryIndex returns the store's query index, mapping it on first use, or
// nil when the store has none (or is not an embedded store).
func (s *Store) queryIndex() (*queryindex.Index, error) {
	switch {
	case s.indexState == indexMapped:
		return s.index, nil
	case s.indexState == indexAbsent || s.path == "" || s.sql != nil:
		return nil, nil
	}
	ix, err := queryindex.Open(filepath.Join(s.path, indexName))
	if err != nil {
		// Derived data: a damaged index is dropped and reads go through
		// Cayley until the next load rebuilds it.
		if rerr := os.Remove(filepath.Join(s.path, indexName)); rerr != nil {
			return nil, err
		}
		ix = nil
	}
	s.index, s.indexState = ix, indexMapped
	if ix == nil {
		s.indexState = indexAbsent
	}
	return ix, nil
}

func (s *Store) closeIndex() {
	s.index.Close()
	s.indexType = 0
	s.index, s.indexState = nil, indexUnknown
}

// dropIndex removes the query index, durably, before a write: an index
// file on disk is then always one built after the last write.
func (s *Store) dropIndex() error {
	if s.path == "" || s.sql != nil {
		return nil
	}
	if s.indexState == indexAbsent && s.index == nil {
		return nil
	}
	s.closeIndex()
	name := filepath.Join(s.path, indexName)
	if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("store %s: remove the query index before writing: %w", s.path, err)
	}
	if err := syncDir(s.path); err != nil {
		return fmt.Errorf("store %s: remove the query index before writing: %w", s.path, err)
	}
	s.indexState = indexAbsent
	return nil
}

// HasIndex reports whether reads are served by the query index.
func (s *Store) HasIndex() bool {
	ix, _ := s.queryIndex()
	return ix != nil
}

// Index builds the query index of an embedded store, unless it has a
// current one, and reports whether it built one; stores in a database
// server need none. It reads the whole store once (about a second per
// 400,000 quads) and holds every value and quad in memory while it sorts
// them.
func (s *Store) Index(ctx context.Context) (built bool, err error) {
	if s.path == "" || s.sql != nil || s.kv == nil {
		return false, nil
	}
	if ix, err := s.queryIndex(); err != nil || ix != nil {
		return false, err
	}
	if err := queryindex.Build(ctx, s.kv, filepath.Join(s.path, indexName)); err != nil {
		return false, fmt.Errorf("store %s: build the query index: %w", s.path, err)
	}
	s.indexState = indexUnknown
	return true, nil
}

// verifyIndex checks that the query index, if the store has one, holds
// exactly the quads of Cayley's log.
func (s *Store) verifyIndex(ctx context.Context) error {
	ix, err := s.queryIndex()
	if err != nil || ix == nil {
		return err
	}
	stored := map[[4]string]int{}
	err = s.cayleyQuads(ctx, func(q quad.Quad) error { stored[quadKey(q)]++; return nil })
	if err != nil {
		return err
	}
	extra := 0
	err = ix.Match(ctx, nil, func(q quad.Quad) error {
		k := quadKey(q)
		if stored[k] == 0 {
			extra++
		}
		stored[k]--
		return nil
	})
	if err != nil {
		return err
	}
	missing := 0
	for _, n := range stored {
		if n > 0 {
			missing += n
		}
	}
	if extra > 0 || missing > 0 {
		return fmt.Errorf("store %s: the query index differs from the store: %d quads missing, %d not in the store", s.path, missing, extra)
	}
	return nil
}

// HasLabel reports whether the node with this id has the label, in any
// record. ok is false when the store has no query index to answer from.
func (s *Store) HasLabel(id, label string) (found, ok bool) {
	ix, err := s.queryIndex()
	if ix == nil || err != nil {
		return false, false
	}
	if s.indexType == 0 {
		s.indexType = ix.Lookup(PredType)
	}
	return ix.Has(ix.LookupNamed(id, nodeByID), s.indexType, ix.LookupNamed(label, nodeByID)), true
}

// nodeByID is Node as queryindex.LookupNamed takes it.
var nodeByID = func(id string) quad.Value { return Node(id) }
