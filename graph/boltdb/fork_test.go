package bolt_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	bolt "github.com/boltdb/bolt"
)

// TestForkWritePath exercises what the copy changed (FORK.md): keys put in
// order and out of it, a node spanning overflow pages rewritten (freed from
// the overflow it was read with), many child buckets spilled in order of
// name, pages written together. After every commit the file must check
// clean — every page reachable or free, none both — and hold what was put,
// also when opened again.
func TestForkWritePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	db, err := bolt.Open(path, 0600, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string][]byte{}
	put := func(bucket, key string, value []byte) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte(bucket))
			if err != nil {
				return err
			}
			if want[bucket] == nil {
				want[bucket] = map[string][]byte{}
			}
			want[bucket][key] = value
			return b.Put([]byte(key), value)
		}
	}
	check := func(db *bolt.DB) {
		t.Helper()
		err := db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			for name, keys := range want {
				b := tx.Bucket([]byte(name))
				if b == nil {
					return fmt.Errorf("bucket %q missing", name)
				}
				n := 0
				b.ForEach(func(k, v []byte) error { n++; return nil })
				if n != len(keys) {
					return fmt.Errorf("bucket %q: %d keys, want %d", name, n, len(keys))
				}
				for k, v := range keys {
					if got := b.Get([]byte(k)); !bytes.Equal(got, v) {
						return fmt.Errorf("bucket %q key %q: %d bytes, want %d", name, k, len(got), len(v))
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	steps := []func(tx *bolt.Tx) error{
		// In order: each key past the node's last.
		func(tx *bolt.Tx) error {
			for i := 0; i < 20000; i++ {
				if err := put("log", fmt.Sprintf("%08d", i), []byte(fmt.Sprint(i)))(tx); err != nil {
					return err
				}
			}
			return nil
		},
		// Out of order, between the keys above, and replacing some.
		func(tx *bolt.Tx) error {
			for i := 19999; i >= 0; i -= 3 {
				if err := put("log", fmt.Sprintf("%08d", i), []byte("again"))(tx); err != nil {
					return err
				}
				if err := put("log", fmt.Sprintf("%08d.5", i), []byte("between"))(tx); err != nil {
					return err
				}
			}
			return nil
		},
		// A leaf spanning overflow pages, then rewritten with a small key.
		put("big", "a", bytes.Repeat([]byte{'x'}, 40000)),
		put("big", "b", []byte("small")),
		// Many child buckets, created in one transaction, then changed.
		func(tx *bolt.Tx) error {
			for i := 0; i < 3000; i++ {
				if err := put(fmt.Sprintf("n%04x", i*7919%65536), "k", []byte{byte(i)})(tx); err != nil {
					return err
				}
			}
			return nil
		},
		func(tx *bolt.Tx) error {
			for i := 0; i < 3000; i += 2 {
				if err := put(fmt.Sprintf("n%04x", i*7919%65536), "k2", bytes.Repeat([]byte{byte(i)}, 100))(tx); err != nil {
					return err
				}
			}
			return nil
		},
	}
	for i, step := range steps {
		if err := db.Update(step); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		check(db)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = bolt.Open(path, 0600, nil); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check(db)
}
