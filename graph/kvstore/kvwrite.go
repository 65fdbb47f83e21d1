package kvstore

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "github.com/boltdb/bolt"
	ckv "github.com/cayleygraph/cayley/graph/kv"
	"github.com/cayleygraph/cayley/graph/refs"
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
	hkv "github.com/hidal-go/hidalgo/kv"
	hbbolt "github.com/hidal-go/hidalgo/kv/bbolt"
	hbolt "github.com/hidal-go/hidalgo/kv/bolt"
	"github.com/syndtr/goleveldb/leveldb"
	bbolt "go.etcd.io/bbolt"

	"claimgraph/graph/boltmap"
	"claimgraph/graph/levelkv"
)

// This file adds quads to a key-value store in Cayley's own layout,
// leaving the same keys and values that Cayley's ApplyDeltas leaves (with
// IgnoreDup), which TestAddQuadsAsCayley checks key by key. Cayley's
// writer spends most of a load looking up one key at a time, through a
// bucket lookup per key and in random order; this one resolves a batch's
// values once, then writes each bucket's keys in sorted order.
//
// The layout (cayley/graph/kv, data version 2):
//   - "v"+hash[0:2] / hash → uvarint id of the value
//   - "n"+hash[0:2] / hash → uvarint number of quad directions holding it
//   - "log" / big-endian id → Primitive (a value, or a quad's four ids)
//   - one bucket per index, named by its directions' prefixes ("sp",
//     "ops", "ls") / the big-endian ids of those directions → uvarint
//     list of the ids of the quads with them, dead ones included
//   - "meta" / "horizon" (last id given), "size" (live quads), little-endian
//
// Cayley's in-memory filters would not see what is written here, so a
// store that uses this writer opens Cayley's quad store without them.

var (
	metaBucketName = []byte("meta")
	logBucketName  = []byte("log")
)

// kvNode is one distinct value of a batch.
type kvNode struct {
	hash  refs.ValueHash
	val   quad.Value
	count int    // quad directions of the batch holding it
	id    uint64 // its id, stored or given now
	isNew bool
	// stored is the reference count of a stored value
	stored uint64
	into   *kvNode // the node it is one with (see values)
}

// addQuads writes quads as Cayley's ApplyDeltas with IgnoreDup would: a
// quad already stored and live is not written again, though (as in Cayley)
// its values' reference counts still grow. The quads of one label (one
// record) are consecutive and written in one transaction; see txSplit for
// when there is more than one.
func (s *Store) addQuads(ctx context.Context, quads []quad.Quad) error {
	ends := recordEnds(quads)
	now := time.Now().UnixNano()
	for done := 0; done < len(ends); {
		n, part := s.adds.next(quads, ends, done)
		cost, err := s.addQuadsOnce(ctx, part, now, n > 1 && s.adds.fixed == 0)
		if big := (*tooCostly)(nil); errors.As(err, &big) {
			s.adds.learn(n, big.cost)
			continue
		}
		if err != nil {
			return err
		}
		if s.adds.trace != nil {
			s.adds.trace(n, cost)
		}
		s.adds.learn(n, cost)
		done += n
		// Part of the quads is committed: the rest follows, so that a
		// cancelled write leaves every record of it or none.
		ctx = context.WithoutCancel(ctx)
	}
	return nil
}

// addQuadsOnce writes quads in one transaction and returns its cost (see
// txSplit). With limited, it writes nothing and returns *tooCostly when
// the cost would exceed txCostBudget.
func (s *Store) addQuadsOnce(ctx context.Context, quads []quad.Quad, now int64, limited bool) (int, error) {
	tx, err := s.beginKV()
	if err != nil {
		return 0, err
	}
	tx.sortPuts(len(quads))
	tx.written = &s.written
	if tx.release != nil {
		tx.release() // what the reads before the write mapped
	}
	budget := 0
	if limited {
		budget = txCostBudget
	}
	cost, err := addQuadsTx(ctx, tx, quads, now, budget)
	if err != nil {
		tx.rollback()
		return cost, err
	}
	if err := tx.commit(); err != nil {
		return cost, err
	}
	if tx.committed != nil {
		tx.committed()
	}
	boltmap.Release(s.kv) // see package boltmap
	return cost, nil
}

// txSplit chooses how many records one transaction of a write adds.
//
// Bolt and bbolt keep every page a transaction changes in memory until it
// commits, as a node and as a new page. Cayley's layout spreads values by
// hash over 131,072 buckets, so a batch changes nearly every one of them
// once it adds more values than there are buckets, and its memory grows
// with the store: buckets held in their parent's pages grow, and from some
// 1.5 million values on most have pages of their own, changed a page per
// value added (a batch of 2,000 records into 90k sources reached 1.6 GiB).
// So a transaction's cost is estimated before anything is written, as the
// bytes of the value buckets' pages it changes (see kvBucket.cost); a
// batch whose cost would exceed txCostBudget is written in several
// transactions, each record whole in one, as many records in each as the
// last transaction's cost per record lets fit. Stores of fewer than some
// 50,000 generated sources never reach the budget.
type txSplit struct {
	limit int                     // records per transaction; 0: no limit
	fixed int                     // tests: exactly this many records per transaction
	trace func(records, cost int) // tests: called after each transaction
}

// txCostBudget is the cost at which a write is split. Loading 100k
// sources (docs/performance.md): 48 MiB peaked at 1.23 GiB anonymous in
// 236 s, 32 MiB at 0.97 GiB in 254 s, 24 MiB at 0.90 GiB in 266 s; without
// a budget, 1.86 GiB in 235 s.
var txCostBudget = 32 << 20

// next returns the records (and their quads) of the next transaction of
// a write, after done records of those that end at ends.
func (t *txSplit) next(quads []quad.Quad, ends []int, done int) (records int, part []quad.Quad) {
	records = len(ends) - done
	switch {
	case t.fixed > 0:
		records = min(records, t.fixed)
	case t.limit > 0:
		records = min(records, t.limit)
	}
	from := 0
	if done > 0 {
		from = ends[done-1]
	}
	return records, quads[from:ends[done+records-1]]
}

// learn sets the limit after n records cost (or would have cost) cost: to
// as many records as fill nine tenths of the budget at that cost per
// record, which grows slowly with the store.
func (t *txSplit) learn(n, cost int) {
	if cost > 0 {
		t.limit = max(1, int(int64(n)*int64(txCostBudget)/int64(cost)*9/10))
	}
}

// tooCostly is addQuadsTx's refusal of a transaction over its budget.
type tooCostly struct{ cost int }

func (e *tooCostly) Error() string {
	return fmt.Sprintf("transaction would change %d bytes of pages", e.cost)
}

// recordEnds returns the end of each run of quads with the same label.
func recordEnds(quads []quad.Quad) []int {
	var ends []int
	for i := 1; i <= len(quads); i++ {
		if i == len(quads) || quads[i].Label != quads[i-1].Label {
			ends = append(ends, i)
		}
	}
	return ends
}

// kvBatch is one addQuads in the making.
type kvBatch struct {
	tx      *kvTx
	indexes []ckv.QuadIndex
	nodes   []*kvNode // the batch's distinct values, in hash order
	fresh   []*kvNode // those not stored yet, in hash order
	links   [][4]uint64
	stored  uint64 // the store's horizon before the batch: ids above are new
	first   uint64 // the id of links[0]
	now     int64
}

func addQuadsTx(ctx context.Context, tx *kvTx, quads []quad.Quad, now int64, budget int) (int, error) {
	b := &kvBatch{tx: tx, now: now}
	var err error
	if b.indexes, err = readIndexes(tx); err != nil {
		return 0, err
	}
	dirs := b.values(quads)
	cost, err := openInOrder(tx, b.indexes, b.nodes)
	if err != nil {
		return cost, err
	}
	if budget > 0 && cost > budget {
		return cost, &tooCostly{cost}
	}
	return cost, b.write(ctx, dirs, len(quads))
}

func (b *kvBatch) write(ctx context.Context, dirs []*kvNode, nquads int) error {
	var err error
	tx := b.tx
	if b.stored, err = tx.metaInt("horizon"); err != nil {
		return err
	}
	if err := b.number(); err != nil {
		return err
	}
	if err := b.chooseLinks(nquads, dirs); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The indexes' entries are sorted on another core meanwhile.
	sorted := make([]chan []indexEntry, len(b.indexes))
	for i, ind := range b.indexes {
		sorted[i] = make(chan []indexEntry, 1)
		go func() { sorted[i] <- b.sortIndex(ind) }()
	}
	if err := b.writeValues(); err != nil {
		return err
	}
	tx.endStage()
	if err := b.writeLinks(); err != nil {
		return err
	}
	tx.endStage()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, ind := range b.indexes {
		if err := b.writeIndex(ind, <-sorted[i]); err != nil {
			return err
		}
		if i < len(b.indexes)-1 {
			tx.endStage() // the last is written as the transaction commits
		}
	}
	return b.writeMeta()
}

// values finds the batch's distinct values, each hashed once (Cayley
// hashes v.String(), so values printing alike are one node, the first one
// seen kept), and returns each quad direction's value, four per quad. A
// large batch's halves are hashed on two cores, then merged.
func (b *kvBatch) values(quads []quad.Quad) []*kvNode {
	dirs := make([]*kvNode, 4*len(quads))
	if len(quads) < 2*valuesShare {
		_, b.nodes = findValues(quads, dirs)
	} else {
		half := len(quads) / 2
		var byHash map[refs.ValueHash]*kvNode
		var later []*kvNode
		inHalves(func(second bool) error {
			if second {
				_, later = findValues(quads[half:], dirs[4*half:])
			} else {
				byHash, b.nodes = findValues(quads[:half], dirs[:4*half])
			}
			return nil
		})
		for _, n := range later {
			if first := byHash[n.hash]; first != nil {
				first.count += n.count
				n.into = first
				continue
			}
			b.nodes = append(b.nodes, n)
		}
		for i := 4 * half; i < len(dirs); i++ {
			if n := dirs[i]; n != nil && n.into != nil {
				dirs[i] = n.into
			}
		}
	}
	slices.SortFunc(b.nodes, func(x, y *kvNode) int { return bytes.Compare(x.hash[:], y.hash[:]) })
	return dirs
}

// inHalves runs fn for the first half of some work here and for the
// second on another core, and returns the first error.
func inHalves(fn func(second bool) error) error {
	errc := make(chan error, 1)
	go func() { errc <- fn(true) }()
	err := fn(false)
	if err2 := <-errc; err == nil {
		err = err2
	}
	return err
}

// valuesShare is the fewest quads worth a core of their own to hash (a
// variable for tests).
var valuesShare = 8192

// findValues finds the distinct values of quads, in the order first
// seen, and sets each quad direction's value in dirs, four per quad.
func findValues(quads []quad.Quad, dirs []*kvNode) (map[refs.ValueHash]*kvNode, []*kvNode) {
	hashes := make(map[quad.Value]refs.ValueHash, len(quads))
	byHash := make(map[refs.ValueHash]*kvNode, len(quads))
	var nodes []*kvNode
	// A record's quads follow each other, with its label and often the
	// same subject or predicate: the last IRI of each direction is
	// compared before the maps are asked.
	var lastIRI [4]quad.IRI
	var lastNode [4]*kvNode
	for i, q := range quads {
		for j, d := range quad.Directions {
			v := q.Get(d)
			if v == nil {
				continue
			}
			iri, isIRI := v.(quad.IRI)
			if isIRI && lastNode[j] != nil && iri == lastIRI[j] {
				lastNode[j].count++
				dirs[4*i+j] = lastNode[j]
				continue
			}
			h, ok := hashes[v]
			if !ok {
				h = refs.HashOf(v)
				hashes[v] = h
			}
			n := byHash[h]
			if n == nil {
				n = &kvNode{hash: h, val: v}
				byHash[h] = n
				nodes = append(nodes, n)
			}
			n.count++
			dirs[4*i+j] = n
			if isIRI {
				lastIRI[j], lastNode[j] = iri, n
			}
		}
	}
	return byHash, nodes
}

// number gives stored values their ids and reference counts, and new
// ones the next ids, in hash order. A large batch's values are looked up
// on two cores where the store lets them (reader).
func (b *kvBatch) number() error {
	nodes := b.nodes
	if f := b.filter(); f != nil {
		// Only the values the filter may hold are looked up.
		maybe := nodes[:0:0]
		for _, n := range nodes {
			if f.mayHold(&n.hash) {
				maybe = append(maybe, n)
			}
		}
		nodes = maybe
	}
	if b.tx.reader != nil && len(nodes) >= 2*numberShare {
		half := len(nodes) / 2
		err := inHalves(func(second bool) error {
			if second {
				return readStored(nodes[half:], b.tx.reader())
			}
			return readStored(nodes[:half], b.tx.reader())
		})
		if err != nil {
			return err
		}
	} else if err := readStored(nodes, b.tx.get); err != nil {
		return err
	}
	for _, n := range b.nodes {
		if n.id == 0 { // ids start at 1
			b.fresh = append(b.fresh, n)
		}
	}
	for i, n := range b.fresh {
		n.id, n.isNew = b.stored+1+uint64(i), true
	}
	return nil
}

// filter returns the store's filter of the values written, if it holds
// every stored value, and has the transaction's new values added to it
// once it commits.
func (b *kvBatch) filter() *valueFilter {
	tx := b.tx
	if tx.written == nil {
		return nil
	}
	f := *tx.written
	switch {
	case f != nil && f.horizon == b.stored:
	case b.stored == 0:
		f = &valueFilter{}
	default:
		*tx.written = nil // values were given by another writer
		return nil
	}
	tx.committed = func() {
		for _, n := range b.fresh {
			f.add(&n.hash)
		}
		f.horizon = b.first - 1 + uint64(len(b.links))
		*tx.written = f
	}
	return f
}

// numberShare is the fewest values worth a core of their own to look up
// (a variable for tests).
var numberShare = 4096

// readStored reads the ids and reference counts of the stored values
// among nodes.
func readStored(nodes []*kvNode, get func(bucket, key []byte) ([]byte, error)) error {
	for _, n := range nodes {
		v, err := get(valueBucket('v', n.hash), n.hash[:])
		if err != nil {
			return err
		}
		if len(v) == 0 {
			continue
		}
		n.id, _ = binary.Uvarint(v)
		c, err := get(valueBucket('n', n.hash), n.hash[:])
		if err != nil {
			return err
		}
		n.stored, _ = binary.Uvarint(c)
	}
	return nil
}

// chooseLinks keeps the first of equal quads in the batch, and none that
// is stored live; the quads' ids follow the new values'.
//
// Equal quads have equal labels, and a batch comes a record, a label, at
// a time: so unless a label has quads apart, each label's quads are told
// apart on their own, in a small map that stays in the cache (one map of
// the batch's quads took half of this).
func (b *kvBatch) chooseLinks(nquads int, dirs []*kvNode) error {
	byLabel := labelsTogether(nquads, dirs)
	var seen map[[4]uint64]struct{}
	if byLabel {
		seen = make(map[[4]uint64]struct{}, 64)
	} else {
		seen = make(map[[4]uint64]struct{}, nquads)
	}
	b.links = make([][4]uint64, 0, nquads)
	for i := range nquads {
		if byLabel && i > 0 && dirs[4*i+3] != dirs[4*i-1] {
			if len(seen) > 1024 {
				seen = make(map[[4]uint64]struct{}, 64) // cleared, a large map costs its size
			} else {
				clear(seen)
			}
		}
		var ids [4]uint64
		isNew := false
		for j, n := range dirs[4*i : 4*i+4] {
			if n != nil {
				ids[j] = n.id
				isNew = isNew || n.isNew
			}
		}
		if _, ok := seen[ids]; ok {
			continue
		}
		seen[ids] = struct{}{}
		if !isNew {
			stored, err := storedLive(b.tx, b.indexes, ids)
			if err != nil {
				return err
			}
			if stored {
				continue
			}
		}
		b.links = append(b.links, ids)
	}
	b.first = b.stored + uint64(len(b.fresh)) + 1
	return nil
}

// labelsTogether tells whether each label's quads (no label being one)
// follow each other.
func labelsTogether(nquads int, dirs []*kvNode) bool {
	seen := map[*kvNode]bool{}
	for i := range nquads {
		l := dirs[4*i+3]
		if i > 0 && l == dirs[4*i-1] {
			continue
		}
		if seen[l] {
			return false
		}
		seen[l] = true
	}
	return true
}

// writeValues writes the new values' ids and log records and every
// value's reference count, each bucket's keys in order.
func (b *kvBatch) writeValues() error {
	tx := b.tx
	for _, n := range b.fresh {
		if err := tx.put(valueBucket('v', n.hash), n.hash[:], tx.uvarint(n.id)); err != nil {
			return err
		}
	}
	for _, n := range b.nodes {
		if err := tx.put(valueBucket('n', n.hash), n.hash[:], tx.uvarint(n.stored+uint64(n.count))); err != nil {
			return err
		}
	}
	for _, n := range b.fresh {
		value, err := pquads.MarshalValue(n.val)
		if err != nil {
			return err
		}
		if err := tx.put(logBucketName, tx.bigEndian(n.id), tx.primitive(n.id, [4]uint64{}, b.now, value)); err != nil {
			return err
		}
	}
	return nil
}

// writeLinks writes the quads' log records.
func (b *kvBatch) writeLinks() error {
	for i, ids := range b.links {
		id := b.first + uint64(i)
		if err := b.tx.put(logBucketName, b.tx.bigEndian(id), b.tx.primitive(id, ids, b.now, nil)); err != nil {
			return err
		}
	}
	return nil
}

// indexEntry is a quad's entry in an index: its directions' ids in the
// index's order, then the quad's id.
type indexEntry struct{ key [5]uint64 }

// sortIndex returns the new quads' entries in one index, in order: by
// key, compared as numbers (the order of their big-endian bytes), then
// by quad id, so that each key's list stays ascending.
func (b *kvBatch) sortIndex(ind ckv.QuadIndex) []indexEntry {
	nd := len(ind.Dirs)
	entries := make([]indexEntry, len(b.links))
	for i, ids := range b.links {
		var e indexEntry
		for j, d := range ind.Dirs {
			e.key[j] = ids[dirSlot(d)]
		}
		e.key[nd] = b.first + uint64(i)
		entries[i] = e
	}
	slices.SortFunc(entries, func(x, y indexEntry) int {
		for j := range x.key {
			if c := cmp.Compare(x.key[j], y.key[j]); c != 0 {
				return c
			}
		}
		return 0
	})
	return entries
}

// writeIndex appends the new quads' ids to their keys' lists in one
// index, from its entries in order.
func (b *kvBatch) writeIndex(ind ckv.QuadIndex, entries []indexEntry) error {
	nd := len(ind.Dirs)
	tx, bucket := b.tx, indexBucket(ind)
	for i := 0; i < len(entries); {
		j := i + 1
		for j < len(entries) && slices.Equal(entries[j].key[:nd], entries[i].key[:nd]) {
			j++
		}
		key := tx.alloc(8 * nd)
		newKey := false
		for k := range nd {
			binary.BigEndian.PutUint64(key[8*k:], entries[i].key[k])
			newKey = newKey || entries[i].key[k] > b.stored
		}
		// A key holding a value new in this batch is not stored yet: in a
		// load of new records most are, and asking leveldb for an absent
		// key searches every level of its tree.
		var old []byte
		if !newKey {
			var err error
			if old, err = tx.get(bucket, key); err != nil {
				return err
			}
		}
		list := tx.alloc(len(old) + binary.MaxVarintLen64*(j-i))[:len(old)]
		copy(list, old)
		for _, e := range entries[i:j] {
			list = binary.AppendUvarint(list, e.key[nd])
		}
		if err := tx.put(bucket, key, list); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// writeMeta advances the horizon (the last id given) and the count of
// live quads, writing neither when it does not change, as Cayley does.
func (b *kvBatch) writeMeta() error {
	if len(b.fresh)+len(b.links) == 0 {
		return nil
	}
	if err := b.tx.putMetaInt("horizon", b.first-1+uint64(len(b.links))); err != nil {
		return err
	}
	if len(b.links) == 0 {
		return nil
	}
	size, err := b.tx.metaInt("size")
	if err != nil {
		return err
	}
	return b.tx.putMetaInt("size", size+uint64(len(b.links)))
}

// openInOrder opens (creating where needed) the buckets the batch writes
// to, in order of name: bolt inserts a new bucket's entry into an array
// that stays whole until the transaction commits, so creating the value
// buckets of a batch in hash order ("v…" before "n…") moves that array
// once per bucket, which made a first batch of 6,000 records take 25 s.
// A store without buckets (leveldb) has nothing to create.
func openInOrder(tx *kvTx, indexes []ckv.QuadIndex, nodes []*kvNode) (cost int, err error) {
	if tx.hasBucket == nil {
		return 0, nil
	}
	names := [][]byte{metaBucketName, logBucketName}
	for _, ind := range indexes {
		names = append(names, indexBucket(ind))
	}
	for _, kind := range []byte{'n', 'v'} {
		var last []byte
		for _, n := range nodes {
			if b := valueBucket(kind, n.hash); !bytes.Equal(b, last) {
				names = append(names, b)
				last = b
			}
		}
	}
	slices.SortFunc(names, bytes.Compare)
	for _, name := range names {
		b, err := tx.open(name)
		if err != nil {
			return cost, err
		}
		if len(name) == 3 && (name[0] == 'n' || name[0] == 'v') {
			cost += b.cost(tx.pageSize)
		}
	}
	return cost, nil
}

// storedLive reports whether a live quad with these ids is stored.
func storedLive(tx *kvTx, indexes []ckv.QuadIndex, ids [4]uint64) (bool, error) {
	_, p, err := liveQuad(tx, indexes, ids)
	return p != nil, err
}

// readIndexes reads the store's list of quad indexes.
func readIndexes(tx *kvTx) ([]ckv.QuadIndex, error) {
	raw, err := tx.get(metaBucketName, []byte("indexes"))
	if err != nil {
		return nil, err
	}
	return decodeIndexes(raw)
}

// decodeIndexes decodes the store's list of quad indexes, as Cayley keeps
// it under meta/indexes.
func decodeIndexes(raw []byte) ([]ckv.QuadIndex, error) {
	var list []ckv.QuadIndex
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("store damaged: index list: %w", err)
		}
	}
	if len(list) == 0 {
		return nil, errors.New("store damaged: no index list")
	}
	return list, nil
}

// dirSlot is where a direction's id is in a quad's ids, which follow
// quad.Directions (Subject = 1 to Label = 4).
func dirSlot(d quad.Direction) int { return int(d) - 1 }

func valueBucket(kind byte, h refs.ValueHash) []byte { return []byte{kind, h[0], h[1]} }

func indexBucket(ind ckv.QuadIndex) []byte {
	name := make([]byte, len(ind.Dirs))
	for i, d := range ind.Dirs {
		name[i] = d.Prefix()
	}
	return name
}

// kvTx is one write transaction on the key-value store under Cayley,
// addressed by bucket and key.
type kvTx struct {
	bucket func(name []byte) (kvBucket, error) // creates an absent one
	// hasBucket tells whether a bucket exists (nil: every bucket does,
	// as in a store without buckets)
	hasBucket func(name []byte) bool
	commit    func() error
	rollback  func() error
	buckets   map[string]kvBucket
	pageSize  int
	slab      []byte // backs the keys and values put; see alloc
	slabChunk []byte // the chunk slab is the rest of
	live      liveScratch
	// release lets go of the store's pages the transaction has read
	// through bolt's map, as it goes (see package boltmap): a batch opens
	// most of the 131,072 value buckets, each on pages of its own, and
	// puts index keys all over a few large ones; at 100k sources one
	// transaction mapped 0.87 GiB.
	release  func()
	accesses int // gets and puts
	// sorted, where set, holds what leveldb puts, to be written in order
	sorted *sortedPuts
	// written is the store's filter of the values written (see
	// valueFilter), which committed, if set, updates once the transaction
	// has committed.
	written   **valueFilter
	committed func()
	// reader, where set, returns a get for one goroutine: several can read
	// the stored keys at once (leveldb). They read no key put in the
	// transaction.
	reader func() func(bucket, key []byte) ([]byte, error)
}

// releaseAccesses is how many gets and puts a transaction makes before it
// lets go of the pages read (each reads a page or two), and
// releaseInTxFrom the size of a store from which it does: a smaller one's
// pages are few, and pages let go of in a transaction are read again as
// it commits (10k sources: 5–10% slower for 90 MiB less).
// (Variables for tests.)
var (
	releaseAccesses = 16384
	releaseInTxFrom = int64(1 << 30)
)

// kvBucket is a bucket of a write transaction. Get returns nil for an
// absent key; what it returns is valid until the transaction ends.
type kvBucket interface {
	Get(key []byte) ([]byte, error)
	Put(key, value []byte) error
	Delete(key []byte) error
	// cost is how many bytes of pages a write to the bucket changes: a
	// page, for a bucket with pages of its own, or its size, for one held
	// in its parent's page (none for a store without buckets).
	cost(pageSize int) int
}

func (tx *kvTx) get(bucket, key []byte) ([]byte, error) {
	b, err := tx.open(bucket)
	if err != nil {
		return nil, err
	}
	return b.Get(key)
}

// getExisting is get without creating an absent bucket: a deletion leaves
// no bucket that Cayley's would not.
func (tx *kvTx) getExisting(bucket, key []byte) ([]byte, error) {
	if _, ok := tx.buckets[string(bucket)]; !ok && tx.hasBucket != nil && !tx.hasBucket(bucket) {
		return nil, nil
	}
	return tx.get(bucket, key)
}

func (tx *kvTx) del(bucket, key []byte) error {
	b, err := tx.open(bucket)
	if err != nil {
		return err
	}
	return b.Delete(key)
}

func (tx *kvTx) put(bucket, key, value []byte) error {
	if p := tx.sorted; p != nil && p.on && !bytes.Equal(bucket, metaBucketName) {
		p.put(bucket, key, value)
		// It copied what was allocated for it (see alloc).
		tx.slab = tx.slabChunk
		return nil
	}
	b, err := tx.open(bucket)
	if err != nil {
		return err
	}
	return b.Put(key, value)
}

func (tx *kvTx) open(name []byte) (kvBucket, error) {
	if tx.accesses++; tx.release != nil && tx.accesses%releaseAccesses == 0 {
		tx.release()
	}
	if b, ok := tx.buckets[string(name)]; ok {
		return b, nil
	}
	b, err := tx.bucket(name)
	if err != nil {
		return nil, fmt.Errorf("bucket %q: %w", name, err)
	}
	tx.buckets[string(name)] = b
	return b, nil
}

// alloc returns n bytes that stay valid until the transaction ends, as
// bolt requires of what is put; they come from large slabs, since a batch
// puts millions of small keys and values. Leveldb's sorted puts copy what
// they are given, so there the slab is used again from put to put.
func (tx *kvTx) alloc(n int) []byte {
	if n > len(tx.slab) {
		tx.slab = make([]byte, max(n, 1<<20))
		tx.slabChunk = tx.slab
	}
	b := tx.slab[:n:n]
	tx.slab = tx.slab[n:]
	return b
}

func (tx *kvTx) uvarint(x uint64) []byte {
	return binary.AppendUvarint(tx.alloc(binary.MaxVarintLen64)[:0], x)
}

func (tx *kvTx) bigEndian(x uint64) []byte {
	b := tx.alloc(8)
	binary.BigEndian.PutUint64(b, x)
	return b
}

// primitive encodes Cayley's log entry for a value (with its encoding) or
// a quad (with its four ids) as proto.Marshal does: fields in order, zero
// ones left out.
func (tx *kvTx) primitive(id uint64, ids [4]uint64, ts int64, value []byte) []byte {
	b := tx.alloc(6*(1+binary.MaxVarintLen64) + 2 + binary.MaxVarintLen64 + len(value))[:0]
	field := func(tag byte, x uint64) {
		if x != 0 {
			b = binary.AppendUvarint(append(b, tag), x)
		}
	}
	field(1<<3, id)
	field(2<<3, ids[0])
	field(3<<3, ids[1])
	field(4<<3, ids[2])
	field(5<<3, ids[3])
	field(7<<3, uint64(ts))
	if len(value) > 0 {
		b = append(binary.AppendUvarint(append(b, 8<<3|2), uint64(len(value))), value...)
	}
	return b
}

func (tx *kvTx) metaInt(key string) (uint64, error) {
	v, err := tx.get(metaBucketName, []byte(key))
	if err != nil || v == nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("store damaged: meta %s has %d bytes", key, len(v))
	}
	return binary.LittleEndian.Uint64(v), nil
}

func (tx *kvTx) putMetaInt(key string, x uint64) error {
	b := tx.alloc(8)
	binary.LittleEndian.PutUint64(b, x)
	return tx.put(metaBucketName, []byte(key), b)
}

// beginKV starts a write transaction on the store's key-value store,
// directly on bolt's and bbolt's buckets where the store is one of them.
func (s *Store) beginKV() (*kvTx, error) {
	tx := &kvTx{buckets: map[string]kvBucket{}}
	switch db := s.kv.(type) {
	case *hbolt.DB:
		btx, err := db.DB().Begin(true)
		if err != nil {
			return nil, err
		}
		tx.bucket = func(name []byte) (kvBucket, error) {
			// Looked up first: CreateBucketIfNotExists searches twice
			// for a bucket that exists, as nearly all do.
			b := btx.Bucket(name)
			if b == nil {
				var err error
				if b, err = btx.CreateBucket(name); err != nil {
					return nil, err
				}
			}
			if bytes.Equal(name, logBucketName) {
				b.FillPercent = appendFill
			}
			return boltBucket{b}, nil
		}
		tx.hasBucket = func(name []byte) bool { return btx.Bucket(name) != nil }
		if btx.Size() >= releaseInTxFrom {
			tx.release = func() { boltmap.ReleaseTx(btx) }
		}
		tx.pageSize = btx.DB().Info().PageSize
		tx.commit, tx.rollback = btx.Commit, btx.Rollback
	case *hbbolt.DB:
		btx, err := db.DB().Begin(true)
		if err != nil {
			return nil, err
		}
		tx.bucket = func(name []byte) (kvBucket, error) {
			b := btx.Bucket(name)
			if b == nil {
				var err error
				if b, err = btx.CreateBucket(name); err != nil {
					return nil, err
				}
			}
			if bytes.Equal(name, logBucketName) {
				b.FillPercent = appendFill
			}
			return bboltBucket{b}, nil
		}
		tx.hasBucket = func(name []byte) bool { return btx.Bucket(name) != nil }
		if btx.Size() >= releaseInTxFrom {
			tx.release = func() { boltmap.ReleaseTx(btx) }
		}
		tx.pageSize = btx.DB().Info().PageSize
		tx.commit, tx.rollback = btx.Commit, btx.Rollback
	case *levelkv.DB:
		ltx, err := db.LevelDB.OpenTransaction()
		if err != nil {
			return nil, err
		}
		var scratch []byte // leveldb copies what is put
		sorted := &s.sorted
		sorted.begin(ltx)
		tx.sorted = sorted
		tx.bucket = func(name []byte) (kvBucket, error) {
			return levelBucket{ltx, slices.Clone(name), &scratch, sorted}, nil
		}
		tx.reader = func() func(bucket, key []byte) ([]byte, error) {
			var scratch []byte
			return func(bucket, key []byte) ([]byte, error) {
				scratch = levelkv.AppendKey(scratch[:0], bucket, key)
				return levelBucket{tx: ltx}.get(scratch)
			}
		}
		tx.commit = func() error {
			err := sorted.end()
			if err == nil {
				err = ltx.Commit()
			}
			// A transaction whose commit failed stays open, holding the
			// database's write lock.
			if err != nil {
				ltx.Discard()
				return err
			}
			return nil
		}
		tx.rollback = func() error {
			sorted.abandon()
			ltx.Discard()
			return nil
		}
	default:
		ctx := context.Background()
		htx, err := s.kv.Tx(ctx, true)
		if err != nil {
			return nil, err
		}
		tx.bucket = func(name []byte) (kvBucket, error) {
			return flatBucket{htx, slices.Clone(name)}, nil
		}
		tx.commit = func() error { return htx.Commit(ctx) }
		tx.rollback = htx.Close
	}
	return tx, nil
}

// appendFill is how full bolt leaves the log bucket's pages when it
// splits them. The log's keys are ids, always appended: at the default
// (half full) every page of the log stayed half empty.
const appendFill = 1.0

type boltBucket struct{ b *bolt.Bucket }

func (b boltBucket) Get(key []byte) ([]byte, error) { return b.b.Get(key), nil }
func (b boltBucket) Put(key, value []byte) error    { return b.b.Put(key, value) }
func (b boltBucket) Delete(key []byte) error        { return b.b.Delete(key) }

func (b boltBucket) cost(pageSize int) int {
	if b.b.Root() != 0 {
		return pageSize
	}
	return b.b.Stats().InlineBucketInuse
}

type bboltBucket struct{ b *bbolt.Bucket }

func (b bboltBucket) Get(key []byte) ([]byte, error) { return b.b.Get(key), nil }
func (b bboltBucket) Put(key, value []byte) error    { return b.b.Put(key, value) }
func (b bboltBucket) Delete(key []byte) error        { return b.b.Delete(key) }

func (b bboltBucket) cost(pageSize int) int {
	if b.b.Root() != 0 {
		return pageSize
	}
	return b.b.Stats().InlineBucketInuse
}

// levelBucket is a bucket of leveldb, whose keys are the bucket's name
// and the key as hidalgo joins them.
type levelBucket struct {
	tx      *leveldb.Transaction
	name    []byte
	scratch *[]byte
	sorted  *sortedPuts
}

func (b levelBucket) key(key []byte) []byte {
	*b.scratch = levelkv.AppendKey((*b.scratch)[:0], b.name, key)
	return *b.scratch
}

func (b levelBucket) Get(key []byte) ([]byte, error) { return b.get(b.key(key)) }

// get reads a key laid out as hidalgo does.
func (b levelBucket) get(key []byte) ([]byte, error) {
	v, err := b.tx.Get(key, nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

func (b levelBucket) Put(key, value []byte) error {
	if b.sorted.on && !bytes.Equal(b.name, metaBucketName) {
		b.sorted.put(b.name, key, value)
		return nil
	}
	return b.tx.Put(b.key(key), value, nil)
}

func (b levelBucket) Delete(key []byte) error { return b.tx.Delete(b.key(key), nil) }

func (b levelBucket) cost(int) int { return 0 }

// flatBucket is a bucket of a store without buckets, reached through
// hidalgo's two-part keys as Cayley reaches it.
type flatBucket struct {
	tx   hkv.Tx
	name []byte
}

func (b flatBucket) Get(key []byte) ([]byte, error) {
	v, err := b.tx.Get(context.Background(), hkv.Key{b.name, key})
	if errors.Is(err, hkv.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

func (b flatBucket) cost(int) int { return 0 }

func (b flatBucket) Put(key, value []byte) error {
	return b.tx.Put(context.Background(), hkv.Key{b.name, key}, value)
}

func (b flatBucket) Delete(key []byte) error {
	return b.tx.Del(context.Background(), hkv.Key{b.name, key})
}
