package kvstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	ckv "github.com/cayleygraph/cayley/graph/kv"
	cproto "github.com/cayleygraph/cayley/graph/proto"
	"github.com/cayleygraph/cayley/graph/refs"
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
	hkv "github.com/hidal-go/hidalgo/kv"
	"github.com/hidal-go/hidalgo/kv/options"
	"google.golang.org/protobuf/proto"
)

// This file reads a record's quads (those with its label) from a
// key-value store in Cayley's layout, where the query index cannot answer
// (during a load, after its first write). Through Cayley each quad read
// its log record and then each of its four values' log records, one at a
// time: re-deriving the 9,180 sources of the 10k store's renamed authors
// spent 10.7 s of 34 s reading their records. Here the (label, subject)
// index gives a record's quads, and each value is decoded once per
// process: a value's id is never given to another value (ids only grow),
// so what an id names never changes.

// labelIndex is the store's index listing quads by label first, if any.
func labelIndex(ctx context.Context, tx hkv.Tx) (*ckv.QuadIndex, error) {
	raw, err := tx.Get(ctx, hkv.Key{metaBucketName, []byte("indexes")})
	if err != nil {
		return nil, err
	}
	list, err := decodeIndexes(raw)
	if err != nil {
		return nil, err
	}
	for _, ind := range list {
		if len(ind.Dirs) > 0 && ind.Dirs[0] == quad.Label {
			return &ind, nil
		}
	}
	return nil, nil
}

// labelQuads calls fn with every live quad labelled v, and reports false
// if the store has no index to find them by.
func (s *Store) labelQuads(ctx context.Context, v quad.Value, fn func(quad.Quad)) (bool, error) {
	found := true
	err := hkv.View(ctx, s.kv, func(tx hkv.Tx) error {
		ind, err := labelIndex(ctx, tx)
		if err != nil || ind == nil {
			found = false
			return err
		}
		h := refs.HashOf(v)
		raw, err := tx.Get(ctx, hkv.Key{valueBucket('v', h), h[:]})
		if errors.Is(err, hkv.ErrNotFound) || err == nil && len(raw) == 0 {
			return nil // no quad has the label
		}
		if err != nil {
			return err
		}
		label, _ := binary.Uvarint(raw)
		var ids []uint64
		prefix := binary.BigEndian.AppendUint64(nil, label)
		it := tx.Scan(ctx, options.WithPrefixKV(hkv.Key{indexBucket(*ind), prefix}))
		for it.Next(ctx) {
			if k := it.Key(); len(k) != 2 || !bytes.HasPrefix(k[1], prefix) {
				continue
			}
			for list := it.Val(); len(list) > 0; {
				id, n := binary.Uvarint(list)
				if n <= 0 {
					it.Close()
					return fmt.Errorf("store damaged: index %s entry %x does not decode", indexBucket(*ind), it.Key())
				}
				list = list[n:]
				ids = append(ids, id)
			}
		}
		if err := it.Close(); err != nil {
			return err
		}
		for _, id := range ids {
			s.ReadPages()
			p, err := logRecord(ctx, tx, id)
			if err != nil {
				return err
			}
			if p.Deleted || p.Label != label {
				continue
			}
			var q quad.Quad
			for i, d := range quad.Directions {
				vid := [4]uint64{p.Subject, p.Predicate, p.Object, p.Label}[i]
				if vid == 0 {
					continue
				}
				val, err := s.valueOf(ctx, tx, vid)
				if err != nil {
					return err
				}
				q.Set(d, val)
			}
			fn(q)
		}
		return ctx.Err() // a read cut short must not pass for a complete one
	})
	return found, err
}

// logRecord reads the log record with id.
func logRecord(ctx context.Context, tx hkv.Tx, id uint64) (*cproto.Primitive, error) {
	raw, err := tx.Get(ctx, hkv.Key{logBucketName, binary.BigEndian.AppendUint64(nil, id)})
	if err != nil {
		return nil, fmt.Errorf("store damaged: log entry %d: %w", id, err)
	}
	var p cproto.Primitive
	if err := proto.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("store damaged: log entry %d: %w", id, err)
	}
	return &p, nil
}

// valueOf returns the value with id, decoded once per process.
func (s *Store) valueOf(ctx context.Context, tx hkv.Tx, id uint64) (quad.Value, error) {
	if v, ok := s.values.get(id); ok {
		return v, nil
	}
	p, err := logRecord(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	v, err := pquads.UnmarshalValue(p.Value)
	if err != nil {
		return nil, fmt.Errorf("store damaged: value %d: %w", id, err)
	}
	s.values.put(id, v)
	return v, nil
}

// valuesByID holds values by id, up to maxValuesByID of them.
type valuesByID struct {
	mu sync.Mutex
	m  map[uint64]quad.Value
}

const maxValuesByID = 1 << 20

func (c *valuesByID) get(id uint64) (quad.Value, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[id]
	return v, ok
}

func (c *valuesByID) put(id uint64, v quad.Value) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxValuesByID {
		c.m = map[uint64]quad.Value{}
	}
	c.m[id] = v
}
