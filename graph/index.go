package graph

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
	"sort"
	"syscall"
	"unsafe"

	cproto "github.com/cayleygraph/cayley/graph/proto"
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
	hkv "github.com/hidal-go/hidalgo/kv"
	"github.com/hidal-go/hidalgo/kv/options"
	"google.golang.org/protobuf/proto"
)

// The query index is a read-only copy of an embedded store's quads in the
// layout queries read: every distinct value once, in a sorted table, and
// the quads as four small integers each, in three sorted orders —
// (subject, predicate, object, label), (object, predicate, subject, label)
// and (label, subject, predicate, object). It is one file beside the store,
// memory-mapped, so a query opens it in microseconds and reads only the
// pages it touches.
//
// Cayley's own read path costs an index entry, then a log record per
// quad, then a log record per value; this one costs a binary search and a
// few array reads. The index is derived data: every write removes it,
// durably, before touching the store, so an index that exists was built
// after the last write; Store.Index rebuilds it (the load command does, at
// its end). Without one, reads go through Cayley as before.
const indexName = "query.index"

var indexMagic = [8]byte{'C', 'G', 'Q', 'I', 'D', 'X', '0', '1'}

// indexHeader is the file's fixed start; the sections follow in this
// order, each 8-byte aligned: value offsets (nValues+1 × uint64), value
// bytes, spo (4 × nQuads × uint32), ops and ls (nQuads × uint32 each),
// then where each value's run starts in spo, ops and ls (nValues+2 ×
// uint32 each: value v's quads in an order are [start[v], start[v+1])).
type indexHeader struct {
	Magic    [8]byte
	NValues  uint64
	NQuads   uint64
	BlobSize uint64
}

const indexHeaderSize = 32

// queryIndex is a mapped index file. Values are numbered from 1 in the
// byte order of their encoding (Cayley's own, pquads); 0 is "no value".
type queryIndex struct {
	data    []byte
	offsets []uint64
	blob    []byte
	spo     []uint32 // quads, 4 ids each, in (s, p, o, l) order
	ops     []uint32 // quad numbers in (o, p, s, l) order
	ls      []uint32 // quad numbers in (l, s, p, o) order
	// where each value's quads start in spo, ops and ls
	sStart, oStart, lStart []uint32

	values []quad.Value          // decoded values by number, filled as read
	ids    map[quad.Value]uint32 // looked-up values
	nodes  map[string]uint32     // looked-up node ids (bare, as in Node)
	typeID uint32                // PredType's number, once looked up
}

// maxLookedUp bounds the cache of values looked up in an index.
const maxLookedUp = 1 << 18

func littleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

func align8(n int) int { return (n + 7) &^ 7 }

// openIndex maps the index file at name; a missing file gives nil, nil.
func openIndex(name string) (*queryIndex, error) {
	if !littleEndian() {
		return nil, nil
	}
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	if size < indexHeaderSize || size != int64(int(size)) {
		return nil, fmt.Errorf("query index %s: damaged (size %d)", name, size)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("query index %s: %w", name, err)
	}
	ix, err := viewIndex(data)
	if err != nil {
		syscall.Munmap(data)
		return nil, fmt.Errorf("query index %s: %w", name, err)
	}
	return ix, nil
}

func viewIndex(data []byte) (*queryIndex, error) {
	var h indexHeader
	if err := binary.Read(bytes.NewReader(data[:indexHeaderSize]), binary.LittleEndian, &h); err != nil {
		return nil, err
	}
	if h.Magic != indexMagic {
		return nil, errors.New("not a query index of this version")
	}
	offLen := align8(int(h.NValues+1) * 8)
	spoLen := int(h.NQuads) * 16
	permLen := align8(int(h.NQuads) * 4)
	startLen := align8(int(h.NValues+2) * 4)
	want := indexHeaderSize + offLen + align8(int(h.BlobSize)) + spoLen + 2*permLen + 3*startLen
	if want != len(data) || h.NValues > 1<<32-2 || h.NQuads > 1<<32-1 {
		return nil, fmt.Errorf("damaged: %d bytes, the header says %d", len(data), want)
	}
	at := indexHeaderSize
	ix := &queryIndex{data: data, ids: map[quad.Value]uint32{}, nodes: map[string]uint32{}}
	ix.offsets = unsafe.Slice((*uint64)(unsafe.Pointer(&data[at])), h.NValues+1)
	at += offLen
	ix.blob = data[at : at+int(h.BlobSize)]
	at += align8(int(h.BlobSize))
	u32 := func(n int) []uint32 {
		if n == 0 {
			return nil
		}
		s := unsafe.Slice((*uint32)(unsafe.Pointer(&data[at])), n)
		return s
	}
	ix.spo = u32(int(h.NQuads) * 4)
	at += spoLen
	ix.ops = u32(int(h.NQuads))
	at += permLen
	ix.ls = u32(int(h.NQuads))
	at += permLen
	for _, start := range []*[]uint32{&ix.sStart, &ix.oStart, &ix.lStart} {
		*start = u32(int(h.NValues + 2))
		at += startLen
	}
	if ix.offsets[h.NValues] != h.BlobSize {
		return nil, errors.New("damaged value table")
	}
	return ix, nil
}

func (ix *queryIndex) close() {
	if ix != nil && ix.data != nil {
		syscall.Munmap(ix.data)
		ix.data = nil
	}
}

func (ix *queryIndex) nValues() int { return len(ix.offsets) - 1 }
func (ix *queryIndex) nQuads() int  { return len(ix.spo) / 4 }

func (ix *queryIndex) encoded(id uint32) []byte {
	return ix.blob[ix.offsets[id-1]:ix.offsets[id]]
}

// lookup returns the number of a value, or 0 if the graph does not hold it.
func (ix *queryIndex) lookup(v quad.Value) uint32 {
	if id, ok := ix.ids[v]; ok {
		return id
	}
	enc, err := pquads.MarshalValue(v)
	if err != nil {
		return 0
	}
	n := ix.nValues()
	i := sort.Search(n, func(i int) bool { return bytes.Compare(ix.encoded(uint32(i+1)), enc) >= 0 })
	id := uint32(0)
	if i < n && bytes.Equal(ix.encoded(uint32(i+1)), enc) {
		id = uint32(i + 1)
	}
	if len(ix.ids) >= maxLookedUp {
		ix.ids = map[quad.Value]uint32{}
	}
	ix.ids[v] = id
	return id
}

// lookupNode is lookup(Node(id)), without building the IRI once known.
func (ix *queryIndex) lookupNode(id string) uint32 {
	if n, ok := ix.nodes[id]; ok {
		return n
	}
	n := ix.lookup(Node(id))
	if len(ix.nodes) >= maxLookedUp {
		ix.nodes = map[string]uint32{}
	}
	ix.nodes[id] = n
	return n
}

func (ix *queryIndex) value(id uint32) (quad.Value, error) {
	if id == 0 {
		return nil, nil
	}
	if ix.values == nil {
		// 16 bytes per value of the graph: a tenth of the index's size
		ix.values = make([]quad.Value, ix.nValues()+1)
	}
	if v := ix.values[id]; v != nil {
		return v, nil
	}
	v, err := pquads.UnmarshalValue(ix.encoded(id))
	if err != nil {
		return nil, fmt.Errorf("query index: value %d: %w", id, err)
	}
	ix.values[id] = v
	return v, nil
}

// the orders of the index, as directions compared in turn
var (
	orderSPO = [4]quad.Direction{quad.Subject, quad.Predicate, quad.Object, quad.Label}
	orderOPS = [4]quad.Direction{quad.Object, quad.Predicate, quad.Subject, quad.Label}
	orderLS  = [4]quad.Direction{quad.Label, quad.Subject, quad.Predicate, quad.Object}
)

func slot(d quad.Direction) int {
	switch d {
	case quad.Subject:
		return 0
	case quad.Predicate:
		return 1
	case quad.Object:
		return 2
	}
	return 3
}

// match calls fn with the quads whose directions hold the fixed values,
// reading the order whose longest prefix the fixed directions cover.
func (ix *queryIndex) match(ctx context.Context, fixed map[quad.Direction]quad.Value, fn func(quad.Quad) error) error {
	var want [4]uint32
	var has [4]bool
	for d, v := range fixed {
		id := ix.lookup(v)
		if id == 0 {
			return nil // a value the graph does not hold matches nothing
		}
		want[slot(d)], has[slot(d)] = id, true
	}
	order, perm, start := orderSPO, []uint32(nil), ix.sStart
	prefix := func(o [4]quad.Direction) int {
		n := 0
		for n < 4 && has[slot(o[n])] {
			n++
		}
		return n
	}
	best := prefix(orderSPO)
	if n := prefix(orderOPS); n > best {
		order, perm, start, best = orderOPS, ix.ops, ix.oStart, n
	}
	if n := prefix(orderLS); n > best {
		order, perm, start, best = orderLS, ix.ls, ix.lStart, n
	}
	lo, hi := 0, ix.nQuads()
	if best > 0 {
		// the first direction's run, then a search within it
		first := want[slot(order[0])]
		lo, hi = int(start[first]), int(start[first+1])
	}
	at := func(i int) int {
		if perm == nil {
			return i
		}
		return int(perm[i])
	}
	cmp := func(i int) int {
		q := ix.spo[at(i)*4:]
		for k := 0; k < best; k++ {
			s := slot(order[k])
			if q[s] != want[s] {
				if q[s] < want[s] {
					return -1
				}
				return 1
			}
		}
		return 0
	}
	if best > 1 {
		n := hi - lo
		base := lo
		lo = base + sort.Search(n, func(i int) bool { return cmp(base+i) >= 0 })
		hi = lo + sort.Search(base+n-lo, func(i int) bool { return cmp(lo+i) > 0 })
	}
	for i := lo; i < hi; i++ {
		if (i-lo)&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		q := ix.spo[at(i)*4 : at(i)*4+4]
		if (has[0] && q[0] != want[0]) || (has[1] && q[1] != want[1]) || (has[2] && q[2] != want[2]) || (has[3] && q[3] != want[3]) {
			continue
		}
		var out quad.Quad
		for k, d := range orderSPO {
			if has[k] {
				out.Set(d, fixed[d])
				continue
			}
			v, err := ix.value(q[k])
			if err != nil {
				return err
			}
			out.Set(d, v)
		}
		if err := fn(out); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// buildIndex writes the query index of a Cayley key-value store to name,
// from one read transaction over Cayley's log (every value and quad
// record, in id order: a sequential scan).
func buildIndex(ctx context.Context, db hkv.KV, name string) error {
	if !littleEndian() {
		return nil
	}
	type node struct {
		id  uint64
		enc []byte
	}
	var nodes []node
	var quads [][4]uint64
	err := hkv.View(ctx, db, func(tx hkv.Tx) error {
		it := tx.Scan(ctx, options.WithPrefixKV(hkv.Key{[]byte("log")}))
		defer it.Close()
		for it.Next(ctx) {
			var p cproto.Primitive
			if err := proto.Unmarshal(it.Val(), &p); err != nil {
				return fmt.Errorf("read the store's log: %w", err)
			}
			switch {
			case p.ID == 0:
				// not a record: the bucket's own entry on a flat store
				// (leveldb)
			case p.IsNode():
				nodes = append(nodes, node{p.ID, p.Value})
			case !p.Deleted:
				quads = append(quads, [4]uint64{p.Subject, p.Predicate, p.Object, p.Label})
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
	slices.SortFunc(nodes, func(a, b node) int { return bytes.Compare(a.enc, b.enc) })
	// One number per distinct value, should the log hold a value twice.
	dense := make(map[uint64]uint32, len(nodes))
	unique := nodes[:0]
	for _, n := range nodes {
		if len(unique) == 0 || !bytes.Equal(unique[len(unique)-1].enc, n.enc) {
			unique = append(unique, n)
		}
		dense[n.id] = uint32(len(unique))
	}
	nodes = unique
	spo := make([][4]uint32, len(quads))
	for i, q := range quads {
		for k := range 4 {
			if q[k] == 0 {
				continue
			}
			d, ok := dense[q[k]]
			if !ok {
				return fmt.Errorf("read the store's log: quad %d refers to value %d, which is missing", i, q[k])
			}
			spo[i][k] = d
		}
	}
	quads = nil
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
	ops, ls := perm(orderOPS), perm(orderLS)
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
		blobSize += uint64(len(n.enc))
	}
	h := indexHeader{Magic: indexMagic, NValues: uint64(len(nodes)), NQuads: uint64(len(spo)), BlobSize: blobSize}
	binary.Write(w, binary.LittleEndian, h)
	pad := func(n int) { w.Write(make([]byte, align8(n)-n)) }
	var off [8]byte
	var sum uint64
	w.Write(off[:])
	for _, n := range nodes {
		sum += uint64(len(n.enc))
		binary.LittleEndian.PutUint64(off[:], sum)
		w.Write(off[:])
	}
	pad((len(nodes) + 1) * 8)
	for _, n := range nodes {
		w.Write(n.enc)
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
	return syncDir(filepath.Dir(name))
}

// indexState says what a store knows of its query index file.
type indexState int8

const (
	indexUnknown indexState = iota // not looked for yet
	indexMapped                    // Store.index is the file, mapped
	indexAbsent                    // no file: reads go through Cayley
)

// queryIndex returns the store's query index, mapping it on first use, or
// nil when the store has none (or is not an embedded store).
func (s *Store) queryIndex() (*queryIndex, error) {
	switch {
	case s.indexState == indexMapped:
		return s.index, nil
	case s.indexState == indexAbsent || s.path == "" || s.sql != nil:
		return nil, nil
	}
	ix, err := openIndex(filepath.Join(s.path, indexName))
	if err != nil {
		// Derived data: a damaged index is dropped and reads go through
		// Cayley until the next load rebuilds it.
		if rerr := os.Remove(filepath.Join(s.path, indexName)); rerr != nil {
			return nil, err
		}
		ix = nil
	}
	s.index, s.indexState = ix, indexMapped
	if ix == nil {
		s.indexState = indexAbsent
	}
	return ix, nil
}

func (s *Store) closeIndex() {
	s.index.close()
	s.index, s.indexState = nil, indexUnknown
}

// dropIndex removes the query index, durably, before a write: an index
// file on disk is then always one built after the last write.
func (s *Store) dropIndex() error {
	if s.path == "" || s.sql != nil {
		return nil
	}
	if s.indexState == indexAbsent && s.index == nil {
		return nil
	}
	s.closeIndex()
	name := filepath.Join(s.path, indexName)
	if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("store %s: remove the query index before writing: %w", s.path, err)
	}
	if err := syncDir(s.path); err != nil {
		return fmt.Errorf("store %s: remove the query index before writing: %w", s.path, err)
	}
	s.indexState = indexAbsent
	return nil
}

// HasIndex reports whether reads are served by the query index.
func (s *Store) HasIndex() bool {
	ix, _ := s.queryIndex()
	return ix != nil
}

// Index builds the query index of an embedded store, unless it has a
// current one, and reports whether it built one; stores in a database
// server need none. It reads the whole store once (about a second per
// 400,000 quads) and holds every value and quad in memory while it sorts
// them.
func (s *Store) Index(ctx context.Context) (built bool, err error) {
	if s.path == "" || s.sql != nil || s.kv == nil {
		return false, nil
	}
	if ix, err := s.queryIndex(); err != nil || ix != nil {
		return false, err
	}
	if err := buildIndex(ctx, s.kv, filepath.Join(s.path, indexName)); err != nil {
		return false, fmt.Errorf("store %s: build the query index: %w", s.path, err)
	}
	s.indexState = indexUnknown
	return true, nil
}

// verifyIndex checks that the query index, if the store has one, holds
// exactly the quads of Cayley's log.
func (s *Store) verifyIndex(ctx context.Context) error {
	ix, err := s.queryIndex()
	if err != nil || ix == nil {
		return err
	}
	stored := map[[4]string]int{}
	err = s.cayleyQuads(ctx, func(q quad.Quad) error { stored[quadKey(q)]++; return nil })
	if err != nil {
		return err
	}
	extra := 0
	err = ix.match(ctx, nil, func(q quad.Quad) error {
		k := quadKey(q)
		if stored[k] == 0 {
			extra++
		}
		stored[k]--
		return nil
	})
	if err != nil {
		return err
	}
	missing := 0
	for _, n := range stored {
		if n > 0 {
			missing += n
		}
	}
	if extra > 0 || missing > 0 {
		return fmt.Errorf("store %s: the query index differs from the store: %d quads missing, %d not in the store", s.path, missing, extra)
	}
	return nil
}

// HasLabel reports whether the node with this id has the label, in any
// record. ok is false when the store has no query index to answer from.
func (s *Store) HasLabel(id, label string) (found, ok bool) {
	ix, err := s.queryIndex()
	if ix == nil || err != nil {
		return false, false
	}
	if ix.typeID == 0 {
		ix.typeID = ix.lookup(PredType)
	}
	return ix.has(ix.lookupNode(id), ix.typeID, ix.lookupNode(label)), true
}

// has reports whether the index holds a quad (sid, pid, oid, any label).
func (ix *queryIndex) has(sid, pid, oid uint32) bool {
	if sid == 0 || pid == 0 || oid == 0 {
		return false
	}
	lo, hi := int(ix.sStart[sid]), int(ix.sStart[sid+1])
	i := lo + sort.Search(hi-lo, func(i int) bool {
		q := ix.spo[(lo+i)*4:]
		return q[1] > pid || (q[1] == pid && q[2] >= oid)
	})
	return i < hi && ix.spo[i*4+1] == pid && ix.spo[i*4+2] == oid
}
