package queryindex

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	bolt "github.com/boltdb/bolt"
	hkv "github.com/hidal-go/hidalgo/kv"
	hbbolt "github.com/hidal-go/hidalgo/kv/bbolt"
	hbolt "github.com/hidal-go/hidalgo/kv/bolt"
	"github.com/hidal-go/hidalgo/kv/options"
	"github.com/syndtr/goleveldb/leveldb/util"
	bbolt "go.etcd.io/bbolt"

	"claimgraph/graph/boltmap"
	"claimgraph/graph/levelkv"
)

var logBucket = []byte("log")

// kvLog reads Cayley's log in a key-value store: from a record on, by a
// seek on bolt and bbolt, elsewhere (leveldb) by scanning the log's keys.
type kvLog struct {
	kv hkv.KV
	// keys, where set, bounds the keys a leveldb log is read between:
	// from keys[0] on, and before keys[1] (see halves)
	keys [2][]byte
}

// inOrder tells whether since reads records in id order (bolt and bbolt;
// leveldb's keys, as hidalgo encodes them, are not in that order).
func (l kvLog) inOrder() bool {
	switch l.kv.(type) {
	case *hbolt.DB, *hbbolt.DB:
		return true
	}
	return false
}

// since calls fn with every record whose id exceeds h, in id order where
// inOrder. On leveldb it may stop after the records with ids up to upTo
// (0: no bound), and it reads only the keys between the least and the
// greatest that ids in (h, upTo] have (see escapedOrder).
func (l kvLog) since(ctx context.Context, h, upTo uint64, fn func([]byte) error) error {
	from := binary.BigEndian.AppendUint64(nil, h+1)
	switch db := l.kv.(type) {
	case *hbolt.DB:
		return db.DB().View(func(tx *bolt.Tx) error {
			if b := tx.Bucket(logBucket); b != nil {
				return seek(b.Cursor(), from, releasing(tx, fn))
			}
			return nil
		})
	case *hbbolt.DB:
		return db.DB().View(func(tx *bbolt.Tx) error {
			if b := tx.Bucket(logBucket); b != nil {
				return seek(b.Cursor(), from, releasing(tx, fn))
			}
			return nil
		})
	case *levelkv.DB:
		prefix := levelkv.Prefix(logBucket)
		r := util.BytesPrefix(prefix)
		if h < 1<<64-1 {
			r.Start = logKey(leastKeyFrom(h + 1))
		}
		if upTo > 0 {
			// the greatest key itself, and nothing after it: no key
			// extends another
			r.Limit = append(logKey(greatestKeyUpTo(upTo)), 0)
		}
		if from := l.keys[0]; from != nil && bytes.Compare(from, r.Start) > 0 {
			r.Start = from
		}
		if to := l.keys[1]; to != nil && bytes.Compare(to, r.Limit) < 0 {
			r.Limit = to
		}
		it := db.LevelDB.NewIterator(r, nil)
		defer it.Release()
		var id []byte
		for it.Next() {
			var ok bool
			id, ok = levelkv.AppendUnescaped(id[:0], it.Key()[len(prefix):])
			if ok && len(id) == 8 && binary.BigEndian.Uint64(id) > h {
				if err := fn(it.Value()); err != nil {
					return err
				}
			}
		}
		return it.Error()
	}
	return hkv.View(ctx, l.kv, func(tx hkv.Tx) error {
		it := tx.Scan(ctx, options.WithPrefixKV(hkv.Key{logBucket}))
		defer it.Close()
		for it.Next(ctx) {
			k := it.Key()
			if len(k) == 2 && len(k[1]) == 8 && binary.BigEndian.Uint64(k[1]) > h {
				if err := fn(it.Val()); err != nil {
					return err
				}
			}
		}
		return it.Err()
	})
}

// logHalf is half of a reading of the log: its records with ids in
// (h, upTo] that log reads.
type logHalf struct {
	log     kvLog
	h, upTo uint64
}

// halves splits the reading of the log's records in (h, upTo] (upTo > 0)
// in two, to be read at once: by id where the log is read in id order,
// else (leveldb) at the key of the middle id, each half still taking only
// the ids in the range.
func (l kvLog) halves(h, upTo uint64) [2]logHalf {
	mid := h + (upTo-h)/2
	if _, ok := l.kv.(*levelkv.DB); ok {
		split := logKey(mid + 1)
		first, second := l, l
		first.keys[1], second.keys[0] = split, split
		return [2]logHalf{{first, h, upTo}, {second, h, upTo}}
	}
	return [2]logHalf{{l, h, mid}, {l, mid, upTo}}
}

// records calls value with the id and encoding (valid during the call) of
// each value record of the log, and quad with the ids of each live quad
// record, for the records with ids in (h, upTo] (upTo 0: every one after
// h), and returns the largest id read.
func (l kvLog) records(ctx context.Context, h, upTo uint64, value func(id uint32, enc []byte), quad func(q [4]uint32)) (last uint64, err error) {
	errEnough := errors.New("enough")
	err = l.since(ctx, h, upTo, func(rec []byte) error {
		p, enc, err := decodePrimitive(rec)
		if err != nil {
			return fmt.Errorf("read the store's log: %w", err)
		}
		if upTo > 0 && p.id > upTo {
			if l.inOrder() {
				return errEnough
			}
			return nil
		}
		if p.id >= 1<<32-1 || p.dirs[0] >= 1<<32 || p.dirs[1] >= 1<<32 || p.dirs[2] >= 1<<32 || p.dirs[3] >= 1<<32 || len(enc) >= 1<<32 {
			return errTooLarge
		}
		switch {
		case p.id == 0:
			// not a record: the bucket's own entry on a flat store
			// (leveldb)
			return nil
		case len(enc) > 0: // a value (Cayley's IsNode)
			value(uint32(p.id), enc)
		case !p.deleted:
			quad([4]uint32{uint32(p.dirs[0]), uint32(p.dirs[1]), uint32(p.dirs[2]), uint32(p.dirs[3])})
		}
		last = max(last, p.id)
		return nil
	})
	if err == errEnough {
		err = nil
	}
	return last, err
}

// releaseEvery is how many bytes of its own file an update writes before
// it lets go of the pages of the base it has read (see package boltmap),
// releaseRecords how many records of the log a build or an update reads
// in order before it lets go of the store's pages read (a record takes
// about 180 bytes of its pages at 100k sources), and releaseSearches how
// many values an update looks up in its base, or in the log by id, before
// it lets go of both (a lookup reads up to 20 pages all over them). So
// what they map stays bounded: a build of the index of a 100k-source store
// had 1 GiB of the store's and its own files mapped.
const (
	releaseEvery    = 64 << 20
	releaseRecords  = 1 << 16
	releaseSearches = 1 << 11
)

// releasing returns fn, letting go of the pages of tx's store read after
// every releaseRecords records.
func releasing(tx any, fn func([]byte) error) func([]byte) error {
	read := 0
	return func(rec []byte) error {
		if read++; read == releaseRecords {
			boltmap.ReleaseTx(tx)
			read = 0
		}
		return fn(rec)
	}
}

// seek calls fn with the values of a bolt or bbolt cursor from key from on.
func seek(c interface {
	Seek([]byte) ([]byte, []byte)
	Next() ([]byte, []byte)
}, from []byte, fn func([]byte) error) error {
	for k, v := c.Seek(from); k != nil; k, v = c.Next() {
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// get returns the record of id, or nil if there is none.
func (l kvLog) get(ctx context.Context, id uint64) ([]byte, error) {
	var rec []byte
	err := hkv.View(ctx, l.kv, func(tx hkv.Tx) error {
		v, err := tx.Get(ctx, hkv.Key{logBucket, binary.BigEndian.AppendUint64(nil, id)})
		if errors.Is(err, hkv.ErrNotFound) {
			return nil
		}
		rec = slices.Clone(v)
		return err
	})
	return rec, err
}

// Horizon returns the last id Cayley gave in a store.
func Horizon(ctx context.Context, db hkv.KV) (uint64, error) {
	var h uint64
	err := hkv.View(ctx, db, func(tx hkv.Tx) error {
		v, err := tx.Get(ctx, hkv.Key{[]byte("meta"), []byte("horizon")})
		if errors.Is(err, hkv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(v) != 8 {
			return fmt.Errorf("store damaged: meta horizon has %d bytes", len(v))
		}
		h = binary.LittleEndian.Uint64(v)
		return nil
	})
	return h, err
}

// hidalgo escapes the bytes '/' and '\' of a leveldb key with a '\' before the
// byte, so the log's keys (big-endian ids) are not in id order: an id
// holding such a byte sorts after greater ids. Byte by byte, the escaped
// keys are in the order of escapedOrder, a byte's rank in which is
// escapedRank; of all the ids in a range, the least and the greatest key
// follow from it digit by digit.
var escapedOrder, escapedRank = func() (order [256]byte, rank [256]int) {
	code := func(b byte) []byte { return levelkv.AppendKey(nil, nil, []byte{b})[1:] }
	for i := range order {
		order[i] = byte(i)
	}
	slices.SortFunc(order[:], func(a, b byte) int { return bytes.Compare(code(a), code(b)) })
	for r, b := range order {
		rank[b] = r
	}
	return order, rank
}()

// greatestKeyUpTo returns the id, of those up to u, whose log key sorts
// last.
func greatestKeyUpTo(u uint64) uint64 { return extremeKey(u, true) }

// leastKeyFrom returns the id, of those from l on, whose log key sorts
// first.
func leastKeyFrom(l uint64) uint64 { return extremeKey(l, false) }

// extremeKey returns the id whose log key sorts last of the ids up to
// bound (greatest), or first of those from bound on: digit by digit, the
// bound's own byte, unless another on the range's side of it sorts
// further; past the first such, the byte that sorts furthest.
func extremeKey(bound uint64, greatest bool) uint64 {
	further := func(a, b byte) bool {
		if greatest {
			return escapedRank[a] > escapedRank[b]
		}
		return escapedRank[a] < escapedRank[b]
	}
	rest := escapedOrder[0]
	if greatest {
		rest = escapedOrder[255]
	}
	var bb, out [8]byte
	binary.BigEndian.PutUint64(bb[:], bound)
	for k := range 8 {
		best := bb[k]
		for b := range 256 {
			inside := greatest && b < int(bb[k]) || !greatest && b > int(bb[k])
			if inside && further(byte(b), best) {
				best = byte(b)
			}
		}
		out[k] = best
		if best != bb[k] {
			for j := k + 1; j < 8; j++ {
				out[j] = rest
			}
			break
		}
	}
	return binary.BigEndian.Uint64(out[:])
}

// logKey is the leveldb key of the log record of id.
func logKey(id uint64) []byte {
	return levelkv.AppendKey(nil, logBucket, binary.BigEndian.AppendUint64(nil, id))
}
