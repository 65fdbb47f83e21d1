package kvstore

import (
	"bytes"
	"claimgraph/graph/levelkv"
	"context"
	"errors"
	"fmt"
	"os"

	bolt "github.com/boltdb/bolt"
	cproto "github.com/cayleygraph/cayley/graph/proto"
	"github.com/cayleygraph/cayley/graph/refs"
	"github.com/cayleygraph/quad"
	hkv "github.com/hidal-go/hidalgo/kv"
	hbbolt "github.com/hidal-go/hidalgo/kv/bbolt"
	hbolt "github.com/hidal-go/hidalgo/kv/bolt"
	bbolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// WriteThroughCayley makes the store add and delete quads with Cayley's
// ApplyDeltas instead of with its own writer.
func (s *Store) WriteThroughCayley() { s.cayleyWrites = true }

// WriteOwn makes the store add and delete quads with its own writer again.
func (s *Store) WriteOwn() { s.cayleyWrites = false }

// FilterHolds tells whether the store's filter of the values written is
// in use, and holds v.
func (s *Store) FilterHolds(v quad.Value) (inUse, holds bool) {
	if s.written == nil {
		return false, false
	}
	h := refs.HashOf(v)
	return true, s.written.mayHold(&h)
}

// TxRecords makes the store write n records per transaction (n > 0).
func (s *Store) TxRecords(n int) { s.adds.fixed = n }

// TraceTx makes the store call fn after each transaction that adds quads,
// with the records it held and its estimated cost.
func (s *Store) TraceTx(fn func(records, cost int)) { s.adds.trace = fn }

// TxBudget sets the cost at which a write is split into transactions,
// until the returned function restores the default.
func TxBudget(bytes int) (restore func()) {
	old := txCostBudget
	txCostBudget = bytes
	return func() { txCostBudget = old }
}

// RawKV returns every key and value of the key-value store under an
// on-disk store, one per line, with the write times in Cayley's log zeroed.
func (s *Store) RawKV(ctx context.Context) ([]string, error) {
	var out []string
	err := hkv.View(ctx, s.kv, func(tx hkv.Tx) error {
		it := tx.Scan(ctx)
		defer it.Close()
		for it.Next(ctx) {
			k, v := it.Key(), it.Val()
			line := fmt.Sprintf("%x = %x", bytes.Join(k, []byte("/")), v)
			if len(k) == 2 && string(k[0]) == "log" {
				var p cproto.Primitive
				if err := proto.Unmarshal(v, &p); err != nil {
					return fmt.Errorf("log entry %x: %w", k[1], err)
				}
				if p.Timestamp == 0 {
					return fmt.Errorf("log entry %x has no write time", k[1])
				}
				p.Timestamp = 0
				line = fmt.Sprintf("log/%x = id %d spol %d %d %d %d replaces %d deleted %v value %x",
					k[1], p.ID, p.Subject, p.Predicate, p.Object, p.Label, p.Replaces, p.Deleted, p.Value)
			}
			out = append(out, line)
		}
		return it.Err()
	})
	return out, err
}

// MapAddress is where a bolt or bbolt store's file is mapped in memory
// (it changes when the store maps its file anew), and the file's size.
func (s *Store) MapAddress() (addr uintptr, size int64, err error) {
	switch db := s.kv.(type) {
	case *hbbolt.DB:
		st, err := os.Stat(db.DB().Path())
		if err != nil {
			return 0, 0, err
		}
		return db.DB().Info().Data, st.Size(), nil
	case *hbolt.DB:
		st, err := os.Stat(db.DB().Path())
		if err != nil {
			return 0, 0, err
		}
		return db.DB().Info().Data, st.Size(), nil
	}
	return 0, 0, fmt.Errorf("store %s is not bolt or bbolt", s.Backend())
}

// LogFill is how full the pages of a bolt or bbolt store's quad log are:
// the bytes its leaves use over the bytes of their pages.
func (s *Store) LogFill() (float64, error) {
	switch db := s.kv.(type) {
	case *hbbolt.DB:
		var fill float64
		err := db.DB().View(func(tx *bbolt.Tx) error {
			st := tx.Bucket(logBucketName).Stats()
			fill = float64(st.LeafInuse) / float64(st.LeafAlloc)
			return nil
		})
		return fill, err
	case *hbolt.DB:
		var fill float64
		err := db.DB().View(func(tx *bolt.Tx) error {
			st := tx.Bucket(logBucketName).Stats()
			fill = float64(st.LeafInuse) / float64(st.LeafAlloc)
			return nil
		})
		return fill, err
	}
	return 0, fmt.Errorf("store %s is not bolt or bbolt", s.Backend())
}

// ReleaseInTxAlways makes write transactions let go of the pages they have
// read at every get and put, whatever the store's size, until the returned
// function restores the defaults.
func ReleaseInTxAlways() (restore func()) {
	from, every := releaseInTxFrom, releaseAccesses
	releaseInTxFrom, releaseAccesses = 0, 1
	return func() { releaseInTxFrom, releaseAccesses = from, every }
}

// TwoCoresAlways makes every write transaction find and look up its
// values on two cores, however few, until the returned function restores
// the defaults.
func TwoCoresAlways() (restore func()) {
	values, number := valuesShare, numberShare
	valuesShare, numberShare = 1, 1
	return func() { valuesShare, numberShare = values, number }
}

// LabelQuadsBoth returns the live quads labelled label, read
// by labelQuads and through Cayley's iterators.
func (s *Store) LabelQuadsBoth(ctx context.Context, label quad.Value) (own, cayley []quad.Quad, err error) {
	ok, err := s.labelQuads(ctx, label, func(q quad.Quad) { own = append(own, q) })
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, errors.New("the store has no index by label")
	}
	ref, err := s.qs.ValueOf(label)
	if err != nil || ref == nil {
		return own, nil, err
	}
	it := s.qs.QuadIterator(quad.Label, ref).Iterate()
	defer it.Close()
	for it.Next(ctx) {
		q, err := s.qs.Quad(it.Result())
		if err != nil {
			return nil, nil, err
		}
		cayley = append(cayley, q)
	}
	return own, cayley, it.Err()
}

// LevelTables returns leveldb's list of a leveldb store's tables, level by
// level (its "leveldb.sstables" property).
func (s *Store) LevelTables() (string, error) {
	return s.kv.(*levelkv.DB).LevelDB.GetProperty("leveldb.sstables")
}
