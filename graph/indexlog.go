package graph

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"

	bolt "github.com/boltdb/bolt"
	hkv "github.com/hidal-go/hidalgo/kv"
	hbbolt "github.com/hidal-go/hidalgo/kv/bbolt"
	hbolt "github.com/hidal-go/hidalgo/kv/bolt"
	"github.com/hidal-go/hidalgo/kv/options"
	bbolt "go.etcd.io/bbolt"
)

// kvLog reads Cayley's log in a key-value store for queryindex.Update:
// on bolt and bbolt from the first new record on, elsewhere (leveldb)
// by scanning the log's keys.
type kvLog struct{ kv hkv.KV }

func (l kvLog) Since(ctx context.Context, h uint64, fn func([]byte) error) error {
	from := binary.BigEndian.AppendUint64(nil, h+1)
	switch db := l.kv.(type) {
	case *hbolt.DB:
		return db.DB().View(func(tx *bolt.Tx) error {
			b := tx.Bucket(logBucketName)
			if b == nil {
				return nil
			}
			c := b.Cursor()
			for k, v := c.Seek(from); k != nil; k, v = c.Next() {
				if err := fn(v); err != nil {
					return err
				}
			}
			return nil
		})
	case *hbbolt.DB:
		return db.DB().View(func(tx *bbolt.Tx) error {
			b := tx.Bucket(logBucketName)
			if b == nil {
				return nil
			}
			c := b.Cursor()
			for k, v := c.Seek(from); k != nil; k, v = c.Next() {
				if err := fn(v); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return hkv.View(ctx, l.kv, func(tx hkv.Tx) error {
		it := tx.Scan(ctx, options.WithPrefixKV(hkv.Key{logBucketName}))
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

func (l kvLog) Get(ctx context.Context, id uint64) ([]byte, error) {
	var rec []byte
	err := hkv.View(ctx, l.kv, func(tx hkv.Tx) error {
		v, err := tx.Get(ctx, hkv.Key{logBucketName, binary.BigEndian.AppendUint64(nil, id)})
		if errors.Is(err, hkv.ErrNotFound) {
			return nil
		}
		rec = slices.Clone(v)
		return err
	})
	return rec, err
}
