package queryindex

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/cayleygraph/quad"
	hkv "github.com/hidal-go/hidalgo/kv"
)

// Update writes to name the index of a store whose log, up to id h, was
// the one the index at base was built from, and has since only grown
// (quads and values added, none removed). The result is the file Build
// would write, byte for byte (TestUpdate), but Update reads only the new
// records and the base, and holds only the new records and a number per
// value, where Build holds every value and quad.
//
// The base's sections are merged with the new records' in one pass each:
// values keep their order when new ones are numbered in between, so the
// base's quads, renumbered, stay in each of the three orders.
func Update(ctx context.Context, base string, h uint64, db hkv.KV, name string) error {
	return update(ctx, base, h, 0, kvLog{db}, name)
}

const freshBit = 1 << 31

var errTooLarge = errors.New("the store is too large for a query index (ids or values beyond 32 bits)")

// update is Update of the records with ids in (h, upTo] (upTo 0: every
// record after h).
func update(ctx context.Context, base string, h, upTo uint64, log kvLog, name string) error {
	if !littleEndian() {
		return errors.New("no query index on a big-endian machine")
	}
	x, err := Open(base)
	if err == nil && x == nil {
		err = errors.New("missing")
	}
	if err != nil {
		return fmt.Errorf("base index %s: %w", base, err)
	}
	defer x.Close()

	// The new records: values (their encodings in an arena) and live
	// quads (Cayley's ids, then, in place, final numbers).
	type newValue struct{ id, chunk, off, len uint32 }
	var (
		vals  []newValue
		arena arena
		quads [][4]uint32
		last  uint64 // the largest id read
	)
	errEnough := errors.New("enough")
	err = log.since(ctx, h, func(rec []byte) error {
		p, value, err := decodePrimitive(rec)
		if err != nil {
			return fmt.Errorf("read the store's log: %w", err)
		}
		if upTo > 0 && p.id > upTo {
			if log.inOrder() {
				return errEnough
			}
			return nil
		}
		if p.id >= 1<<32-1 || p.dirs[0] >= 1<<32 || p.dirs[1] >= 1<<32 || p.dirs[2] >= 1<<32 || p.dirs[3] >= 1<<32 || len(value) >= 1<<32 {
			return errTooLarge
		}
		switch {
		case p.id == 0:
			return nil
		case len(value) > 0:
			chunk, off := arena.add(value)
			vals = append(vals, newValue{uint32(p.id), chunk, off, uint32(len(value))})
		case !p.deleted:
			quads = append(quads, [4]uint32{uint32(p.dirs[0]), uint32(p.dirs[1]), uint32(p.dirs[2]), uint32(p.dirs[3])})
		}
		last = max(last, p.id)
		return nil
	})
	if err != nil && err != errEnough {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	enc := func(v newValue) []byte { return arena.chunks[v.chunk][v.off : v.off+v.len] }
	slices.SortFunc(vals, func(a, b newValue) int { return bytes.Compare(enc(a), enc(b)) })

	// Values: the base's and the fresh ones (not in the base), each
	// sorted; fresh value f goes after before[f] of the base's.
	nOld := x.nValues()
	if nOld >= freshBit {
		return errTooLarge
	}
	oldAt := func(enc []byte) (int, bool) {
		i := sort.Search(nOld, func(i int) bool { return bytes.Compare(x.encoded(uint32(i+1)), enc) >= 0 })
		return i, i < nOld && bytes.Equal(x.encoded(uint32(i+1)), enc)
	}
	var fresh []newValue
	var before []int
	// The number of a value by Cayley's id: in the base (old), or
	// freshBit | its place among the fresh ones; by id for the new records,
	// looked up for the base's values the new quads use.
	newNum := make([]uint32, max(last, h)-h)
	oldNum := map[uint32]uint32{}
	for _, v := range vals {
		e := enc(v)
		n := &newNum[uint64(v.id)-h-1]
		if len(fresh) > 0 && bytes.Equal(enc(fresh[len(fresh)-1]), e) {
			*n = freshBit | uint32(len(fresh)-1)
			continue
		}
		i, found := oldAt(e)
		if found {
			*n = uint32(i + 1)
			continue
		}
		*n = freshBit | uint32(len(fresh))
		fresh = append(fresh, v)
		before = append(before, i)
	}
	if uint64(nOld)+uint64(len(fresh)) > 1<<32-2 || uint64(x.nQuads())+uint64(len(quads)) > 1<<32-1 {
		return errTooLarge
	}
	// renumber[v] is the base's value v's new number; fresh value f's is
	// f + 1 + before[f].
	renumber := make([]uint32, nOld+1)
	for v, f := 1, 0; v <= nOld; v++ {
		for f < len(fresh) && before[f] < v {
			f++
		}
		renumber[v] = uint32(v + f)
	}
	final := func(n uint32) uint32 {
		if n&freshBit != 0 {
			f := int(n &^ freshBit)
			return uint32(f + 1 + before[f])
		}
		return renumber[n]
	}

	// The new quads, in final numbers; a value of the base they use is
	// found by its encoding, read from the log.
	for i, q := range quads {
		for k, id := range q {
			if id == 0 {
				continue
			}
			var n uint32
			if uint64(id) > h {
				n = newNum[uint64(id)-h-1]
			} else if n = oldNum[id]; n == 0 {
				rec, err := log.get(ctx, uint64(id))
				if err != nil {
					return err
				}
				_, value, err := decodePrimitive(rec)
				if err != nil {
					return fmt.Errorf("read the store's log: %w", err)
				}
				if at, found := oldAt(value); len(value) > 0 && found {
					n = uint32(at + 1)
					oldNum[id] = n
				}
			}
			if n == 0 {
				return fmt.Errorf("read the store's log: quad %d refers to value %d, which is missing", i, id)
			}
			quads[i][k] = final(n)
		}
	}
	newNum, oldNum = nil, nil
	slices.SortFunc(quads, byOrder(orderSPO))

	out, err := createFile(name)
	if err != nil {
		return err
	}
	defer out.abandon()
	out.temporary = upTo > 0 // a part of a build
	nValues, nQuads := nOld+len(fresh), x.nQuads()+len(quads)
	var blobSize uint64
	for _, v := range fresh {
		blobSize += uint64(v.len)
	}
	blobSize += uint64(len(x.blob))
	out.header(indexHeader{Magic: indexMagic, NValues: uint64(nValues), NQuads: uint64(nQuads), BlobSize: blobSize})

	// Values, in final order: offsets, then bytes.
	values := func(fn func([]byte)) {
		f := 0
		for v := 1; v <= nOld; v++ {
			for ; f < len(fresh) && before[f] < v; f++ {
				fn(enc(fresh[f]))
			}
			fn(x.encoded(uint32(v)))
		}
		for ; f < len(fresh); f++ {
			fn(enc(fresh[f]))
		}
	}
	var sum uint64
	out.u64(0)
	values(func(b []byte) {
		sum += uint64(len(b))
		out.u64(sum)
	})
	out.pad((nValues + 1) * 8)
	values(func(b []byte) { out.w.Write(b) })
	out.pad(int(blobSize))

	// The base's quad i, renumbered.
	oldQuad := func(i uint32) [4]uint32 {
		q := [4]uint32(x.spo[4*i : 4*i+4])
		for k := range q {
			q[k] = renumber[q[k]]
		}
		return q
	}
	// spo: the base's quads and the new, merged. oldBefore[j] is how many
	// of the base's quads precede new quad j.
	cmpSPO := byOrder(orderSPO)
	oldBefore := make([]uint32, len(quads))
	var i uint32
	for j, q := range quads {
		for ; int(i) < x.nQuads(); i++ {
			o := oldQuad(i)
			if cmpSPO(o, q) >= 0 {
				break
			}
			writeQuad(out, o)
		}
		oldBefore[j] = i
		writeQuad(out, q)
	}
	for ; int(i) < x.nQuads(); i++ {
		writeQuad(out, oldQuad(i))
	}
	// Where the base's quad i now is: after the new quads that precede it.
	movedOld := func(i uint32) uint32 {
		n, _ := slices.BinarySearch(oldBefore, i+1)
		return i + uint32(n)
	}
	// ops and ls: each the base's permutation, moved, merged with the new
	// quads' in that order.
	// The new quads in each order, sorted on both cores.
	sorted := func(c func(a, b [4]uint32) int) []uint32 {
		idx := make([]uint32, len(quads))
		for j := range idx {
			idx[j] = uint32(j)
		}
		slices.SortFunc(idx, func(a, b uint32) int { return c(quads[a], quads[b]) })
		return idx
	}
	var byLS []uint32
	done := make(chan struct{})
	go func() {
		defer close(done)
		byLS = sorted(byOrder(orderLS))
	}()
	byOPS := sorted(byOrder(orderOPS))
	<-done
	for _, perm := range []struct {
		order [4]quad.Direction
		old   []uint32
		idx   []uint32
	}{{orderOPS, x.ops, byOPS}, {orderLS, x.ls, byLS}} {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, idx := byOrder(perm.order), perm.idx
		k := 0
		for _, j := range idx {
			for ; k < len(perm.old) && c(oldQuad(perm.old[k]), quads[j]) < 0; k++ {
				out.u32(movedOld(perm.old[k]))
			}
			out.u32(j + oldBefore[j])
		}
		for ; k < len(perm.old); k++ {
			out.u32(movedOld(perm.old[k]))
		}
		out.pad(nQuads * 4)
	}

	// Where each value's quads start in each order: the base's counts per
	// value, renumbered, and the new quads'.
	counts := make([]uint32, nValues+2)
	for _, d := range []struct {
		start []uint32
		slot  int
	}{{x.sStart, slot(quad.Subject)}, {x.oStart, slot(quad.Object)}, {x.lStart, slot(quad.Label)}} {
		clear(counts)
		counts[1] = d.start[1] // quads without a value there (label 0)
		for v := 1; v <= nOld; v++ {
			counts[renumber[v]+1] = d.start[v+1] - d.start[v]
		}
		for _, q := range quads {
			counts[q[d.slot]+1]++
		}
		for v := 1; v < len(counts); v++ {
			counts[v] += counts[v-1]
		}
		out.u32s(counts)
	}
	return out.commit()
}

func writeQuad(out *file, q [4]uint32) {
	if out.w.Available() < 16 {
		out.w.Flush()
	}
	b := out.w.AvailableBuffer()
	for _, x := range q {
		b = binary.LittleEndian.AppendUint32(b, x)
	}
	out.w.Write(b)
}
