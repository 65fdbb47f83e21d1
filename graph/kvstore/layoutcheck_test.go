package kvstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
	hkv "github.com/hidal-go/hidalgo/kv"
	"github.com/hidal-go/hidalgo/kv/options"

	cproto "github.com/cayleygraph/cayley/graph/proto"
	"google.golang.org/protobuf/proto"
)

// TestCheckLayout: a store as written passes; a value whose bytes in the
// log changed (what a damaged page of a bolt file, which keeps no
// checksums, can do), and a quad an index no longer lists, are found.
func TestCheckLayout(t *testing.T) {
	for _, backend := range []string{"bbolt", "leveldb"} {
		t.Run(backend, func(t *testing.T) {
			st, _ := newStore(t, backend)
			apply(t, st, readChanges(t, filepath.Join(root, "000_7e1f6717d204dd7e.txt"))...)
			kv := st.KV()
			ctx := context.Background()
			if err := kv.Check(ctx); err != nil {
				t.Fatalf("a store as written: %v", err)
			}
			// Change one value's bytes in the log.
			var key, val []byte
			err := hkv.View(ctx, kv.KV(), func(tx hkv.Tx) error {
				it := tx.Scan(ctx)
				defer it.Close()
				for it.Next(ctx) {
					k := it.Key()
					if len(k) != 2 || string(k[0]) != "log" {
						continue
					}
					var p cproto.Primitive
					if proto.Unmarshal(it.Val(), &p) == nil && len(p.Value) > 0 {
						if v, _ := pquads.UnmarshalValue(p.Value); v != nil && strings.Contains(quad.StringOf(v), "Open Source AI") {
							p.Value, _ = pquads.MarshalValue(quad.String("Closed Source AI is the Path Forward"))
							key, val = append([]byte(nil), k[1]...), must(proto.Marshal(&p))
							return nil
						}
					}
				}
				return it.Err()
			})
			if err != nil || key == nil {
				t.Fatalf("no value to change: %v", err)
			}
			err = hkv.Update(ctx, kv.KV(), func(tx hkv.Tx) error { return tx.Put(ctx, hkv.Key{[]byte("log"), key}, val) })
			if err != nil {
				t.Fatal(err)
			}
			err = kv.Check(ctx)
			if err == nil || !strings.Contains(err.Error(), "is not found by its hash") {
				t.Errorf("a changed value: %v", err)
			}

			// A store whose (subject, predicate) index lost an entry.
			st, _ = newStore(t, backend)
			apply(t, st, readChanges(t, filepath.Join(root, "000_7e1f6717d204dd7e.txt"))...)
			kv = st.KV()
			err = hkv.Update(ctx, kv.KV(), func(tx hkv.Tx) error {
				it := tx.Scan(ctx, options.WithPrefixKV(hkv.Key{[]byte("sp")}))
				var first hkv.Key
				for it.Next(ctx) {
					if k := it.Key(); len(k) == 2 && string(k[0]) == "sp" {
						first = hkv.Key{[]byte("sp"), append([]byte(nil), k[1]...)}
						break
					}
				}
				it.Close()
				if first == nil {
					return errors.New("no entry in sp")
				}
				return tx.Del(ctx, first)
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := kv.Check(ctx); err == nil || !strings.Contains(err.Error(), "index sp does not list quad") {
				t.Errorf("an index without an entry: %v", err)
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
