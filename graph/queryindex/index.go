// Package queryindex is a read-only, memory-mapped copy of a Cayley
// key-value store's quads in the layout claimgraph's queries read.
package queryindex

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"sort"
	"syscall"
	"unicode/utf8"
	"unsafe"

	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"

	"claimgraph/graph/boltmap"
)

var indexMagic = [8]byte{'C', 'G', 'Q', 'I', 'D', 'X', '0', '2'}

// The file ends with a trailer: the CRC-32C (Castagnoli) of every byte
// before it, then trailerMagic. Open checks it before anything is read
// from the sections, so that damaged bytes (a bad disk, a copy cut short,
// an editor) give an error naming the file and never a wrong answer or a
// read out of bounds. Checking costs a pass over the file at ~10 GB/s
// (4 ms for the 40 MB index of 10,000 sources), once per file: see
// VerifiedSuffix.
var trailerMagic = [4]byte{'C', 'G', 'Q', 'E'}

const trailerSize = 8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrDamaged is the error (wrapped) of a file of the query index that is
// not as it was written: its index, a base, a base's list of removals.
var ErrDamaged = errors.New("damaged")

func trailer(sum uint32) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, sum), trailerMagic[:]...)
}

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

// An Index holds every distinct value once, in a sorted table, and
// the quads as four small integers each, in three sorted orders —
// (subject, predicate, object, label), (object, predicate, subject, label)
// and (label, subject, predicate, object). It is one file beside the store,
// memory-mapped, so a query opens it in microseconds and reads only the
// pages it touches.
//
// Cayley's own read path costs an index entry, then a log record per
// quad, then a log record per value; this one costs a binary search and a
// few array reads. Keeping it in step with the store is the caller's job
// (package graph removes it before every write).
//
// Values are numbered from 1 in the
// byte order of their encoding (Cayley's own, pquads); 0 is "no value".
type Index struct {
	data    []byte
	offsets []uint64
	blob    []byte
	spo     []uint32 // quads, 4 ids each, in (s, p, o, l) order
	ops     []uint32 // quad numbers in (o, p, s, l) order
	ls      []uint32 // quad numbers in (l, s, p, o) order
	// where each value's quads start in spo, ops and ls
	sStart, oStart, lStart []uint32

	values [][]quad.Value        // decoded values by number, in pages, filled as read
	ids    map[quad.Value]uint32 // looked-up values
	named  map[string]uint32     // values looked up by name (LookupNamed)
	iris   map[string]uint32     // IRIs looked up
	sets   map[[2]uint32]Set     // SubjectSet's results

	lastName string // LookupNamed's last question and answer
	lastNum  uint32
}

// maxLookedUp bounds the cache of values looked up in an index.
const maxLookedUp = 1 << 21

func littleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

func align8(n int) int { return (n + 7) &^ 7 }

// Open maps the index file at name; a missing file gives nil, nil.
func Open(name string) (*Index, error) {
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
	if size < indexHeaderSize+trailerSize || size != int64(int(size)) {
		return nil, fmt.Errorf("query index %s: %w (size %d)", name, ErrDamaged, size)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("query index %s: %w", name, err)
	}
	stamp, stamped := fileStamp(fi)
	verified := stamped && readStamp(name) == stamp
	ix, err := view(data, !verified)
	if err != nil {
		syscall.Munmap(data)
		os.Remove(name + VerifiedSuffix)
		return nil, fmt.Errorf("query index %s: %w", name, err)
	}
	if stamped && !verified {
		writeStamp(name, stamp)
	}
	return ix, nil
}

// A file's checksum is computed once, by the first process that opens it,
// which then notes the file's identity beside it (name + VerifiedSuffix):
// device, inode, size and change time. The change time is the kernel's,
// updated by any write to the file or change of its metadata and not
// settable by users, so a file changed in any way since is checked again.
// (A whole-file check at every open was 5 ms of a 17 ms point lookup as a
// whole process at 10,000 sources, and grows with the store.)
const VerifiedSuffix = ".verified"

func fileStamp(fi os.FileInfo) (string, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%d %d %d %d.%09d %s\n", st.Dev, st.Ino, st.Size, st.Ctim.Sec, st.Ctim.Nsec, indexMagic[:]), true
}

func readStamp(name string) string {
	b, err := os.ReadFile(name + VerifiedSuffix)
	if err != nil {
		return ""
	}
	return string(b)
}

// writeStamp notes a verified file, as a file renamed into place whole;
// where it cannot be written (a store on read-only media), every open
// checks again.
func writeStamp(name, stamp string) {
	tmp := fmt.Sprintf("%s%s.%d", name, VerifiedSuffix, os.Getpid())
	if os.WriteFile(tmp, []byte(stamp), 0o644) != nil || os.Rename(tmp, name+VerifiedSuffix) != nil {
		os.Remove(tmp)
	}
}

func view(data []byte, checksum bool) (*Index, error) {
	if len(data) < indexHeaderSize+trailerSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrDamaged, len(data))
	}
	body, tail := data[:len(data)-trailerSize], data[len(data)-trailerSize:]
	if !bytes.Equal(tail[4:], trailerMagic[:]) {
		if bytes.Equal(data[:6], indexMagic[:6]) && !bytes.Equal(data[:8], indexMagic[:]) {
			return nil, errors.New("not a query index of this version")
		}
		return nil, fmt.Errorf("%w: the file does not end as a query index does (cut short?)", ErrDamaged)
	}
	if checksum {
		if sum := crc32.Checksum(body, castagnoli); sum != binary.LittleEndian.Uint32(tail) {
			return nil, fmt.Errorf("%w: checksum %08x, the file says %08x", ErrDamaged, sum, binary.LittleEndian.Uint32(tail))
		}
	}
	mapped := data // all of it is unmapped on Close
	data = body
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
		return nil, fmt.Errorf("%w: %d bytes, the header says %d", ErrDamaged, len(data), want)
	}
	at := indexHeaderSize
	ix := &Index{data: mapped, ids: map[quad.Value]uint32{}, named: map[string]uint32{}, iris: map[string]uint32{}}
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
		return nil, fmt.Errorf("%w: value table", ErrDamaged)
	}
	return ix, nil
}

func (ix *Index) Close() {
	if ix != nil && ix.data != nil {
		syscall.Munmap(ix.data)
		ix.data = nil
	}
}

// Release lets go of the pages of the index's file the process has read
// (see package boltmap); they are mapped again when read again.
func (ix *Index) Release() { boltmap.ReleaseMapping(ix.data) }

func (ix *Index) nValues() int { return len(ix.offsets) - 1 }
func (ix *Index) nQuads() int  { return len(ix.spo) / 4 }

func (ix *Index) encoded(id uint32) []byte {
	return ix.blob[ix.offsets[id-1]:ix.offsets[id]]
}

// Lookup returns the number of a value, or 0 if the graph does not hold it.
func (ix *Index) Lookup(v quad.Value) uint32 {
	iri, isIRI := v.(quad.IRI)
	if isIRI {
		if id, ok := ix.iris[string(iri)]; ok {
			return id
		}
	} else if id, ok := ix.ids[v]; ok {
		return id
	}
	id := ix.search(v)
	if isIRI {
		ix.rememberIRI(string(iri), id)
	} else {
		if len(ix.ids) >= maxLookedUp {
			ix.ids = map[quad.Value]uint32{}
		}
		ix.ids[v] = id
	}
	return id
}

// search finds a value's number by binary search in the value table.
func (ix *Index) search(v quad.Value) uint32 {
	enc, err := pquads.MarshalValue(v)
	if err != nil {
		return 0
	}
	n := ix.nValues()
	i := sort.Search(n, func(i int) bool { return bytes.Compare(ix.encoded(uint32(i+1)), enc) >= 0 })
	if i < n && bytes.Equal(ix.encoded(uint32(i+1)), enc) {
		return uint32(i + 1)
	}
	return 0
}

// rememberIRI caches an IRI's number; IRIs (nodes, predicates, labels)
// are most of what queries look up, by a string key, which hashes faster
// than an interface.
func (ix *Index) rememberIRI(iri string, id uint32) {
	if len(ix.iris) >= maxLookedUp {
		ix.iris = map[string]uint32{}
	}
	ix.iris[iri] = id
}

// LookupNamed is Lookup(value(name)), cached by name, so that a caller
// that names values by a short key (a node id) does not build the value
// again once it is known.
func (ix *Index) LookupNamed(name string, value func(string) quad.Value) uint32 {
	// A row's node is asked for several times in a row (its label, then
	// its properties): the last answer saves a lookup in a large map.
	if name == ix.lastName && ix.lastNum != 0 {
		return ix.lastNum
	}
	n, ok := ix.named[name]
	if !ok {
		n = ix.lookupName(name, value)
	}
	ix.lastName, ix.lastNum = name, n
	return n
}

func (ix *Index) lookupName(name string, value func(string) quad.Value) uint32 {
	n := ix.Lookup(value(name))
	if len(ix.named) >= maxLookedUp {
		ix.named = map[string]uint32{}
	}
	ix.named[name] = n
	return n
}

func (ix *Index) value(id uint32) (quad.Value, error) {
	if id == 0 {
		return nil, nil
	}
	// Decoded values are kept in pages allocated as they are touched: a
	// point lookup in a large store decodes a handful of values, and must
	// not pay for a table of all of them.
	page, at := id/valuePage, id%valuePage
	if ix.values == nil {
		ix.values = make([][]quad.Value, ix.nValues()/valuePage+1)
	}
	if ix.values[page] == nil {
		ix.values[page] = make([]quad.Value, valuePage)
	}
	if v := ix.values[page][at]; v != nil {
		return v, nil
	}
	v, err := decodeValue(ix.encoded(id))
	if err != nil {
		return nil, fmt.Errorf("query index: value %d: %w", id, err)
	}
	ix.values[page][at] = v
	return v, nil
}

// decodeValue decodes a value's encoding as pquads.UnmarshalValue does,
// the kinds a store holds most (IRIs, strings, numbers, booleans, each a
// single field) without protobuf's reflection, which was a sixth of a
// process's first query (TestDecodeValue compares the two).
func decodeValue(b []byte) (quad.Value, error) {
	if len(b) >= 2 {
		switch b[0] {
		case 2<<3 | 2, 3<<3 | 2: // str, iri: length-delimited
			n, k := binary.Uvarint(b[1:])
			if k > 0 && uint64(len(b)-1-k) == n && utf8.Valid(b[1+k:]) {
				s := string(b[1+k:])
				if b[0] == 2<<3|2 {
					return quad.String(s), nil
				}
				return quad.IRI(s), nil
			}
		case 8<<3 | 1: // float: 64 bits
			if len(b) == 9 {
				return quad.Float(math.Float64frombits(binary.LittleEndian.Uint64(b[1:]))), nil
			}
		case 7<<3 | 0, 9<<3 | 0: // int, boolean: varint
			x, k := binary.Uvarint(b[1:])
			if k > 0 && 1+k == len(b) {
				if b[0] == 7<<3 {
					return quad.Int(int64(x)), nil
				}
				return quad.Bool(x != 0), nil
			}
		}
	}
	return unmarshalValue(b)
}

// unmarshalValue is pquads.UnmarshalValue, with an error where it panics
// (a message with none of a value's fields: a damaged value).
func unmarshalValue(b []byte) (v quad.Value, err error) {
	defer func() {
		if recover() != nil {
			v, err = nil, errors.New("damaged value")
		}
	}()
	return pquads.UnmarshalValue(b)
}

// valuePage is how many decoded values are allocated together.
const valuePage = 1024

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

// Match calls fn with the quads whose directions hold the fixed values,
// reading the order whose longest prefix the fixed directions cover.
func (ix *Index) Match(ctx context.Context, fixed map[quad.Direction]quad.Value, fn func(quad.Quad) error) error {
	var want [4]uint32
	var has [4]bool
	for d, v := range fixed {
		id := ix.Lookup(v)
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

// Has reports whether the index holds a quad (sid, pid, oid, any label).
func (ix *Index) Has(sid, pid, oid uint32) bool {
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

// Value returns the value numbered id (nil for 0).
func (ix *Index) Value(id uint32) (quad.Value, error) { return ix.value(id) }

// spRange is where the quads (s, p, ·, ·) lie in spo.
func (ix *Index) spRange(s, p uint32) (lo, hi int) {
	if s == 0 || p == 0 || int(s) > ix.nValues() {
		return 0, 0
	}
	lo, hi = int(ix.sStart[s]), int(ix.sStart[s+1])
	first := lo + sort.Search(hi-lo, func(i int) bool { return ix.spo[(lo+i)*4+1] >= p })
	end := first + sort.Search(hi-first, func(i int) bool { return ix.spo[(first+i)*4+1] > p })
	return first, end
}

// opRange is where the quads (·, p, o, ·) lie in ops.
func (ix *Index) opRange(p, o uint32) (lo, hi int) {
	if o == 0 || p == 0 || int(o) > ix.nValues() {
		return 0, 0
	}
	lo, hi = int(ix.oStart[o]), int(ix.oStart[o+1])
	first := lo + sort.Search(hi-lo, func(i int) bool { return ix.spo[int(ix.ops[lo+i])*4+1] >= p })
	end := first + sort.Search(hi-first, func(i int) bool { return ix.spo[int(ix.ops[first+i])*4+1] > p })
	return first, end
}

// Objects calls fn with the object and label of each quad (s, p, ·, ·),
// in order of object, until fn returns false.
func (ix *Index) Objects(s, p uint32, fn func(o, l uint32) bool) {
	lo, hi := ix.spRange(s, p)
	for i := lo; i < hi; i++ {
		if !fn(ix.spo[i*4+2], ix.spo[i*4+3]) {
			return
		}
	}
}

// Subjects calls fn with the subject and label of each quad (·, p, o, ·),
// in order of subject, until fn returns false.
func (ix *Index) Subjects(p, o uint32, fn func(s, l uint32) bool) {
	lo, hi := ix.opRange(p, o)
	for i := lo; i < hi; i++ {
		q := int(ix.ops[i]) * 4
		if !fn(ix.spo[q], ix.spo[q+3]) {
			return
		}
	}
}

// A Set is a set of value numbers.
type Set []uint64

// Has reports whether the set holds id.
func (s Set) Has(id uint32) bool {
	return int(id>>6) < len(s) && s[id>>6]&(1<<(id&63)) != 0
}

// SubjectSet returns the subjects of the quads (·, p, o, ·) as a set, built
// on first use and kept: a label's members, tested once per row reached.
func (ix *Index) SubjectSet(p, o uint32) Set {
	key := [2]uint32{p, o}
	if s, ok := ix.sets[key]; ok {
		return s
	}
	s := make(Set, ix.nValues()/64+1)
	ix.Subjects(p, o, func(id, _ uint32) bool {
		s[id>>6] |= 1 << (id & 63)
		return true
	})
	if ix.sets == nil {
		ix.sets = map[[2]uint32]Set{}
	}
	ix.sets[key] = s
	return s
}
