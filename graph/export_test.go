package graph

import (
	"context"

	"github.com/cayleygraph/quad"

	"claimgraph/graph/queryindex"
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

// IndexUpdates counts the query indexes built by updating a base.
func (s *Store) IndexUpdates() int { return s.indexUpdates }

// BuildIndexTo builds the store's query index from its whole log into
// the file at path.
func (s *Store) BuildIndexTo(ctx context.Context, path string) error {
	return queryindex.Build(ctx, s.kv.KV(), path)
}

// FailAfterRemovals makes every write that removes quads fail with err
// once its removals are committed, before it adds anything, as a write
// killed there would stop.
func (s *Store) FailAfterRemovals(err error) { s.afterRemovals = func() error { return err } }

// PendingName is the file listing the records a write rewrites.
const PendingName = pendingName

// FailNthAfterRemovals makes the nth write from now that removes quads
// fail with err once its removals are committed (the others pass).
func (s *Store) FailNthAfterRemovals(n int, err error) {
	s.afterRemovals = func() error {
		if n--; n == 0 {
			return err
		}
		return nil
	}
}

// RefreshChunk makes a batch's dependents be re-derived after it, n at a
// time, when there are more than n, until the returned function restores
// the default.
func RefreshChunk(n int) (restore func()) {
	old := refreshChunk
	refreshChunk = n
	return func() { refreshChunk = old }
}

// RefreshName is the file listing the dependents a write re-derives after
// its batch.
const RefreshName = refreshName

// Rederived returns how many stored records the store's writes have read
// to derive again, as dependents of the names they wrote.
func (s *Store) Rederived() int { return s.rederived }
