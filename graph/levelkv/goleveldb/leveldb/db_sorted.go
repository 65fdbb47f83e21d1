package leveldb

import (
	"errors"
	"sort"
	"sync/atomic"
)

// This file lets a transaction put keys given in ascending order straight
// into tables, skipping the memory database, and lets its commit place
// each of those tables at the deepest level where no table holds keys in
// its range, as LevelDB places a flushed memory database: data that lands
// in a gap of the key space (new ids appended, say) is then never
// rewritten by compaction.

var errNotAscending = errors.New("leveldb: PutSorted keys are not in strictly ascending order")

// PutSorted puts the n pairs pair returns, in tables of the transaction.
// Keys must come in strictly ascending order of i, and none may have been
// put or deleted before in the transaction. What pair returns must stay
// unchanged until PutSorted returns.
//
// A run of keys that falls in a gap between the tables of the database,
// large enough for a table of its own, is written to tables of its own,
// which the commit places deep; the other keys go to tables that cover
// ranges in use, which it places at level 0.
func (tr *Transaction) PutSorted(n int, pair func(i int) (key, value []byte)) error {
	// The lock is held only to take a sequence number and to add each
	// table: Get goes on meanwhile.
	tr.lk.Lock()
	if tr.closed {
		tr.lk.Unlock()
		return errTransactionDone
	}
	tr.seq++
	seq := tr.seq
	tr.lk.Unlock()
	icmp := tr.db.s.icmp
	limit := tr.db.s.o.GetCompactionTableSize(0)
	split := tr.db.s.o.GetTableSplit()
	used := tr.usedRanges()
	var (
		mixed, own *tWriter // tables for keys in used ranges, and for a gap's
		runStart   = -1     // the run of keys in one gap: pairs runStart to i
		runBytes   int
		runGap     int // the gap the run is in: before used[runGap]
		last       []byte
		scratch    []byte
	)
	drop := func() {
		for _, w := range []*tWriter{mixed, own} {
			if w != nil {
				w.drop()
			}
		}
	}
	appendTo := func(w **tWriter, key, value []byte) error {
		if *w != nil && split != nil && split(internalKey((*w).first).ukey(), key) {
			if err := tr.finishSorted(w); err != nil {
				return err
			}
		}
		if *w == nil {
			var err error
			if *w, err = tr.db.s.tops.create(); err != nil {
				return err
			}
		}
		scratch = makeInternalKey(scratch, key, seq, keyTypeVal)
		if err := (*w).append(scratch, value); err != nil {
			return err
		}
		if (*w).tw.BytesLen() >= limit {
			return tr.finishSorted(w)
		}
		return nil
	}
	// endRun writes the run of keys in one gap, up to end: to tables of
	// their own if they fill a large part of one, else with the other
	// keys.
	endRun := func(end int) error {
		w := &mixed
		if runBytes >= limit/8 {
			w = &own
		}
		for i := runStart; i < end; i++ {
			key, value := pair(i)
			if err := appendTo(w, key, value); err != nil {
				return err
			}
		}
		runStart, runBytes = -1, 0
		if w == &own && own != nil {
			return tr.finishSorted(&own)
		}
		return nil
	}
	j := 0 // the first used range not wholly before the key
	for i := 0; i < n; i++ {
		key, value := pair(i)
		if last != nil && icmp.uCompare(key, last) <= 0 {
			drop()
			return errNotAscending
		}
		last = key
		for j < len(used) && icmp.uCompare(used[j].max, key) < 0 {
			j++
		}
		inGap := j == len(used) || icmp.uCompare(key, used[j].min) < 0
		if runStart >= 0 && (!inGap || j != runGap) {
			if err := endRun(i); err != nil {
				drop()
				return err
			}
		}
		if !inGap {
			if err := appendTo(&mixed, key, value); err != nil {
				drop()
				return err
			}
			continue
		}
		if runStart < 0 {
			runStart, runGap = i, j
		}
		runBytes += len(key) + len(value)
	}
	if runStart >= 0 {
		if err := endRun(n); err != nil {
			drop()
			return err
		}
	}
	if mixed != nil {
		if err := tr.finishSorted(&mixed); err != nil {
			return err
		}
	}
	return nil
}

type ukeyRange struct{ min, max []byte }

// usedRanges returns the key ranges the database's tables cover, merged
// and in order.
func (tr *Transaction) usedRanges() []ukeyRange {
	v := tr.db.s.version()
	defer v.release()
	icmp := tr.db.s.icmp
	var rs []ukeyRange
	for _, tables := range v.levels {
		for _, t := range tables {
			rs = append(rs, ukeyRange{t.imin.ukey(), t.imax.ukey()})
		}
	}
	sort.Slice(rs, func(i, j int) bool { return icmp.uCompare(rs[i].min, rs[j].min) < 0 })
	var out []ukeyRange
	for _, r := range rs {
		if n := len(out); n > 0 && icmp.uCompare(r.min, out[n-1].max) <= 0 {
			if icmp.uCompare(r.max, out[n-1].max) > 0 {
				out[n-1].max = r.max
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// finishSorted ends a table of PutSorted.
func (tr *Transaction) finishSorted(w **tWriter) error {
	t, err := (*w).finish()
	*w = nil
	if err != nil {
		return err
	}
	tr.lk.Lock()
	defer tr.lk.Unlock()
	if tr.closed {
		tr.db.s.stor.Remove(t.fd)
		return errTransactionDone
	}
	tr.tables = append(tr.tables, t)
	tr.sorted = append(tr.sorted, t)
	tr.stats.write += t.size
	return nil
}

// placeSorted adds the transaction's sorted tables to its record, each at
// the deepest level such that no table holds keys in its range at that
// level or above it, among the version's tables and those placed before
// it. Called with compCommitLk held, so that the version is the one the
// record commits onto.
//
// An automatic compaction in flight, from level s into s+1, is no hazard:
// its output lies within the range of its inputs, which are still in the
// version, at s and s+1, and whose ranges leave no gap in it (one table at
// s, or level 0's that overlap each other, and those at s+1 that overlap
// them). A table placed at s+1 or below would overlap an input, so none
// is. A range compaction takes every table of a level in its range, gaps
// between them included: while one runs, every table goes to level 0.
func (tr *Transaction) placeSorted() {
	if len(tr.sorted) == 0 {
		return
	}
	s := tr.db.s
	v := s.version()
	defer v.release()
	const numLevel = 7 // as LevelDB's; this version adds levels as they fill
	placed := make([]tFiles, numLevel)
	ranging := atomic.LoadInt32(&tr.db.rangeCompacting) > 0
	// In the order of their sequence numbers: PutSorted may run on
	// several goroutines at once.
	sort.SliceStable(tr.sorted, func(i, j int) bool { return tr.sorted[i].imin.num() < tr.sorted[j].imin.num() })
	for _, t := range tr.sorted {
		umin, umax := t.imin.ukey(), t.imax.ukey()
		level := 0
		for l := 0; l < numLevel && !ranging; l++ {
			// Tables placed before this one may hold older versions
			// of its keys (from an earlier PutSorted): it must stay
			// above them, as above the version's.
			if l < len(v.levels) && v.levels[l].overlaps(s.icmp, umin, umax, l == 0) || placed[l].overlaps(s.icmp, umin, umax, true) {
				break
			}
			level = l
		}
		tr.db.logf("transaction@place L%d@%d S·%s %q:%q", level, t.fd.Num, shortenb(int(t.size)), t.imin, t.imax)
		placed[level] = append(placed[level], t)
		tr.rec.addTableFile(level, t)
	}
}

// unplaceSorted takes the sorted tables out of the record again after a
// commit failed: a retry places them anew.
func (tr *Transaction) unplaceSorted() {
	sorted := make(map[int64]bool, len(tr.sorted))
	for _, t := range tr.sorted {
		sorted[t.fd.Num] = true
	}
	kept := tr.rec.addedTables[:0]
	for _, r := range tr.rec.addedTables {
		if !sorted[r.num] {
			kept = append(kept, r)
		}
	}
	tr.rec.addedTables = kept
}
