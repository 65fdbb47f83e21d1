package kvstore

import (
	"context"
	"encoding/binary"
	"fmt"

	ckv "github.com/cayleygraph/cayley/graph/kv"
	cproto "github.com/cayleygraph/cayley/graph/proto"
	"github.com/cayleygraph/cayley/graph/refs"
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
	hkv "github.com/hidal-go/hidalgo/kv"
	"github.com/hidal-go/hidalgo/kv/options"
	"google.golang.org/protobuf/proto"
)

// checkLayout checks Cayley's layout against itself, which no engine's
// check sees (bolt keeps no checksums of what its pages hold): every value
// in the log is found by its hash under its id, every live quad refers to
// values the log holds, and every index lists every live quad under the
// quad's own ids. It holds the ids of the store's values and quads in
// memory, as a check may.
func (s *Store) checkLayout(ctx context.Context) error {
	return hkv.View(ctx, s.kv, func(tx hkv.Tx) error {
		raw, err := tx.Get(ctx, hkv.Key{metaBucketName, []byte("indexes")})
		if err != nil {
			return fmt.Errorf("the list of indexes cannot be read: %w", err)
		}
		indexes, err := decodeIndexes(raw)
		if err != nil {
			return err
		}
		values := map[uint64]refs.ValueHash{}
		type live struct{ ids [4]uint64 }
		quads := map[uint64]live{}
		it := tx.Scan(ctx, options.WithPrefixKV(hkv.Key{logBucketName}))
		for it.Next(ctx) {
			k := it.Key()
			if len(k) != 2 || len(k[1]) != 8 {
				continue
			}
			id := binary.BigEndian.Uint64(k[1])
			var p cproto.Primitive
			if err := proto.Unmarshal(it.Val(), &p); err != nil {
				it.Close()
				return fmt.Errorf("log entry %d does not decode: %v", id, err)
			}
			if p.ID != id {
				it.Close()
				return fmt.Errorf("log entry %d says it is %d", id, p.ID)
			}
			if len(p.Value) > 0 {
				v, err := pquads.UnmarshalValue(p.Value)
				if err != nil {
					it.Close()
					return fmt.Errorf("value %d does not decode: %v", id, err)
				}
				values[id] = refs.HashOf(v)
			} else if !p.Deleted {
				quads[id] = live{[4]uint64{p.Subject, p.Predicate, p.Object, p.Label}}
			}
		}
		if err := it.Close(); err != nil {
			return fmt.Errorf("the log cannot be read: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for id, h := range values {
			raw, err := tx.Get(ctx, hkv.Key{valueBucket('v', h), h[:]})
			if err != nil {
				return fmt.Errorf("value %d is not found by its hash (its bytes in the log changed?): %v", id, err)
			}
			if got, n := binary.Uvarint(raw); n <= 0 || got != id {
				return fmt.Errorf("value %d: its hash leads to id %d", id, got)
			}
		}
		for id, q := range quads {
			for i, vid := range q.ids {
				if vid == 0 {
					if i < 3 {
						return fmt.Errorf("quad %d has no %s", id, quad.Directions[i])
					}
					continue
				}
				if _, ok := values[vid]; !ok {
					return fmt.Errorf("quad %d refers to value %d, which the log does not hold", id, vid)
				}
			}
		}
		for _, ind := range indexes {
			listed := make(map[uint64]bool, len(quads))
			it := tx.Scan(ctx, options.WithPrefixKV(hkv.Key{indexBucket(ind)}))
			for it.Next(ctx) {
				k := it.Key()
				if len(k) != 2 || len(k[1]) != 8*len(ind.Dirs) {
					continue
				}
				for list := it.Val(); len(list) > 0; {
					qid, n := binary.Uvarint(list)
					if n <= 0 {
						it.Close()
						return fmt.Errorf("index %s entry %x does not decode", indexBucket(ind), k[1])
					}
					list = list[n:]
					q, ok := quads[qid]
					if !ok {
						continue // a dead quad, listed still (as Cayley leaves it)
					}
					if !sameKey(ind, k[1], q.ids) {
						it.Close()
						return fmt.Errorf("index %s lists quad %d under %x, not under its own ids", indexBucket(ind), qid, k[1])
					}
					listed[qid] = true
				}
			}
			if err := it.Close(); err != nil {
				return fmt.Errorf("index %s cannot be read: %w", indexBucket(ind), err)
			}
			for id, q := range quads {
				if !listed[id] && (q.ids[3] != 0 || !hasLabel(ind)) {
					return fmt.Errorf("index %s does not list quad %d", indexBucket(ind), id)
				}
			}
		}
		return ctx.Err()
	})
}

// sameKey reports whether an index key holds a quad's ids in the index's
// directions.
func sameKey(ind ckv.QuadIndex, key []byte, ids [4]uint64) bool {
	for i, d := range ind.Dirs {
		if binary.BigEndian.Uint64(key[8*i:]) != ids[dirSlot(d)] {
			return false
		}
	}
	return true
}

// hasLabel reports whether an index is keyed by label: quads without one
// are not in it.
func hasLabel(ind ckv.QuadIndex) bool {
	for _, d := range ind.Dirs {
		if d == quad.Label {
			return true
		}
	}
	return false
}
