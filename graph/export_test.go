package graph

import (
	"context"

	"github.com/cayleygraph/quad"
)

// ThroughCayley runs fn with the store's reads going through Cayley's
// indexes, as if the store had no query index.
func (s *Store) ThroughCayley(fn func()) {
	ix, state := s.index, s.indexState
	s.index, s.indexState = nil, indexAbsent
	defer func() { s.index, s.indexState = ix, state }()
	fn()
}

// IndexName is the query index's file name in a store's directory.
const IndexName = indexName

// ThroughCayleyMatch calls fn with the quads whose direction d holds v,
// read through Cayley's indexes.
func (s *Store) ThroughCayleyMatch(ctx context.Context, d quad.Direction, v quad.Value, fn func(quad.Quad)) (err error) {
	s.ThroughCayley(func() { err = s.quadsWith(ctx, d, v, fn) })
	return err
}

// LabelSetsAt makes HasLabel build a label's set after n tests, until the
// returned function restores the default.
func LabelSetsAt(n int) (restore func()) {
	old := labelSetAfter
	labelSetAfter = n
	return func() { labelSetAfter = old }
}
