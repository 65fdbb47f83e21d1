package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cgraph "github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/cayley/graph/memstore"
	"github.com/cayleygraph/quad"

	"claimgraph/graph/claim"
	"claimgraph/graph/kvstore"
	"claimgraph/graph/queryindex"
	"claimgraph/graph/sqlstore"
)

// Store is a claim graph held in a Cayley quad store. A Store is safe for
// use by one goroutine at a time for writing; reads may run while no write
// is in progress. Close releases the store and its lock.
type Store struct {
	qs      cgraph.QuadStore // in memory or in a SQL database; see quadStore
	kv      *kvstore.Store   // on disk
	backend string           // the name of kv's backend
	path    string           // empty for the in-memory store
	lock    *fileLock
	opened  bool
	counts  countsCache
	sql     *sqlstore.DB // set for a store in PostgreSQL or CockroachDB

	readOnly bool // see Options.ReadOnly
	warn     func(msg string)

	index        *queryindex.Index // mapped on first read; see indexName
	indexState   indexState
	indexTerms   *indexTerms // numbers of predicates in index, once looked up
	indexUpdates int         // indexes built by updating a base (tests)

	reading    int    // read locks held (see ReadLock)
	unlockRead func() // releases the outermost one

	recovering bool   // writing the records of a pending list; see recoverPending
	rederived  int    // stored records read to be derived again (tests)
	names      *names // the stored records answering names; nil for a SQL store

	afterRemovals func() error // tests: a write's step between its removals and additions
}

// Options control how Open finds and creates a store.
type Options struct {
	// Backend names the key-value backend used when the store is created:
	// "bbolt" (the default), "bolt" or "leveldb". An existing store keeps the
	// backend it was created with.
	Backend string
	// Wait is how long to wait for a store held by another process before
	// giving up with a *BusyError. Zero fails at once.
	Wait time.Duration
	// NoCreate makes Open fail on a store that does not exist.
	NoCreate bool
	// ReadOnly opens an embedded store for reading only: Apply fails with
	// ErrReadOnly. A bbolt or bolt store is then opened read-only, which
	// skips reading its list of free pages into memory (a tenth of a point
	// lookup as a whole process), and processes that open it read-only
	// share it. A store that a stopped write left records to finish, or
	// without saved counts, is opened for writing all the same, to finish
	// them or save its counts.
	ReadOnly bool
	// Warn, if set, receives what the store notices and mends on its
	// own, such as a damaged query index.
	Warn func(msg string)
}

// ErrReadOnly is Apply's error on a store opened with Options.ReadOnly.
var ErrReadOnly = errors.New("the store was opened for reading only")

// DefaultBackend is the backend of new stores.
const DefaultBackend = kvstore.DefaultBackend

// ErrNotExist is returned by Open with NoCreate for a missing store.
var ErrNotExist = errors.New("store does not exist; create it by loading records (claimgraph load PATH) or with claimgraph init")

// descriptor is written last when a store is created, so a store whose
// creation was interrupted is recognised and created afresh.
type descriptor struct {
	Format  int    `json:"format"`
	Backend string `json:"backend"`
}

const (
	formatVersion  = 1
	descriptorName = "claimgraph.json"
	dataDir        = "data"
)

// Open opens the store at path, a directory, creating it if needed. Only
// one process may have a store open at a time, except that processes
// opening a bbolt or bolt store with Options.ReadOnly share it; another
// gets a *BusyError.
//
// A path that is a postgres:// (or postgresql://) or cockroach:// URL opens
// the graph in that database instead. Any number of processes may use it
// at once: writes queue for the graph's lock, and reads wait for the write
// in progress (see Store.ReadLock).
func Open(ctx context.Context, path string, o Options) (*Store, error) {
	if IsURL(path) {
		return openSQL(ctx, path, o)
	}
	if _, err := os.Stat(path); err != nil && o.NoCreate {
		return nil, fmt.Errorf("open store %s: %w", path, ErrNotExist)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("create store %s: %w", path, err)
	}
	// An empty directory, or one with a lock file left by an earlier
	// process, is a store whose creation was interrupted before its
	// descriptor was written.
	entries, _ := os.ReadDir(path)
	_, lockErr := os.Stat(filepath.Join(path, lockName))
	lock, err := acquire(ctx, path, o.Wait, o.ReadOnly && sharable(path))
	if err != nil {
		return nil, err
	}
	if lock.shared && needsWriter(path) {
		lock.release()
		if lock, err = acquire(ctx, path, o.Wait, false); err != nil {
			return nil, err
		}
	}
	o.ReadOnly = o.ReadOnly && !needsWriter(path)
	s, err := openLocked(path, o, lockErr == nil || len(entries) == 0)
	if err != nil {
		lock.release()
		return nil, err
	}
	s.lock = lock
	// Should the records of a stopped write not be written now (a full
	// disk, say), the store still opens for reading; its next write tries
	// again, and reports why it cannot. Once they are, the query index is
	// brought up to date, as a load does at its end.
	if s.readOnly {
		return s, nil // no records to finish: see needsWriter
	}
	if recovered, err := s.recoverPending(ctx); recovered && err == nil {
		s.Index(ctx)
	}
	return s, nil
}

// sharable reports whether processes that only read the store at path
// may hold it at once: it exists, and its backend opens read-only (bbolt
// and bolt; goleveldb locks its files for one process, reading or not).
func sharable(path string) bool {
	raw, err := os.ReadFile(filepath.Join(path, descriptorName))
	var d descriptor
	if err != nil || json.Unmarshal(raw, &d) != nil || d.Format != formatVersion {
		return false
	}
	return d.Backend == "bbolt" || d.Backend == "bolt"
}

// ReadOnly reports whether the store was opened for reading only (see
// Options.ReadOnly).
func (s *Store) ReadOnly() bool { return s.readOnly }

// openLocked opens or creates the store. A store whose creation was
// interrupted (by a kill, say) holds no records yet, and is created afresh
// even with NoCreate, so that a store always opens after a crash.
func openLocked(path string, o Options, interrupted bool) (*Store, error) {
	var d descriptor
	created := false
	raw, err := os.ReadFile(filepath.Join(path, descriptorName))
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, fmt.Errorf("open store %s: damaged %s: %v", path, descriptorName, err)
		}
		if d.Format != formatVersion {
			return nil, fmt.Errorf("open store %s: format %d, this claimgraph reads format %d", path, d.Format, formatVersion)
		}
	case errors.Is(err, os.ErrNotExist):
		if o.NoCreate && !interrupted {
			return nil, fmt.Errorf("open store %s: %w", path, ErrNotExist)
		}
		if d, err = create(path, o.Backend); err != nil {
			return nil, err
		}
		created = true
	default:
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if !kvstore.Known(d.Backend) {
		return nil, fmt.Errorf("open store %s: unknown backend %q", path, d.Backend)
	}
	s := &Store{backend: d.Backend, path: path, names: newNames(), readOnly: o.ReadOnly && !created, warn: o.Warn}
	if err := s.reopen(); err != nil {
		return nil, err
	}
	return s, nil
}

// create makes a new store in path, removing the remains of an interrupted
// creation. The descriptor is written last, atomically.
func create(path, name string) (descriptor, error) {
	if name == "" {
		name = DefaultBackend
	}
	if !kvstore.Known(name) {
		return descriptor{}, fmt.Errorf("unknown backend %q (want %s)", name, kvstore.Names())
	}
	data := filepath.Join(path, dataDir)
	if err := os.RemoveAll(data); err != nil {
		return descriptor{}, err
	}
	if err := kvstore.Create(data, name); err != nil {
		return descriptor{}, fmt.Errorf("create store %s: %w", path, err)
	}
	d := descriptor{Format: formatVersion, Backend: name}
	raw, _ := json.Marshal(d)
	tmp := filepath.Join(path, descriptorName+".tmp")
	if err := writeSynced(tmp, raw); err != nil {
		return d, err
	}
	if err := os.Rename(tmp, filepath.Join(path, descriptorName)); err != nil {
		return d, err
	}
	return d, syncDir(path)
}

func writeSynced(name string, data []byte) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// OpenMemory returns an empty store held in memory, backed by Cayley's
// memstore.
func OpenMemory() *Store {
	return &Store{qs: memstore.New(), opened: true, names: newNames()}
}

// reopen (re)opens the quad store. Cayley's KV stores keep caches that a
// failed write leaves wrong, so after any write error the store is reopened
// before it is used again.
func (s *Store) reopen() error {
	if s.path == "" || s.sql != nil {
		return nil
	}
	if s.kv != nil {
		s.opened = false
		if err := s.kv.Reopen(); err != nil {
			return fmt.Errorf("open store %s: %w", s.path, err)
		}
		s.opened = true
		return nil
	}
	kv, err := kvstore.Open(filepath.Join(s.path, dataDir), s.backend, s.readOnly)
	if err != nil {
		return fmt.Errorf("open store %s: %w", s.path, err)
	}
	s.kv, s.opened = kv, true
	return nil
}

// Path returns the directory of an on-disk store, or "" in memory or in
// a database server.
func (s *Store) Path() string { return s.path }

// Backend returns the name of the store's backend.
func (s *Store) Backend() string {
	switch {
	case s.sql != nil:
		return s.sql.Flavor()
	case s.path == "":
		return "memory"
	}
	return s.backend
}

// ReadLock makes the reads that follow, until release is called, see the
// store as it was between two writes. An embedded store needs nothing (its
// file lock keeps writers out); a SQL store, which other processes may be
// writing, holds its lock row shared, so a read waits for the write in
// progress and the next write waits for the read.
//
// Read locks nest: an inner one is free. A store must not be written while
// it holds one (Apply fails).
func (s *Store) ReadLock(ctx context.Context) (release func(), err error) {
	if s.sql == nil {
		return func() {}, nil
	}
	if s.reading == 0 {
		unlock, err := s.sql.Lock(ctx, false)
		if err != nil {
			return nil, err
		}
		s.unlockRead = unlock
	}
	s.reading++
	return func() {
		if s.reading--; s.reading == 0 {
			s.unlockRead()
		}
	}, nil
}

// QuadStore exposes the Cayley quad store for the query engine. Callers
// must close every iterator before the next write.
func (s *Store) QuadStore() cgraph.QuadStore { return s.quadStore() }

// quadStore is Cayley's quad store over the store's quads, which a write
// to disk may replace (see kvstore.Store.QuadStore).
func (s *Store) quadStore() cgraph.QuadStore {
	if s.kv != nil {
		return s.kv.QuadStore()
	}
	return s.qs
}

// KV is the key-value database of a store on disk (nil in memory or in a
// database server), for checks of its layout.
func (s *Store) KV() *kvstore.Store { return s.kv }

// Close closes the store and releases its lock.
func (s *Store) Close() error {
	s.closeIndex()
	var err error
	switch {
	case s.sql != nil:
		err = s.sql.Close() // its quad store with it
	case s.opened:
		err = s.quadStore().Close()
	}
	s.opened = false
	if s.lock != nil {
		s.lock.release()
		s.lock = nil
	}
	return err
}

// Quads calls fn for every quad in the store, in no particular order.
func (s *Store) Quads(ctx context.Context, fn func(quad.Quad) error) error {
	if s.sql != nil {
		return s.sql.Match(ctx, nil, fn)
	}
	if ix, err := s.queryIndex(); err != nil {
		return err
	} else if ix != nil {
		return ix.Match(ctx, nil, fn)
	}
	return s.cayleyQuads(ctx, fn)
}

// cayleyQuads is Quads read from Cayley's quad log.
func (s *Store) cayleyQuads(ctx context.Context, fn func(quad.Quad) error) error {
	qs := s.quadStore()
	it := qs.QuadsAllIterator().Iterate()
	defer it.Close()
	for it.Next(ctx) {
		q, err := qs.Quad(it.Result())
		if err != nil {
			return err
		}
		if err := fn(q); err != nil {
			return err
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	return ctx.Err()
}

// quadsWith calls fn for each quad whose direction d holds v.
func (s *Store) quadsWith(ctx context.Context, d quad.Direction, v quad.Value, fn func(quad.Quad)) error {
	s.readPages()
	if ok, err := s.Match(ctx, map[quad.Direction]quad.Value{d: v}, func(q quad.Quad) error { fn(q); return nil }); ok {
		return err
	}
	if d == quad.Label && s.kv != nil {
		if ok, err := s.kv.LabelQuads(ctx, v, fn); ok || err != nil {
			return err
		}
	}
	qs := s.quadStore()
	ref, err := qs.ValueOf(v)
	if err != nil {
		return err
	}
	if ref == nil {
		return nil
	}
	it := qs.QuadIterator(d, ref).Iterate()
	defer it.Close()
	for it.Next(ctx) {
		s.readPages()
		q, err := qs.Quad(it.Result())
		if err != nil {
			return err
		}
		fn(q)
	}
	if err := it.Err(); err != nil {
		return err
	}
	// Cayley's iterators stop quietly when ctx is done; a read cut short
	// must not pass for a complete one.
	return ctx.Err()
}

// readPages counts a read of a write (a value looked up, or a quad read),
// and lets go of the pages of the store's files read, the query index's
// with the key-value database's (see kvstore.Store.ReadPages).
func (s *Store) readPages() {
	if s.kv != nil && s.kv.ReadPages() && s.indexState == indexMapped && s.index != nil {
		s.index.Release()
	}
}

// FactsOf calls fn with the quads whose subject is the node with this id,
// bookkeeping left out: its labels, properties and relationships, each
// labelled with the record that produced it.
func (s *Store) FactsOf(ctx context.Context, id string, fn func(quad.Quad)) error {
	return s.quadsWith(ctx, quad.Subject, claim.Node(id), func(q quad.Quad) {
		if !claim.IsMeta(q.Predicate) {
			fn(q)
		}
	})
}

// matchAny calls fn with each quad whose direction d holds one of values
// and whose other directions hold the fixed values: in a few queries on a
// SQL store, one index lookup per value otherwise.
func (s *Store) matchAny(ctx context.Context, d quad.Direction, values []quad.Value, fixed map[quad.Direction]quad.Value, fn func(quad.Quad)) error {
	if s.sql != nil {
		return s.sql.MatchAny(ctx, d, values, fixed, fn)
	}
	for _, v := range values {
		err := s.quadsWith(ctx, d, v, func(q quad.Quad) {
			for fd, fv := range fixed {
				if q.Get(fd) != fv {
					return
				}
			}
			fn(q)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
