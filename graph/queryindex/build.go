package queryindex

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"unsafe"

	cproto "github.com/cayleygraph/cayley/graph/proto"
	"github.com/cayleygraph/quad"
	hkv "github.com/hidal-go/hidalgo/kv"
	"github.com/hidal-go/hidalgo/kv/options"
	"google.golang.org/protobuf/proto"
)

// sparseIDs makes Build number values through a map whatever their ids
// (for tests of that path).
var sparseIDs = false

// Build writes the query index of a Cayley key-value store to name,
// from one read transaction over Cayley's log (every value and quad
// record, in id order: a sequential scan).
func Build(ctx context.Context, db hkv.KV, name string) error {
	if !littleEndian() {
		return nil
	}
	// Every value's encoding goes into one arena (a value is an offset
	// and a length), and quads keep Cayley's ids in 32 bits, renumbered in
	// place: the build holds little more than the index it writes.
	type node struct {
		id       uint32
		off, len uint32
	}
	var (
		nodes []node
		arena []byte
		spo   [][4]uint32
		maxID uint64
	)
	err := hkv.View(ctx, db, func(tx hkv.Tx) error {
		it := tx.Scan(ctx, options.WithPrefixKV(hkv.Key{[]byte("log")}))
		defer it.Close()
		for it.Next(ctx) {
			var p cproto.Primitive
			if err := proto.Unmarshal(it.Val(), &p); err != nil {
				return fmt.Errorf("read the store's log: %w", err)
			}
			if p.ID >= 1<<32-1 || p.Subject >= 1<<32 || p.Predicate >= 1<<32 || p.Object >= 1<<32 || p.Label >= 1<<32 || uint64(len(arena))+uint64(len(p.Value)) >= 1<<32 {
				return errors.New("the store is too large for a query index (ids or values beyond 32 bits)")
			}
			switch {
			case p.ID == 0:
				// not a record: the bucket's own entry on a flat store
				// (leveldb)
			case p.IsNode():
				nodes = append(nodes, node{uint32(p.ID), uint32(len(arena)), uint32(len(p.Value))})
				arena = append(arena, p.Value...)
				maxID = max(maxID, p.ID)
			case !p.Deleted:
				spo = append(spo, [4]uint32{uint32(p.Subject), uint32(p.Predicate), uint32(p.Object), uint32(p.Label)})
			}
		}
		return it.Err()
	})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	enc := func(n node) []byte { return arena[n.off : n.off+n.len] }
	slices.SortFunc(nodes, func(a, b node) int { return bytes.Compare(enc(a), enc(b)) })
	// One number per distinct value, should the log hold a value twice.
	// Cayley numbers every log record in turn, so ids are dense unless
	// many records were removed: then a map.
	var number func(id uint32) uint32
	var set func(id, n uint32)
	if maxID <= 4*uint64(len(nodes)+len(spo))+1024 && !sparseIDs {
		table := make([]uint32, maxID+1)
		number = func(id uint32) uint32 {
			if uint64(id) > maxID {
				return 0
			}
			return table[id]
		}
		set = func(id, n uint32) { table[id] = n }
	} else {
		m := make(map[uint32]uint32, len(nodes))
		number = func(id uint32) uint32 { return m[id] }
		set = func(id, n uint32) { m[id] = n }
	}
	unique := nodes[:0]
	for _, n := range nodes {
		if len(unique) == 0 || !bytes.Equal(enc(unique[len(unique)-1]), enc(n)) {
			unique = append(unique, n)
		}
		set(n.id, uint32(len(unique)))
	}
	nodes = unique
	for i := range spo {
		for k := range 4 {
			id := spo[i][k]
			if id == 0 {
				continue
			}
			d := number(id)
			if d == 0 {
				return fmt.Errorf("read the store's log: quad %d refers to value %d, which is missing", i, id)
			}
			spo[i][k] = d
		}
	}
	number, set = nil, nil
	byOrder := func(o [4]quad.Direction) func(a, b [4]uint32) int {
		return func(a, b [4]uint32) int {
			for _, d := range o {
				s := slot(d)
				if a[s] != b[s] {
					if a[s] < b[s] {
						return -1
					}
					return 1
				}
			}
			return 0
		}
	}
	slices.SortFunc(spo, byOrder(orderSPO))
	perm := func(o [4]quad.Direction) []uint32 {
		p := make([]uint32, len(spo))
		for i := range p {
			p[i] = uint32(i)
		}
		c := byOrder(o)
		slices.SortFunc(p, func(a, b uint32) int { return c(spo[a], spo[b]) })
		return p
	}
	// The two permutations sort independently: one on each core.
	var ops, ls []uint32
	done := make(chan struct{})
	go func() {
		defer close(done)
		ops = perm(orderOPS)
	}()
	ls = perm(orderLS)
	<-done
	starts := func(d quad.Direction) []uint32 {
		st := make([]uint32, len(nodes)+2)
		for _, q := range spo {
			st[q[slot(d)]+1]++
		}
		for i := 1; i < len(st); i++ {
			st[i] += st[i-1]
		}
		return st
	}
	sStart, oStart, lStart := starts(quad.Subject), starts(quad.Object), starts(quad.Label)

	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	w := bufio.NewWriterSize(f, 1<<20)
	var blobSize uint64
	for _, n := range nodes {
		blobSize += uint64(n.len)
	}
	h := indexHeader{Magic: indexMagic, NValues: uint64(len(nodes)), NQuads: uint64(len(spo)), BlobSize: blobSize}
	binary.Write(w, binary.LittleEndian, h)
	pad := func(n int) { w.Write(make([]byte, align8(n)-n)) }
	var off [8]byte
	var sum uint64
	w.Write(off[:])
	for _, n := range nodes {
		sum += uint64(n.len)
		binary.LittleEndian.PutUint64(off[:], sum)
		w.Write(off[:])
	}
	pad((len(nodes) + 1) * 8)
	for _, n := range nodes {
		w.Write(enc(n))
	}
	pad(int(blobSize))
	if len(spo) > 0 {
		w.Write(unsafe.Slice((*byte)(unsafe.Pointer(&spo[0])), len(spo)*16))
		w.Write(unsafe.Slice((*byte)(unsafe.Pointer(&ops[0])), len(ops)*4))
		pad(len(ops) * 4)
		w.Write(unsafe.Slice((*byte)(unsafe.Pointer(&ls[0])), len(ls)*4))
		pad(len(ls) * 4)
	}
	for _, st := range [][]uint32{sStart, oStart, lStart} {
		w.Write(unsafe.Slice((*byte)(unsafe.Pointer(&st[0])), len(st)*4))
		pad(len(st) * 4)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(name))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}
