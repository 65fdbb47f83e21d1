package graph

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	cgraph "github.com/cayleygraph/cayley/graph"
	ckv "github.com/cayleygraph/cayley/graph/kv"
	"github.com/cayleygraph/cayley/graph/kv/bbolt"
	"github.com/cayleygraph/cayley/graph/kv/bolt"
	"github.com/cayleygraph/quad"
	hkv "github.com/hidal-go/hidalgo/kv"
	"github.com/hidal-go/hidalgo/kv/flat"
	hleveldb "github.com/hidal-go/hidalgo/kv/flat/leveldb"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

// backend opens one of Cayley's key-value quad stores directly, without
// Cayley's registry (which misses badger and pebble at this version and
// gives bolt no lock timeout; the store's own lock file covers locking).
type backend struct {
	name     string
	createKV func(string, cgraph.Options) (hkv.KV, error)
	openKV   func(string, cgraph.Options) (hkv.KV, error)
}

var backends = map[string]backend{
	"leveldb": {"leveldb", createLevelDB, openLevelDB},
	"bolt":    {"bolt", bolt.Create, bolt.Open},
	"bbolt":   {"bbolt", bbolt.Create, bbolt.Open},
}

// createLevelDB and openLevelDB open leveldb as Cayley's leveldb package
// does (synchronous writes), with bloom filters in its tables: Cayley's
// layout is read mostly by exact key, and a load asks for many keys that
// are absent (values and index entries not yet stored), each of which
// otherwise searched every level of the tree.
func createLevelDB(path string, _ cgraph.Options) (hkv.KV, error) {
	return levelDB(path, &opt.Options{ErrorIfExist: true, Filter: filter.NewBloomFilter(10)})
}

func openLevelDB(path string, _ cgraph.Options) (hkv.KV, error) {
	return levelDB(path, &opt.Options{ErrorIfMissing: true, Filter: filter.NewBloomFilter(10)})
}

func levelDB(path string, o *opt.Options) (hkv.KV, error) {
	db, err := hleveldb.Open(path, o)
	if err != nil {
		return nil, err
	}
	db.SetWriteOptions(&opt.WriteOptions{Sync: true})
	return flat.Upgrade(db), nil
}

func backendNames() string {
	var names []string
	for n := range backends {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// indexes are Cayley's two default indexes, for forward and reverse
// traversal, plus one on (label, subject) that finds a record's quads
// without scanning the store.
var indexes = []ckv.QuadIndex{
	{Dirs: []quad.Direction{quad.Subject, quad.Predicate}},
	{Dirs: []quad.Direction{quad.Object, quad.Predicate, quad.Subject}},
	{Dirs: []quad.Direction{quad.Label, quad.Subject}},
}

func (b backend) init(path string) error {
	db, err := b.createKV(path, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := ckv.Init(db, nil); err != nil {
		return err
	}
	// Cayley's Init writes its default index list; replace it, and create
	// the new index's bucket, before the store is first opened.
	ctx := context.Background()
	list, err := json.Marshal(indexes)
	if err != nil {
		return err
	}
	return hkv.Update(ctx, db, func(tx hkv.Tx) error {
		for _, ind := range indexes {
			var dirs []byte
			for _, d := range ind.Dirs {
				dirs = append(dirs, d.Prefix())
			}
			_ = hkv.CreateBucket(ctx, tx, hkv.Key{dirs})
		}
		return tx.Put(ctx, hkv.Key{[]byte("meta"), []byte("indexes")}, list)
	})
}

// open opens the quad store without Cayley's write-side bloom filters (see
// Store.reopen).
func (b backend) open(path string) (cgraph.QuadStore, hkv.KV, error) {
	db, err := b.openKV(path, nil)
	if err != nil {
		return nil, nil, err
	}
	qs, err := ckv.New(db, cgraph.Options{ckv.OptNoBloom: true})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return qs, db, nil
}
