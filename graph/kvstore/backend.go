package kvstore

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"

	bolt "github.com/boltdb/bolt"
	cgraph "github.com/cayleygraph/cayley/graph"
	ckv "github.com/cayleygraph/cayley/graph/kv"
	"github.com/cayleygraph/quad"
	hkv "github.com/hidal-go/hidalgo/kv"
	hbbolt "github.com/hidal-go/hidalgo/kv/bbolt"
	hbolt "github.com/hidal-go/hidalgo/kv/bolt"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"
	bbolt "go.etcd.io/bbolt"

	"claimgraph/graph/levelkv"
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
	"bolt":    {"bolt", inNewDir(openBolt), openBolt},
	"bbolt":   {"bbolt", inNewDir(openBBolt), openBBolt},
}

// boltMapSize is the address space bolt and bbolt map a store in from the
// start. They map the file anew whenever it outgrows the map (doubling it
// up to 1 GiB) and, inside a write transaction, first copy every node the
// transaction holds out of the old map: a 10k load spent a tenth of its
// time there, and one transaction of 13,000 records almost half. Mapping
// a file beyond its end reserves addresses only; no memory or disk.
const boltMapSize = 8 << 30

// boltFile is where Cayley keeps a bolt or bbolt store in its directory.
func boltFile(dir string) string { return filepath.Join(dir, "indexes.bolt") }

// inNewDir makes open create the directory it opens a store in.
func inNewDir(open func(string, cgraph.Options) (hkv.KV, error)) func(string, cgraph.Options) (hkv.KV, error) {
	return func(path string, o cgraph.Options) (hkv.KV, error) {
		if err := os.MkdirAll(path, 0o700); err != nil {
			return nil, err
		}
		return open(path, o)
	}
}

func openBolt(path string, o cgraph.Options) (hkv.KV, error) {
	if err := checkBoltFile(boltFile(path)); err != nil {
		return nil, err
	}
	ro, _ := o.BoolKey(optReadOnly, false)
	return hbolt.Open(boltFile(path), &bolt.Options{InitialMmapSize: boltMapSize, ReadOnly: ro})
}

func openBBolt(path string, o cgraph.Options) (hkv.KV, error) {
	if err := checkBoltFile(boltFile(path)); err != nil {
		return nil, err
	}
	ro, _ := o.BoolKey(optReadOnly, false)
	return hbbolt.Open(boltFile(path), &bbolt.Options{InitialMmapSize: boltMapSize, ReadOnly: ro})
}

// optReadOnly asks openKV for a store opened for reading only (see
// Options.ReadOnly). leveldb opens for writing all the same: goleveldb
// keeps no list of free pages to skip.
const optReadOnly = "read_only"

// createLevelDB and openLevelDB open leveldb as Cayley's leveldb package
// does (synchronous writes), with levelOptions.
func createLevelDB(path string, _ cgraph.Options) (hkv.KV, error) {
	o := levelOptions()
	o.ErrorIfExist = true
	return levelDB(path, o)
}

func openLevelDB(path string, _ cgraph.Options) (hkv.KV, error) {
	o := levelOptions()
	o.ErrorIfMissing = true
	return levelDB(path, o)
}

// levelOptions are goleveldb's settings for claimgraph's stores. Bloom
// filters in the tables: Cayley's layout is read mostly by exact key, and
// a load asks for many keys that are absent (values and index entries not
// yet stored), each of which otherwise searched every level of the tree.
// Larger tables, write buffer and first level, and more tables in level 0
// before compacting and before writes wait: a batch's keys spread over
// the whole key space, so with goleveldb's defaults (2 MiB tables, 10 MiB
// first level, writes paused at 12 level-0 tables) every commit of a
// 100,000-source load waited for compactions that rewrote most of the
// store, which took 198 s of CPU against the writer's 132 s
// (docs/performance.md). The settings apply to each process that opens
// the store; goleveldb (and Cayley) open it with any.
func levelOptions() *opt.Options {
	return &opt.Options{
		Filter:                 filter.NewBloomFilter(10),
		CompactionTableSize:    8 << 20,
		CompactionTotalSize:    64 << 20,
		WriteBuffer:            16 << 20,
		CompactionL0Trigger:    8,
		WriteL0SlowdownTrigger: 16,
		WriteL0PauseTrigger:    24,
		TableSplit:             func(a, b []byte) bool { return a[0] != b[0] },
	}
}

func levelDB(path string, o *opt.Options) (hkv.KV, error) {
	db, err := levelkv.Open(path, o)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// quadStoreOptions open Cayley's quad store without its in-memory bloom
// filters: they would not see what this package's writer adds, and only
// ever sped up Cayley's own writes into an empty store.
var quadStoreOptions = cgraph.Options{ckv.OptNoBloom: true}

// Names lists the backends, for messages.
func Names() string {
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
func (b backend) open(path string, readOnly bool) (cgraph.QuadStore, hkv.KV, error) {
	db, err := b.openKV(path, cgraph.Options{optReadOnly: readOnly})
	if err != nil {
		return nil, nil, err
	}
	qs, err := ckv.New(db, quadStoreOptions)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return qs, db, nil
}
