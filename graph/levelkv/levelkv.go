// Package levelkv opens leveldb as Cayley reads it, through hidalgo's flat
// key-value layer, and keeps the database itself at hand: the store's
// writer and the query index's log reader address its keys directly,
// since hidalgo builds every key anew, a byte at a time, and a load
// writes millions of them.
package levelkv

import (
	"bytes"

	hkv "github.com/hidal-go/hidalgo/kv"
	"github.com/hidal-go/hidalgo/kv/flat"
	hleveldb "github.com/hidal-go/hidalgo/kv/flat/leveldb"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

// DB is a leveldb store: KV as Cayley reads it, LevelDB the database
// under it.
type DB struct {
	hkv.KV
	LevelDB *leveldb.DB
}

// Open opens (or, as o says, creates) the leveldb database at path, with
// synchronous writes as Cayley's leveldb package opens it.
func Open(path string, o *opt.Options) (*DB, error) {
	ldb, err := leveldb.OpenFile(path, o)
	if err != nil {
		return nil, err
	}
	db := hleveldb.New(ldb)
	db.SetWriteOptions(&opt.WriteOptions{Sync: true})
	return &DB{KV: flat.Upgrade(db), LevelDB: ldb}, nil
}

// hidalgo joins a key's parts with sep, escaping sep and esc in them with
// esc.
const (
	sep = '/'
	esc = '\\'
)

// AppendKey appends to dst the key hidalgo stores key of bucket under.
func AppendKey(dst, bucket, key []byte) []byte {
	dst = appendEscaped(dst, bucket)
	dst = append(dst, sep)
	return appendEscaped(dst, key)
}

func appendEscaped(dst, part []byte) []byte {
	for len(part) > 0 {
		i := bytes.IndexAny(part, `/\`)
		if i < 0 {
			return append(dst, part...)
		}
		dst = append(append(dst, part[:i]...), esc, part[i])
		part = part[i+1:]
	}
	return dst
}

// Prefix is what every key of bucket stored by hidalgo starts with.
func Prefix(bucket []byte) []byte {
	return append(appendEscaped(nil, bucket), sep)
}

// AppendUnescaped appends to dst the part of a stored key after a bucket's
// Prefix, unescaped; ok is false if it has more parts than one.
func AppendUnescaped(dst, part []byte) (_ []byte, ok bool) {
	for i := 0; i < len(part); i++ {
		switch c := part[i]; {
		case c == esc && i+1 < len(part):
			i++
			dst = append(dst, part[i])
		case c == sep:
			return dst, false
		default:
			dst = append(dst, c)
		}
	}
	return dst, true
}
