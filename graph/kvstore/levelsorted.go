package kvstore

import (
	"bytes"
	"slices"
	"sync/atomic"

	"github.com/syndtr/goleveldb/leveldb"

	"claimgraph/graph/levelkv"
)

// sortedPuts writes what a batch adds to leveldb straight into tables, in
// order, rather than through leveldb's transaction, which puts each key
// into a skip list (a fifth of a load), writes it out from there on the
// writer's core, and leaves every table in level 0 for compaction to
// rewrite level after level. Written in order, a table of keys that fall
// between those stored (a batch's new ids) goes to the deepest level,
// where no compaction rewrites it (Transaction.PutSorted, in the fork of
// goleveldb in levelkv/goleveldb).
//
// The keys are held as put until their stage of the batch ends (its
// values, its quads, each index); then another goroutine sorts them and
// writes their tables while the batch goes on. The last stage is written
// by the committing goroutine while the others finish. This takes a
// transaction that never reads what it puts, as addQuadsTx, and that puts
// each key once: each bucket's keys are put in one stage, but for the
// log's, whose values and quads have ids of their own. Meta keys, which a
// batch reads after it writes them, go to leveldb's transaction as they
// are put.
type sortedPuts struct {
	on        bool
	tx        *leveldb.Transaction
	blocks    [][]byte // the keys and values; blocks[used-1] is being filled
	used      int
	cur       []sortedPair   // the stage's puts
	stageSize int            // the puts a stage is expected to hold
	spare     [][]sortedPair // the memory of stages written
	work      chan stage
	done      chan stagesWritten
	stop      atomic.Bool // set by abandon: the stages left are not written
}

// sortedPair is a key put and its value, which follows it in
// blocks[block]: it holds no pointer, for the collector to scan in each
// of its cycles (a batch's stages are a fifth of the heap).
type sortedPair struct{ block, off, keyLen, valueLen uint32 }

// stage is the puts of a stage, with the blocks they are in.
type stage struct {
	pairs  []sortedPair
	blocks [][]byte
}

func (st stage) key(p sortedPair) []byte {
	return st.blocks[p.block][p.off : p.off+p.keyLen]
}

func (st stage) pair(i int) (key, value []byte) {
	p := st.pairs[i]
	b, k := st.blocks[p.block], p.off+p.keyLen
	return b[p.off:k], b[k : k+p.valueLen]
}

// stagesWritten is what the writing goroutine hands back.
type stagesWritten struct {
	err    error // the first
	stages [][]sortedPair
}

// sortPuts has leveldb's puts of the transaction written in order (see
// sortedPuts); a no-op on other stores. A stage puts up to some 1.25
// keys for each of quads.
func (tx *kvTx) sortPuts(quads int) {
	if p := tx.sorted; p != nil {
		p.on = true
		p.stageSize = quads + quads/4
		p.cur = slices.Grow(p.cur, p.stageSize)
	}
}

// endStage hands the puts so far to be sorted and written.
func (tx *kvTx) endStage() {
	if p := tx.sorted; p != nil && p.on {
		p.stage()
	}
}

// begin readies p for a transaction, keeping the memory of the last one:
// fresh memory costs a page fault per page.
func (p *sortedPuts) begin(tx *leveldb.Transaction) {
	p.on, p.tx, p.used = false, tx, 0
	p.stop.Store(false)
	p.keep()
	p.cur = p.takeSpare()
}

// takeSpare returns the largest slice of those kept, emptied: after a few
// transactions each has grown to the largest stage, and none grows again
// (fresh memory costs a page fault per page).
func (p *sortedPuts) takeSpare() []sortedPair {
	if len(p.spare) == 0 {
		return nil
	}
	largest := 0
	for i, s := range p.spare {
		if cap(s) > cap(p.spare[largest]) {
			largest = i
		}
	}
	s := p.spare[largest]
	p.spare = slices.Delete(p.spare, largest, largest+1)
	return s[:0]
}

// put keeps bucket's key as hidalgo lays it out in p's blocks, and the
// value after it.
func (p *sortedPuts) put(bucket, key, value []byte) {
	n := 2*(len(bucket)+len(key)) + 1 + len(value) // the most the key, escaped, and value take
	if p.used == 0 || len(p.blocks[p.used-1])+n > cap(p.blocks[p.used-1]) {
		if p.used == len(p.blocks) || cap(p.blocks[p.used]) < n {
			p.blocks = slices.Insert(p.blocks, p.used, make([]byte, 0, max(n, 1<<20)))
		}
		p.blocks[p.used] = p.blocks[p.used][:0]
		p.used++
	}
	b := &p.blocks[p.used-1]
	start := len(*b)
	*b = levelkv.AppendKey(*b, bucket, key)
	keyLen := len(*b) - start
	*b = append(*b, value...)
	p.cur = append(p.cur, sortedPair{uint32(p.used - 1), uint32(start), uint32(keyLen), uint32(len(value))})
}

func (p *sortedPuts) stage() {
	if len(p.cur) == 0 {
		return
	}
	if p.work == nil {
		p.work, p.done = make(chan stage, 8), make(chan stagesWritten, 1)
		go p.write(p.tx, p.work, p.done)
	}
	p.work <- p.ended()
	p.cur = slices.Grow(p.takeSpare(), p.stageSize)
}

// write sorts and writes each stage it receives, then, once the stages
// end, hands them back.
func (p *sortedPuts) write(tx *leveldb.Transaction, work <-chan stage, done chan<- stagesWritten) {
	var w stagesWritten
	for st := range work {
		if w.err == nil && !p.stop.Load() {
			w.err = writeSorted(tx, st)
		}
		w.stages = append(w.stages, st.pairs)
	}
	done <- w
}

// ended returns the current stage. Its blocks are a copy of the slice:
// the last is filled further as the next stage goes on.
func (p *sortedPuts) ended() stage {
	return stage{p.cur, slices.Clone(p.blocks[:p.used])}
}

// end writes the last stage and waits for the others: the transaction
// can then commit.
func (p *sortedPuts) end() error {
	if !p.on {
		return nil
	}
	p.on = false
	var err error
	if len(p.cur) > 0 {
		err = writeSorted(p.tx, p.ended())
	}
	p.keep()
	if werr := p.wait(); err == nil {
		err = werr
	}
	return err
}

// abandon drops what is not written yet and waits for what is being
// written: the transaction is to be discarded.
func (p *sortedPuts) abandon() {
	if !p.on {
		return
	}
	p.on = false
	p.keep()
	p.stop.Store(true)
	p.wait()
}

// keep keeps the memory of the current stage for the next transaction.
func (p *sortedPuts) keep() {
	if p.cur != nil {
		p.spare = append(p.spare, p.cur[:0])
		p.cur = nil
	}
}

func (p *sortedPuts) wait() error {
	if p.work == nil {
		return nil
	}
	close(p.work)
	w := <-p.done
	p.spare = append(p.spare, w.stages...)
	p.work, p.done = nil, nil
	return w.err
}

// writeSorted writes a stage's puts in order; of equal keys the last put
// wins (a stable sort keeps them in the order they were put).
func writeSorted(tx *leveldb.Transaction, st stage) error {
	pairs := st.pairs
	slices.SortStableFunc(pairs, func(x, y sortedPair) int { return bytes.Compare(st.key(x), st.key(y)) })
	n := 0
	for i, p := range pairs {
		if i+1 < len(pairs) && bytes.Equal(st.key(p), st.key(pairs[i+1])) {
			continue
		}
		pairs[n] = p
		n++
	}
	st.pairs = pairs[:n]
	return tx.PutSorted(n, st.pair)
}
