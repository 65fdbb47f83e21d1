package queryindex

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"unsafe"

	"github.com/cayleygraph/quad"
	hkv "github.com/hidal-go/hidalgo/kv"

	"claimgraph/graph/boltmap"
)

// sparseIDs makes Build number values through a map whatever their ids
// (for tests of that path).
var sparseIDs = false

// Build writes the query index of a Cayley key-value store to name,
// from one read transaction over Cayley's log (every value and quad
// record, in id order: a sequential scan).
//
// A large store's index is built in parts, to bound the memory the build
// holds: the index of the log's first buildPart records, then that index
// updated (see Update) with the next buildPart records, and so on.
func Build(ctx context.Context, db hkv.KV, name string) error {
	if !littleEndian() {
		return nil
	}
	last, err := Horizon(ctx, db)
	if err != nil {
		return err
	}
	if last <= buildPart {
		return buildPrefix(ctx, db, name, 0)
	}
	part, next := name+".part", name+".next"
	defer os.Remove(part)
	defer os.Remove(next)
	if err := buildPrefix(ctx, db, part, buildPart); err != nil {
		return err
	}
	for h := uint64(buildPart); ; h += buildPart {
		if h+buildPart >= last {
			return update(ctx, part, h, 0, kvLog{kv: db}, name, nil)
		}
		if err := update(ctx, part, h, h+buildPart, kvLog{kv: db}, next, nil); err != nil {
			return err
		}
		if err := os.Rename(next, part); err != nil {
			return err
		}
	}
}

// splitFrom is the fewest log records read in two halves at once (a
// variable for tests).
var splitFrom uint64 = 1 << 12

// buildPart is how many log records a part of a build reads. At 100k
// sources (9 million records) a build at once held 505 MiB in 11–13 s;
// parts of 2^21 records 205 MiB in 19–27 s, of 2^22 370 MiB in 18–19 s.
// (A variable for tests.)
var buildPart uint64 = 1 << 21

// buildPrefix writes the index of the log's records with ids up to upTo
// (0: all of them).
func buildPrefix(ctx context.Context, db hkv.KV, name string, upTo uint64) error {
	defer boltmap.Release(db) // see update
	// Every value's encoding is copied into an arena of large chunks (a
	// value is a chunk, an offset and a length), and quads keep Cayley's
	// ids in 32 bits, renumbered in place; log records are decoded without
	// allocating. The build holds little more than the index it writes
	// (and its quads twice while it merges them), and makes almost no
	// garbage, so a large store's build is not doubled by the collector's
	// headroom. The log is read in two halves at once, each sorted on its
	// own core, then merged.
	var (
		halves [2]logPart
		size   uint64
		maxID  uint64
	)
	// Cayley counts the live quads: room for them at once.
	err := hkv.View(ctx, db, func(tx hkv.Tx) error {
		if raw, err := tx.Get(ctx, hkv.Key{[]byte("meta"), []byte("size")}); err == nil && len(raw) == 8 {
			size = binary.LittleEndian.Uint64(raw)
			if upTo > 0 {
				size = min(size, upTo)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	last := upTo
	if last == 0 {
		if last, err = Horizon(ctx, db); err != nil {
			return err
		}
	}
	parts := kvLog{kv: db}.halves(0, last)
	if last < splitFrom {
		parts = [2]logHalf{{kvLog{kv: db}, 0, upTo}}
	}
	err = bothHalves(func(i int) error {
		if parts[i].log.kv == nil {
			return nil
		}
		return halves[i].read(ctx, parts[i], size/2+size/8)
	})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The second half's values keep their encodings in its own chunks.
	arena := halves[0].arena
	for i := range halves[1].nodes {
		halves[1].nodes[i].chunk += uint32(len(arena.chunks))
	}
	arena.chunks = append(arena.chunks, halves[1].arena.chunks...)
	enc := func(n node) []byte { return arena.chunks[n.chunk][n.off : n.off+n.len] }
	byEnc := func(a, b node) int { return bytes.Compare(enc(a), enc(b)) }
	bothHalves(func(i int) error {
		slices.SortFunc(halves[i].nodes, byEnc)
		return nil
	})
	nodes := mergeSorted(halves[0].nodes, halves[1].nodes, byEnc)
	halves[0].nodes, halves[1].nodes = nil, nil
	maxID = max(halves[0].maxID, halves[1].maxID)
	nquads := len(halves[0].spo) + len(halves[1].spo)
	// One number per distinct value, should the log hold a value twice.
	// Cayley numbers every log record in turn, so ids are dense unless
	// many records were removed: then a map.
	var number func(id uint32) uint32
	var set func(id, n uint32)
	if maxID <= 4*uint64(len(nodes)+nquads)+1024 && !sparseIDs {
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
	// The map, if one, is only read from here on.
	err = bothHalves(func(i int) error {
		spo := halves[i].spo
		for j := range spo {
			for k := range 4 {
				id := spo[j][k]
				if id == 0 {
					continue
				}
				d := number(id)
				if d == 0 {
					return fmt.Errorf("read the store's log: a quad refers to value %d, which is missing", id)
				}
				spo[j][k] = d
			}
		}
		slices.SortFunc(spo, byOrder(orderSPO))
		return nil
	})
	if err != nil {
		return err
	}
	number, set = nil, nil
	spo := mergeSorted(halves[0].spo, halves[1].spo, byOrder(orderSPO))
	halves[0].spo, halves[1].spo = nil, nil
	// The two permutations sort independently: one on each core.
	var ops, ls []uint32
	done := make(chan struct{})
	go func() {
		defer close(done)
		ops = permutation(spo, orderOPS)
	}()
	ls = permutation(spo, orderLS)
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

	var blobSize uint64
	for _, n := range nodes {
		blobSize += uint64(n.len)
	}
	out, err := createFile(name)
	if err != nil {
		return err
	}
	defer out.abandon()
	out.temporary = upTo > 0
	out.header(indexHeader{Magic: indexMagic, NValues: uint64(len(nodes)), NQuads: uint64(len(spo)), BlobSize: blobSize})
	var sum uint64
	out.u64(0)
	for _, n := range nodes {
		sum += uint64(n.len)
		out.u64(sum)
	}
	out.pad((len(nodes) + 1) * 8)
	for _, n := range nodes {
		out.w.Write(enc(n))
	}
	out.pad(int(blobSize))
	if len(spo) > 0 {
		out.w.Write(unsafe.Slice((*byte)(unsafe.Pointer(&spo[0])), len(spo)*16))
		out.u32s(ops)
		out.u32s(ls)
	}
	for _, st := range [][]uint32{sStart, oStart, lStart} {
		out.u32s(st)
	}
	return out.commit()
}

// node is a value read from the log: its id, and where its encoding is
// in the arena.
type node struct {
	id, chunk, off, len uint32
}

// logPart is what is read of a part of the log.
type logPart struct {
	nodes []node
	arena arena
	spo   [][4]uint32
	maxID uint64
}

// read reads the records of half, with room for quads of them.
func (p *logPart) read(ctx context.Context, half logHalf, quads uint64) error {
	p.spo = make([][4]uint32, 0, quads)
	_, err := half.log.records(ctx, half.h, half.upTo, func(id uint32, value []byte) {
		chunk, off := p.arena.add(value)
		p.nodes = append(p.nodes, node{id, chunk, off, uint32(len(value))})
		p.maxID = max(p.maxID, uint64(id))
	}, func(q [4]uint32) { p.spo = append(p.spo, q) })
	return err
}

// bothHalves runs fn(0) and fn(1) at once and returns the first error.
func bothHalves(fn func(i int) error) error {
	errc := make(chan error, 1)
	go func() { errc <- fn(1) }()
	err := fn(0)
	if err1 := <-errc; err == nil {
		err = err1
	}
	return err
}

// mergeSorted returns the elements of a and b, each sorted by cmp, in order; of
// equal ones, a's first.
func mergeSorted[T any](a, b []T, cmp func(x, y T) int) []T {
	out := make([]T, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if cmp(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// file is an index file being written: a temporary file renamed into
// place, durably, by commit.
type file struct {
	name, tmp string
	f         *os.File
	w         *bufio.Writer
	temporary bool // a part of a build: not synced
	written   int
	sum       uint32 // CRC-32C of what was written (see trailer)
	// release, if set, is called after every releaseEvery bytes written:
	// an update lets go of the pages of the base it has read (which it
	// reads in step with what it writes).
	release func()
}

func createFile(name string) (*file, error) {
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return nil, err
	}
	out := &file{name: name, tmp: tmp, f: f}
	out.w = bufio.NewWriterSize(fileWriter{out}, 1<<20)
	return out, nil
}

// fileWriter is what a file's buffer flushes to.
type fileWriter struct{ f *file }

func (w fileWriter) Write(p []byte) (int, error) {
	if w.f.written += len(p); w.f.written >= releaseEvery && w.f.release != nil {
		w.f.release()
		w.f.written = 0
	}
	w.f.sum = crc32.Update(w.f.sum, castagnoli, p)
	return w.f.f.Write(p)
}

func (f *file) header(h indexHeader) { binary.Write(f.w, binary.LittleEndian, h) }

// pad writes the zeros that align a section of n bytes to 8.
func (f *file) pad(n int) { f.w.Write(make([]byte, align8(n)-n)) }

func (f *file) u64(x uint64) {
	if f.w.Available() < 8 {
		f.w.Flush()
	}
	f.w.Write(binary.LittleEndian.AppendUint64(f.w.AvailableBuffer(), x))
}

func (f *file) u32(x uint32) {
	if f.w.Available() < 4 {
		f.w.Flush()
	}
	f.w.Write(binary.LittleEndian.AppendUint32(f.w.AvailableBuffer(), x))
}

// u32s writes a whole section of uint32s, padded.
func (f *file) u32s(xs []uint32) {
	if len(xs) > 0 {
		f.w.Write(unsafe.Slice((*byte)(unsafe.Pointer(&xs[0])), len(xs)*4))
	}
	f.pad(len(xs) * 4)
}

func (f *file) commit() error {
	if err := f.w.Flush(); err != nil {
		return err
	}
	if _, err := f.f.Write(trailer(f.sum)); err != nil {
		return err
	}
	if f.temporary {
		if err := f.f.Close(); err != nil {
			return err
		}
		f.f = nil
		return os.Rename(f.tmp, f.name)
	}
	if err := f.f.Sync(); err != nil {
		return err
	}
	if err := f.f.Close(); err != nil {
		return err
	}
	f.f = nil
	if err := os.Rename(f.tmp, f.name); err != nil {
		return err
	}
	return syncDir(filepath.Dir(f.name))
}

// abandon removes the file unless it was committed.
func (f *file) abandon() {
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
	os.Remove(f.tmp)
}

// permutation returns the positions of quads, which are sorted by
// orderSPO, in order o (orderOPS or orderLS). Sorting positions by
// comparing the quads they point to was a cache miss per comparison, and
// a sixth of building the index of 7 million quads; stable counting sorts
// by one direction at a time, last key first, read each quad once per
// pass. The SPO order the quads are in already settles the keys o ends
// with: (l, s, p, o) is a stable sort by label of (s, p, o, l), and
// (o, p, s, l) a stable sort by object of a stable sort by predicate.
func permutation(quads [][4]uint32, o [4]quad.Direction) []uint32 {
	var passes []quad.Direction
	switch o {
	case orderOPS:
		passes = []quad.Direction{quad.Predicate, quad.Object}
	case orderLS:
		passes = []quad.Direction{quad.Label}
	default:
		panic(fmt.Sprintf("queryindex: no counting sort for order %v", o))
	}
	idx := make([]uint32, len(quads))
	for i := range idx {
		idx[i] = uint32(i)
	}
	out := make([]uint32, len(quads))
	var count []uint32
	for _, d := range passes {
		k := slot(d)
		var top uint32
		for _, q := range quads {
			top = max(top, q[k])
		}
		if cap(count) < int(top)+2 {
			count = make([]uint32, top+2)
		}
		count = count[:top+2]
		clear(count)
		for _, i := range idx {
			count[quads[i][k]+1]++
		}
		for v := 1; v < len(count); v++ {
			count[v] += count[v-1]
		}
		for _, i := range idx {
			v := quads[i][k]
			out[count[v]] = i
			count[v]++
		}
		idx, out = out, idx
	}
	return idx
}

// byOrder compares quads (ids in slot order) in order o.
func byOrder(o [4]quad.Direction) func(a, b [4]uint32) int {
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

// arena holds values' encodings in chunks that are filled, never moved:
// one growing slice would copy everything it holds at every growth and
// leave the old copy to the collector.
type arena struct {
	chunks [][]byte
}

// arenaChunk is the size of an arena chunk (a variable for tests).
var arenaChunk = 16 << 20

func (a *arena) add(b []byte) (chunk, off uint32) {
	n := len(a.chunks)
	if n == 0 || len(a.chunks[n-1])+len(b) > cap(a.chunks[n-1]) {
		a.chunks = append(a.chunks, make([]byte, 0, max(arenaChunk, len(b))))
		n++
	}
	c := &a.chunks[n-1]
	off = uint32(len(*c))
	*c = append(*c, b...)
	return uint32(n - 1), off
}

// primitive is what the index needs of one of Cayley's log records (its
// Primitive message): a value, or a quad's four ids.
type primitive struct {
	id      uint64
	dirs    [4]uint64 // subject, predicate, object, label
	deleted bool
}

// decodePrimitive decodes a log record as proto.Unmarshal decodes it into
// a Primitive, returning the value's encoding as a part of b rather than
// a copy (TestDecodePrimitive compares the two).
func decodePrimitive(b []byte) (p primitive, value []byte, err error) {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 || tag>>3 == 0 || tag>>3 > 1<<29 {
			return p, nil, errors.New("damaged log record")
		}
		b = b[n:]
		field, wire := tag>>3, tag&7
		switch wire {
		case 0: // varint
			x, n := binary.Uvarint(b)
			if n <= 0 {
				return p, nil, errors.New("damaged log record")
			}
			b = b[n:]
			switch field {
			case 1:
				p.id = x
			case 2, 3, 4, 5:
				p.dirs[field-2] = x
			case 9:
				p.deleted = x != 0
			}
		case 2: // length-delimited
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return p, nil, errors.New("damaged log record")
			}
			if field == 8 {
				value = b[n : n+int(l)]
			}
			b = b[n+int(l):]
		case 1: // 64-bit
			if len(b) < 8 {
				return p, nil, errors.New("damaged log record")
			}
			b = b[8:]
		case 5: // 32-bit
			if len(b) < 4 {
				return p, nil, errors.New("damaged log record")
			}
			b = b[4:]
		default:
			return p, nil, errors.New("damaged log record")
		}
	}
	return p, value, nil
}
