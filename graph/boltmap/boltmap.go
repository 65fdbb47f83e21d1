// Package boltmap lets go of the pages of a bolt or bbolt store's file
// that a process has read through the store's memory map (and of other
// read-only maps of files, such as the query index's).
//
// Bolt maps its whole file and reads it through the map, so every page a
// process has read stays in its resident memory until the map goes. A
// long load reads pages all over the file, and its resident memory grew
// with the store (3.3 GiB of mapped pages at 100k sources). Bolt maps the
// file read-only and shared, so the pages let go of stay in the kernel's
// page cache, and a later read maps them again without reading the disk.
package boltmap

import (
	"unsafe"

	bolt "github.com/boltdb/bolt"
	hkv "github.com/hidal-go/hidalgo/kv"
	hbbolt "github.com/hidal-go/hidalgo/kv/bbolt"
	hbolt "github.com/hidal-go/hidalgo/kv/bolt"
	bbolt "go.etcd.io/bbolt"
)

// Release lets go of the pages of kv's file that the process has mapped,
// where kv is a bolt or bbolt store; other stores are left alone. A page
// read again is mapped again.
//
// It works inside a read transaction: bolt maps the file anew only when
// none is open, so the map stays where it is meanwhile, and the part
// holding the transaction's pages (its size) is surely mapped — the file
// itself can be longer than the map, and advising addresses past the map
// would wipe whatever memory lies there.
func Release(kv hkv.KV) {
	switch db := kv.(type) {
	case *hbolt.DB:
		db.DB().View(func(tx *bolt.Tx) error { ReleaseTx(tx); return nil })
	case *hbbolt.DB:
		db.DB().View(func(tx *bbolt.Tx) error { ReleaseTx(tx); return nil })
	}
}

// ReleaseTx is Release inside tx, an open transaction of bolt (*bolt.Tx)
// or bbolt (*bbolt.Tx), for a long read or write to let go of what it has
// read as it goes. Pages it reads afterwards (its cursors' and nodes'
// included) are mapped again from the page cache, unchanged: a write
// transaction writes its pages only as it commits, and not over pages it
// read. Its size (Tx.Size) is the part of the file the map surely holds
// until then.
func ReleaseTx(tx any) {
	switch tx := tx.(type) {
	case *bolt.Tx:
		dontNeed(tx.DB().Info().Data, tx.Size())
	case *bbolt.Tx:
		dontNeed(tx.DB().Info().Data, tx.Size())
	}
}

// ReleaseMapping lets go of the pages of data, the whole of a read-only
// shared memory map of a file, which the process has read.
func ReleaseMapping(data []byte) {
	if len(data) > 0 {
		dontNeed(uintptr(unsafe.Pointer(&data[0])), int64(len(data)))
	}
}
