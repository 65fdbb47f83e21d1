package kvstore

import (
	"encoding/binary"
	"fmt"
	"slices"

	ckv "github.com/cayleygraph/cayley/graph/kv"
	cproto "github.com/cayleygraph/cayley/graph/proto"
	"github.com/cayleygraph/quad"
	"google.golang.org/protobuf/proto"

	"claimgraph/graph/boltmap"
)

// This file deletes quads from a key-value store in Cayley's layout,
// leaving the keys and values that Cayley's ApplyDeltas leaves with
// IgnoreMissing (TestAddQuadsAsCayley compares them key by key after
// every replacement and removal):
//   - a quad stored live has its log record rewritten, marked deleted;
//     its id stays in the index lists;
//   - each value's reference count drops by the directions of the quads
//     deleted; a value left with none loses its id, its count and its log
//     record;
//   - the count of live quads drops by the quads deleted.
//
// One difference: a quad given twice in a batch is deleted once here,
// while ApplyDeltas marks it dead twice and takes its references away
// twice. Apply never deletes a quad twice in a batch.
//
// ApplyDeltas found each quad by reading and intersecting the lists of
// every index, a batch's values one at a time, and was 14 s of the 41 s of
// a reload renaming all 2,000 persons of the 10k store. Here a batch's
// values are resolved once, in bucket order, and each quad is found from
// its shortest index list (see liveQuad).

// removeQuads deletes quads in one transaction, as ApplyDeltas would with
// IgnoreMissing: a quad not stored live is left alone.
func (s *Store) removeQuads(quads []quad.Quad) error {
	tx, err := s.beginKV()
	if err != nil {
		return err
	}
	if tx.release != nil {
		tx.release()
	}
	values, err := removeQuadsTx(tx, quads)
	if err != nil {
		tx.rollback()
		return err
	}
	if err := tx.commit(); err != nil {
		return err
	}
	boltmap.Release(s.kv)
	if values > 0 {
		// Cayley's quad store keeps the ids of values it has looked up
		// by IRI, and ApplyDeltas drops those it deletes; a new quad
		// store over the same database starts without any.
		qs, err := ckv.New(s.kv, quadStoreOptions)
		if err != nil {
			return err
		}
		s.qs = qs
	}
	return nil
}

// removeQuadsTx deletes quads in tx and returns how many values were
// deleted with them. Like ApplyDeltas, it is not cancelled: the records
// being replaced are written again after it whatever happens (see
// Store.write).
func removeQuadsTx(tx *kvTx, quads []quad.Quad) (int, error) {
	indexes, err := readIndexes(tx)
	if err != nil {
		return 0, err
	}
	b := &kvBatch{tx: tx}
	dirs := b.values(quads)
	for _, n := range b.nodes {
		v, err := tx.getExisting(valueBucket('v', n.hash), n.hash[:])
		if err != nil {
			return 0, err
		}
		if len(v) > 0 {
			n.id, _ = binary.Uvarint(v)
		}
	}
	// Every quad is found before any is marked dead, as in ApplyDeltas.
	type death struct {
		id uint64
		p  *cproto.Primitive
	}
	var deaths []death
	dead := make(map[uint64]bool, len(quads))
	for i := range quads {
		var ids [4]uint64
		stored := true
		for j, n := range dirs[4*i : 4*i+4] {
			if n != nil {
				ids[j] = n.id
				stored = stored && n.id != 0
			}
		}
		var id uint64
		var p *cproto.Primitive
		if stored {
			if id, p, err = liveQuad(tx, indexes, ids); err != nil {
				return 0, err
			}
		}
		if p == nil || dead[id] {
			// Not stored live (or given twice): its values keep the
			// references it would have taken away.
			for _, n := range dirs[4*i : 4*i+4] {
				if n != nil {
					n.count--
				}
			}
			continue
		}
		dead[id] = true
		deaths = append(deaths, death{id, p})
	}
	for _, d := range deaths {
		d.p.Deleted = true
		raw, err := proto.Marshal(d.p)
		if err != nil {
			return 0, err
		}
		if err := tx.put(logBucketName, tx.bigEndian(d.id), raw); err != nil {
			return 0, err
		}
	}
	if len(dead) > 0 {
		size, err := tx.metaInt("size")
		if err != nil {
			return 0, err
		}
		if err := tx.putMetaInt("size", size-uint64(len(dead))); err != nil {
			return 0, err
		}
	}
	deleted := 0
	for _, n := range b.nodes {
		if n.id == 0 || n.count == 0 {
			continue
		}
		nb := valueBucket('n', n.hash)
		old, err := tx.getExisting(nb, n.hash[:])
		if err != nil {
			return 0, err
		}
		c, _ := binary.Uvarint(old)
		if int64(c)-int64(n.count) > 0 {
			if err := tx.put(nb, n.hash[:], tx.uvarint(c-uint64(n.count))); err != nil {
				return 0, err
			}
			continue
		}
		deleted++
		for _, del := range []struct{ bucket, key []byte }{
			{nb, n.hash[:]},
			{valueBucket('v', n.hash), n.hash[:]},
			{logBucketName, tx.bigEndian(n.id)},
		} {
			if err := tx.del(del.bucket, del.key); err != nil {
				return 0, err
			}
		}
	}
	return deleted, nil
}

// liveQuad returns the id and log record of the live quad with these ids,
// or a nil record if none is stored. Each index lists every quad with the
// ids it is keyed by, dead ones included, and no one index lists few for
// every quad: (object, predicate, subject) and (subject, predicate) list a
// quad per record for a topic's type and name, which every record naming
// the topic states again. So the shortest list is read first, and
// intersected with the next shortest only while it holds more than a few
// quads to read from the log.
func liveQuad(tx *kvTx, indexes []ckv.QuadIndex, ids [4]uint64) (uint64, *cproto.Primitive, error) {
	// Scratch reused from call to call: adding a batch of records asks
	// for each of their quads whose values are all stored.
	sc := &tx.live
	lists := sc.lists[:0]
	keys := sc.keys[:0]
	for _, ind := range indexes {
		from := len(keys)
		for _, d := range ind.Dirs {
			keys = binary.BigEndian.AppendUint64(keys, ids[dirSlot(d)])
		}
		key := keys[from:len(keys):len(keys)]
		raw, err := tx.getExisting(indexBucket(ind), key)
		if err != nil {
			return 0, nil, err
		}
		if len(raw) == 0 {
			return 0, nil, nil
		}
		lists = append(lists, liveList{ind, key, raw})
	}
	sc.lists, sc.keys = lists, keys
	slices.SortStableFunc(lists, func(a, b liveList) int { return len(a.raw) - len(b.raw) })
	options, kept := sc.options[:0], sc.kept[:0]
	defer func() { sc.options, sc.kept = options, kept }()
	for i, l := range lists {
		if i > 0 && len(options) <= fewOptions {
			break
		}
		// Lists are in ascending order: merge.
		kept = kept[:0]
		for raw, k := l.raw, 0; len(raw) > 0; {
			id, n := binary.Uvarint(raw)
			if n <= 0 {
				return 0, nil, fmt.Errorf("store damaged: index %s entry %x does not decode", indexBucket(l.ind), l.key)
			}
			raw = raw[n:]
			if i == 0 {
				kept = append(kept, id)
				continue
			}
			for k < len(options) && options[k] < id {
				k++
			}
			if k < len(options) && options[k] == id {
				kept = append(kept, id)
			}
		}
		if options, kept = kept, options; len(options) == 0 {
			return 0, nil, nil
		}
	}
	var logKey [8]byte
	for _, id := range options {
		binary.BigEndian.PutUint64(logKey[:], id)
		raw, err := tx.getExisting(logBucketName, logKey[:])
		if err != nil {
			return 0, nil, err
		}
		var p cproto.Primitive
		if err := proto.Unmarshal(raw, &p); err != nil {
			return 0, nil, fmt.Errorf("store damaged: log entry %d: %w", id, err)
		}
		if !p.Deleted && p.Subject == ids[0] && p.Predicate == ids[1] && p.Object == ids[2] && p.Label == ids[3] {
			return id, &p, nil
		}
	}
	return 0, nil, nil
}

// liveList is an index's list of quads for liveQuad.
type liveList struct {
	ind ckv.QuadIndex
	key []byte
	raw []byte
}

// liveScratch is liveQuad's memory, kept by the transaction.
type liveScratch struct {
	lists         []liveList
	keys          []byte
	options, kept []uint64
}

// fewOptions is how many quads liveQuad reads from the log rather than
// intersect another index list.
const fewOptions = 8
