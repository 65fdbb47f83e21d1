package queryindex

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/cayleygraph/quad"
	hkv "github.com/hidal-go/hidalgo/kv"

	"claimgraph/graph/boltmap"
)

// Update writes to name the index of a store whose log, up to id h, was
// the one the index at base was built from, and which has since had
// records added and the quads in base's list of removed quads removed
// (see BeginRemoval). The result is the file Build would write, byte for
// byte (TestIndexUpdate in package graph), but Update reads only the new
// records, the removed quads and the base, and holds only the new records
// and a number per value, where a build at once holds every value and
// quad.
//
// The base's sections are merged with the new records' in one pass each:
// values keep their order when new ones are numbered in between and
// removed ones are left out, so the base's remaining quads, renumbered,
// stay in each of the three orders.
func Update(ctx context.Context, base string, h uint64, db hkv.KV, name string) error {
	removed, err := readRemoved(base)
	if err != nil {
		return err
	}
	return update(ctx, base, h, 0, kvLog{kv: db}, name, removed)
}

const freshBit = 1 << 31

var errTooLarge = errors.New("the store is too large for a query index (ids or values beyond 32 bits)")

// update is Update of the records with ids in (h, upTo] (upTo 0: every
// record after h).
func update(ctx context.Context, base string, h, upTo uint64, log kvLog, name string, removed [][4][]byte) error {
	if !littleEndian() {
		return errors.New("no query index on a big-endian machine")
	}
	// What the merge read of the store, a part of its log at a time
	// when building a large index, goes with it (see package boltmap).
	defer boltmap.Release(log.kv)
	x, err := Open(base)
	if err == nil && x == nil {
		err = errors.New("missing")
	}
	if err != nil {
		return fmt.Errorf("base index %s: %w", base, err)
	}
	defer x.Close()
	m := &merge{x: x, h: h}
	if err := m.read(ctx, log, upTo); err != nil {
		return err
	}
	if err := m.remove(ctx, log, removed); err != nil {
		return err
	}
	if err := m.number(ctx, log); err != nil {
		return err
	}
	x.Release()
	boltmap.Release(log.kv)
	out, err := createFile(name)
	if err != nil {
		return err
	}
	defer out.abandon()
	out.temporary = upTo > 0 // a part of a build
	out.release = x.Release
	m.writeValues(out)
	m.writeSPO(out)
	if m.err != nil {
		return m.err
	}
	if err := m.writePerms(ctx, out); err != nil {
		return err
	}
	m.writeStarts(out)
	return out.commit()
}

// merge is an update in the making: the base and the new records.
type merge struct {
	x *Index
	h uint64

	vals  []newValue // the new values, sorted by encoding
	arena arena      // their encodings
	quads [][4]uint32
	last  uint64 // the largest id read

	fresh     []newValue // the new values not in the base, sorted
	before    []int      // fresh value f goes after before[f] of the base's
	renumber  []uint32   // the base's value v's new number (0: removed)
	oldBefore []uint32   // how many of the base's kept quads precede new quad j

	dead    []uint64 // the base's removed quads, a bit each
	deadIdx []uint32 // and their places in spo, in order
	gone    []uint32 // the base's values no longer in the store, in order
	err     error    // found while writing: the base does not fit the store
}

// remove finds the base's quads among the removed ones, and the values
// that went with them.
func (m *merge) remove(ctx context.Context, log kvLog, removed [][4][]byte) error {
	if len(removed) == 0 {
		return nil
	}
	cmpSPO := byOrder(orderSPO)
	n := m.x.nQuads()
	m.dead = make([]uint64, (n+63)/64)
	values := map[uint32]bool{}
	for _, r := range removed {
		var q [4]uint32
		inBase := true
		for k, enc := range r {
			if enc == nil {
				continue
			}
			at, found := m.oldAt(enc)
			if !found {
				inBase = false
				break
			}
			q[k] = uint32(at + 1)
		}
		if !inBase {
			continue // added after the base, and removed since
		}
		i := sort.Search(n, func(i int) bool { return cmpSPO([4]uint32(m.x.spo[4*i:4*i+4]), q) >= 0 })
		if i == n || cmpSPO([4]uint32(m.x.spo[4*i:4*i+4]), q) != 0 || m.isDead(uint32(i)) {
			continue
		}
		m.dead[i/64] |= 1 << (i % 64)
		m.deadIdx = append(m.deadIdx, uint32(i))
		for _, v := range q {
			if v != 0 {
				values[v] = true
			}
		}
	}
	slices.Sort(m.deadIdx)
	nums := slices.Sorted(maps.Keys(values))
	encs := make([][]byte, len(nums))
	for i, v := range nums {
		encs[i] = m.x.encoded(v)
	}
	gone, err := log.notHeld(ctx, encs)
	if err != nil {
		return err
	}
	for _, i := range gone {
		m.gone = append(m.gone, nums[i])
	}
	return ctx.Err()
}

func (m *merge) isDead(i uint32) bool {
	return m.dead != nil && m.dead[i/64]&(1<<(i%64)) != 0
}

// kept returns how many of the base's quads before quad i are kept.
func (m *merge) kept(i uint32) uint32 {
	n, _ := slices.BinarySearch(m.deadIdx, i)
	return i - uint32(n)
}

// goneUpTo returns how many of the base's values up to v are gone.
func (m *merge) goneUpTo(v int) int {
	n, _ := slices.BinarySearch(m.gone, uint32(v)+1)
	return n
}

type newValue struct{ id, chunk, off, len uint32 }

func (m *merge) enc(v newValue) []byte { return m.arena.chunks[v.chunk][v.off : v.off+v.len] }

// read reads the new records: values, and live quads (Cayley's ids).
func (m *merge) read(ctx context.Context, log kvLog, upTo uint64) error {
	last, err := log.records(ctx, m.h, upTo, func(id uint32, value []byte) {
		chunk, off := m.arena.add(value)
		m.vals = append(m.vals, newValue{id, chunk, off, uint32(len(value))})
	}, func(q [4]uint32) { m.quads = append(m.quads, q) })
	if err != nil {
		return err
	}
	m.last = max(m.last, last)
	return ctx.Err()
}

// oldAt finds a value in the base: its place in the base's order.
func (m *merge) oldAt(enc []byte) (int, bool) {
	n := m.x.nValues()
	i := sort.Search(n, func(i int) bool { return bytes.Compare(m.x.encoded(uint32(i+1)), enc) >= 0 })
	return i, i < n && bytes.Equal(m.x.encoded(uint32(i+1)), enc)
}

// number numbers the values, and the new quads' values in place.
func (m *merge) number(ctx context.Context, log kvLog) error {
	slices.SortFunc(m.vals, func(a, b newValue) int { return bytes.Compare(m.enc(a), m.enc(b)) })
	nOld := m.x.nValues()
	if nOld >= freshBit {
		return errTooLarge
	}
	// The number of a value by Cayley's id: in the base, or freshBit | its
	// place among the fresh ones; by id for the new records, looked up for
	// the base's values the new quads use.
	newNum := make([]uint32, max(m.last, m.h)-m.h)
	oldNum := map[uint32]uint32{}
	for j, v := range m.vals {
		if j%releaseSearches == releaseSearches-1 {
			m.x.Release()
		}
		e := m.enc(v)
		n := &newNum[uint64(v.id)-m.h-1]
		if len(m.fresh) > 0 && bytes.Equal(m.enc(m.fresh[len(m.fresh)-1]), e) {
			*n = freshBit | uint32(len(m.fresh)-1)
			continue
		}
		i, found := m.oldAt(e)
		if found {
			*n = uint32(i + 1)
			continue
		}
		*n = freshBit | uint32(len(m.fresh))
		m.fresh = append(m.fresh, v)
		m.before = append(m.before, i)
	}
	if uint64(nOld)+uint64(len(m.fresh)) > 1<<32-2 || uint64(m.x.nQuads())+uint64(len(m.quads)) > 1<<32-1 {
		return errTooLarge
	}
	// Fresh value f's number is f + 1 + before[f], less the base's values
	// before it that are gone.
	m.renumber = make([]uint32, nOld+1)
	for v, f, g := 1, 0, 0; v <= nOld; v++ {
		for f < len(m.fresh) && m.before[f] < v {
			f++
		}
		for g < len(m.gone) && int(m.gone[g]) < v {
			g++
		}
		if g < len(m.gone) && int(m.gone[g]) == v {
			continue // 0: gone
		}
		m.renumber[v] = uint32(v + f - g)
	}
	gets := 0
	var errGone error
	final := func(n uint32) uint32 {
		if n&freshBit != 0 {
			f := int(n &^ freshBit)
			return uint32(f + 1 + m.before[f] - m.goneUpTo(m.before[f]))
		}
		if m.renumber[n] == 0 {
			errGone = errors.New("a new quad refers to a value the list of removed quads took out")
		}
		return m.renumber[n]
	}
	for i, q := range m.quads {
		for k, id := range q {
			if id == 0 {
				continue
			}
			var n uint32
			if uint64(id) > m.h {
				n = newNum[uint64(id)-m.h-1]
			} else if n = oldNum[id]; n == 0 {
				// A value of the base, found by its encoding.
				rec, err := log.get(ctx, uint64(id))
				if gets++; gets%releaseSearches == 0 {
					// reads all over the log and the base
					boltmap.Release(log.kv)
					m.x.Release()
				}
				if err != nil {
					return err
				}
				_, value, err := decodePrimitive(rec)
				if err != nil {
					return fmt.Errorf("read the store's log: %w", err)
				}
				if at, found := m.oldAt(value); len(value) > 0 && found {
					n = uint32(at + 1)
					oldNum[id] = n
				}
			}
			if n == 0 {
				return fmt.Errorf("read the store's log: quad %d refers to value %d, which is missing", i, id)
			}
			m.quads[i][k] = final(n)
		}
	}
	if errGone != nil {
		return errGone
	}
	slices.SortFunc(m.quads, byOrder(orderSPO))
	return nil
}

// writeValues writes the header and the values, in final order.
func (m *merge) writeValues(out *file) {
	nValues := m.x.nValues() + len(m.fresh) - len(m.gone)
	blobSize := uint64(len(m.x.blob))
	for _, v := range m.fresh {
		blobSize += uint64(v.len)
	}
	for _, v := range m.gone {
		blobSize -= uint64(len(m.x.encoded(v)))
	}
	out.header(indexHeader{Magic: indexMagic, NValues: uint64(nValues), NQuads: uint64(m.x.nQuads() - len(m.deadIdx) + len(m.quads)), BlobSize: blobSize})
	values := func(fn func([]byte)) {
		f := 0
		for v := 1; v <= m.x.nValues(); v++ {
			for ; f < len(m.fresh) && m.before[f] < v; f++ {
				fn(m.enc(m.fresh[f]))
			}
			if m.renumber[v] != 0 {
				fn(m.x.encoded(uint32(v)))
			}
		}
		for ; f < len(m.fresh); f++ {
			fn(m.enc(m.fresh[f]))
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
}

// oldQuad returns the base's quad i, renumbered.
func (m *merge) oldQuad(i uint32) [4]uint32 {
	q := [4]uint32(m.x.spo[4*i : 4*i+4])
	for k := range q {
		q[k] = m.renumber[q[k]]
	}
	return q
}

// keptQuad returns the base's kept quad i, renumbered, and records an
// error if it refers to a value that is gone.
func (m *merge) keptQuad(i uint32) [4]uint32 {
	q := m.oldQuad(i)
	if m.gone != nil && m.err == nil {
		for k, v := range m.x.spo[4*i : 4*i+4] {
			if v != 0 && q[k] == 0 {
				m.err = errors.New("a quad not removed refers to a value no longer in the store")
			}
		}
	}
	return q
}

// writeSPO writes the base's kept quads and the new, merged.
func (m *merge) writeSPO(out *file) {
	cmpSPO := byOrder(orderSPO)
	m.oldBefore = make([]uint32, len(m.quads))
	var i, kept uint32
	for j, q := range m.quads {
		for ; int(i) < m.x.nQuads(); i++ {
			if m.isDead(i) {
				continue
			}
			o := m.keptQuad(i)
			if cmpSPO(o, q) >= 0 {
				break
			}
			writeQuad(out, o)
			kept++
		}
		m.oldBefore[j] = kept
		writeQuad(out, q)
	}
	for ; int(i) < m.x.nQuads(); i++ {
		if !m.isDead(i) {
			writeQuad(out, m.keptQuad(i))
		}
	}
}

// movedOld returns where the base's kept quad i now is: after the kept
// quads and the new quads that precede it.
func (m *merge) movedOld(i uint32) uint32 {
	k := m.kept(i)
	n, _ := slices.BinarySearch(m.oldBefore, k+1)
	return k + uint32(n)
}

// writePerms writes ops and ls: each the base's permutation, moved, merged
// with the new quads' in that order (sorted on both cores).
func (m *merge) writePerms(ctx context.Context, out *file) error {
	var byLS []uint32
	done := make(chan struct{})
	go func() {
		defer close(done)
		byLS = permutation(m.quads, orderLS) // m.quads are in SPO order
	}()
	byOPS := permutation(m.quads, orderOPS)
	<-done
	nQuads := m.x.nQuads() - len(m.deadIdx) + len(m.quads)
	for _, perm := range []struct {
		order [4]quad.Direction
		old   []uint32
		idx   []uint32
	}{{orderOPS, m.x.ops, byOPS}, {orderLS, m.x.ls, byLS}} {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, k := byOrder(perm.order), 0
		for _, j := range perm.idx {
			for ; k < len(perm.old); k++ {
				if m.isDead(perm.old[k]) {
					continue
				}
				if c(m.oldQuad(perm.old[k]), m.quads[j]) >= 0 {
					break
				}
				out.u32(m.movedOld(perm.old[k]))
			}
			out.u32(j + m.oldBefore[j])
		}
		for ; k < len(perm.old); k++ {
			if !m.isDead(perm.old[k]) {
				out.u32(m.movedOld(perm.old[k]))
			}
		}
		out.pad(nQuads * 4)
	}
	return nil
}

// writeStarts writes where each value's quads start in each order: the
// base's counts per value, renumbered, and the new quads'.
func (m *merge) writeStarts(out *file) {
	counts := make([]uint32, m.x.nValues()+len(m.fresh)-len(m.gone)+2)
	for _, d := range []struct {
		start []uint32
		slot  int
	}{{m.x.sStart, slot(quad.Subject)}, {m.x.oStart, slot(quad.Object)}, {m.x.lStart, slot(quad.Label)}} {
		clear(counts)
		counts[1] = d.start[1] // quads without a value there (label 0)
		for v := 1; v <= m.x.nValues(); v++ {
			if m.renumber[v] != 0 {
				counts[m.renumber[v]+1] = d.start[v+1] - d.start[v]
			}
		}
		for _, i := range m.deadIdx {
			if v := m.x.spo[4*i+uint32(d.slot)]; v == 0 || m.renumber[v] != 0 {
				counts[m.renumber[v]+1]--
			}
		}
		for _, q := range m.quads {
			counts[q[d.slot]+1]++
		}
		for v := 1; v < len(counts); v++ {
			counts[v] += counts[v-1]
		}
		out.u32s(counts)
	}
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
