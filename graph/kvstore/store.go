// Package kvstore keeps quads on disk in Cayley's key-value layout: it
// creates and opens the embedded backends (bbolt, bolt, leveldb), writes
// and deletes batches of quads with writers of that layout that leave the
// keys Cayley's own would, and reads a label's quads past Cayley's
// iterators. Cayley's library opens what it writes.
//
// It knows quads, not records: what a quad means, which quads a record
// has and when a write is whole are package graph's. It must not import
// package graph, the claim model, the query index or anything above them.
package kvstore

import (
	"context"
	"fmt"
	"sync/atomic"

	bolt "github.com/boltdb/bolt"
	cgraph "github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"
	hkv "github.com/hidal-go/hidalgo/kv"
	hbbolt "github.com/hidal-go/hidalgo/kv/bbolt"
	hbolt "github.com/hidal-go/hidalgo/kv/bolt"
	bbolt "go.etcd.io/bbolt"

	"claimgraph/graph/boltmap"
)

// DefaultBackend is the backend of new stores. See docs/storage.md for
// the measurements that chose it.
const DefaultBackend = "bbolt"

// Store is the quads of one store directory's key-value database, open.
// It is used by one goroutine at a time for writing; reads may run while
// no write is in progress.
type Store struct {
	qs       cgraph.QuadStore
	kv       hkv.KV
	backend  backend
	dir      string
	readOnly bool

	cayleyWrites bool         // write with ApplyDeltas (tests compare the writers)
	adds         txSplit      // how many records one transaction adds
	sorted       sortedPuts   // leveldb: a transaction's puts, kept for the next
	written      *valueFilter // the values written, while the store has no others
	values       valuesByID   // values by id, read by LabelQuads
	reads        atomic.Int64 // reads counted by ReadPages
}

// Known reports whether name is a backend, and Names lists them all.
func Known(name string) bool { _, ok := backends[name]; return ok }

// Create makes a new, empty database of the named backend in dir, with
// the indexes claimgraph reads (see indexes).
func Create(dir, backendName string) error {
	b, ok := backends[backendName]
	if !ok {
		return fmt.Errorf("unknown backend %q (want %s)", backendName, Names())
	}
	return b.init(dir)
}

// Open opens the database of the named backend in dir. readOnly opens a
// bbolt or bolt file for reading only (see graph.Options.ReadOnly).
func Open(dir, backendName string, readOnly bool) (*Store, error) {
	b, ok := backends[backendName]
	if !ok {
		return nil, fmt.Errorf("unknown backend %q", backendName)
	}
	s := &Store{backend: b, dir: dir, readOnly: readOnly}
	var err error
	if s.qs, s.kv, err = b.open(dir, readOnly); err != nil {
		return nil, err
	}
	return s, nil
}

// Reopen closes the database and opens it again. Cayley's quad store
// keeps caches that a failed write leaves wrong, so after any write error
// the store is reopened before it is used again.
func (s *Store) Reopen() error {
	s.qs.Close()
	qs, db, err := s.backend.open(s.dir, s.readOnly)
	if err != nil {
		return err
	}
	s.qs, s.kv = qs, db
	return nil
}

// Backend is the name of the store's backend.
func (s *Store) Backend() string { return s.backend.name }

// QuadStore is Cayley's quad store over the database. A deletion may
// replace it (see Remove): ask again after each write.
func (s *Store) QuadStore() cgraph.QuadStore { return s.qs }

// KV is the key-value database, for the query index's builds and for
// checks of the layout.
func (s *Store) KV() hkv.KV { return s.kv }

// Close closes the database.
func (s *Store) Close() error { return s.qs.Close() }

// Add adds quads as Cayley's ApplyDeltas with IgnoreDup would. The quads
// of one label (one record) must be consecutive: they are written in one
// transaction, and a cancelled write still writes every label it began.
func (s *Store) Add(ctx context.Context, quads []quad.Quad) error {
	if !s.cayleyWrites {
		return s.addQuads(ctx, quads)
	}
	ends := recordEnds(quads)
	for done := 0; done < len(ends); {
		n, part := s.adds.next(quads, ends, done)
		ds := make([]cgraph.Delta, len(part))
		for i, q := range part {
			ds[i] = cgraph.Delta{Quad: q, Action: cgraph.Add}
		}
		if err := s.qs.ApplyDeltas(ds, cgraph.IgnoreOpts{IgnoreDup: true, IgnoreMissing: true}); err != nil {
			return err
		}
		done += n
	}
	return nil
}

// Remove deletes quads in one transaction as ApplyDeltas with
// IgnoreMissing would: a quad not stored live is left alone.
func (s *Store) Remove(quads []quad.Quad) error {
	if !s.cayleyWrites {
		return s.removeQuads(quads)
	}
	ds := make([]cgraph.Delta, len(quads))
	for i, q := range quads {
		ds[i] = cgraph.Delta{Quad: q, Action: cgraph.Delete}
	}
	return s.qs.ApplyDeltas(ds, cgraph.IgnoreOpts{IgnoreDup: true, IgnoreMissing: true})
}

// LabelQuads calls fn with every live quad labelled v, and reports false
// where it cannot find them by label (the caller asks Cayley's iterators).
func (s *Store) LabelQuads(ctx context.Context, v quad.Value, fn func(quad.Quad)) (bool, error) {
	if s.cayleyWrites {
		return false, nil // what Cayley wrote, Cayley reads
	}
	return s.labelQuads(ctx, v, fn)
}

// ReadPages counts a read (a value looked up, a quad read) and, after
// every releaseReads of them, lets go of the pages of the database's file
// read so far (see package boltmap), reporting true: reads touch pages
// all over the file, and a write's lookups of 2,000 records' names and
// stored versions mapped 300–600 MiB of a 100k-source store.
func (s *Store) ReadPages() bool {
	if s.reads.Add(1)%releaseReads != 0 {
		return false
	}
	boltmap.Release(s.kv)
	return true
}

const releaseReads = 4096

// Check verifies the database with its engine's own check — every page of
// a bolt or bbolt file reachable once and well formed (bolt's Tx.Check);
// every key and value of leveldb readable (goleveldb has no check of its
// own, and its tables carry block checksums that reading verifies) — and
// then Cayley's layout against itself (see checkLayout).
func (s *Store) Check(ctx context.Context) (err error) {
	if err := s.checkEngine(ctx); err != nil {
		return err
	}
	return s.checkLayout(ctx)
}

func (s *Store) checkEngine(ctx context.Context) (err error) {
	defer func() {
		// A check reads damaged pages on purpose; bolt's walk may fail
		// on them in ways it does not report as errors.
		if r := recover(); r != nil {
			err = fmt.Errorf("the check failed on a damaged page: %v", r)
		}
	}()
	switch db := s.kv.(type) {
	case *hbbolt.DB:
		return db.DB().View(func(tx *bbolt.Tx) error { return firstOf(tx.Check()) })
	case *hbolt.DB:
		return db.DB().View(func(tx *bolt.Tx) error { return firstOf(tx.Check()) })
	}
	return hkv.View(ctx, s.kv, func(tx hkv.Tx) error {
		it := tx.Scan(ctx)
		defer it.Close()
		for it.Next(ctx) {
		}
		return it.Err()
	})
}

// File is the database's file (bolt, bbolt) or directory (leveldb), for
// messages.
func (s *Store) File() string {
	if s.backend.name == "leveldb" {
		return s.dir
	}
	return boltFile(s.dir)
}

// firstOf drains a check's errors (its walk runs until the channel
// closes) and returns the first, with how many others there were.
func firstOf(errs <-chan error) error {
	var first error
	n := 0
	for err := range errs {
		if n++; first == nil {
			first = err
		}
	}
	if n > 1 {
		return fmt.Errorf("%w (and %d more problems)", first, n-1)
	}
	return first
}
