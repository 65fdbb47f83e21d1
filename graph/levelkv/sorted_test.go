package levelkv

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/storage"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// These tests cover the additions of the fork of goleveldb in goleveldb/
// (see its FORK.md): Transaction.PutSorted, the placement of its tables at
// commit, and Options.TableSplit.

// smallTables makes many small tables and compacts early, so that a few
// hundred kilobytes exercise every level and compaction runs while the
// tests write.
func smallTables() *opt.Options {
	return &opt.Options{
		Filter:              filter.NewBloomFilter(10),
		CompactionTableSize: 8 << 10,
		CompactionTotalSize: 64 << 10,
		WriteBuffer:         32 << 10,
		CompactionL0Trigger: 2,
		TableSplit:          func(a, b []byte) bool { return a[0] != b[0] },
	}
}

// putSorted puts keys (in order) with their values from m by PutSorted.
func putSorted(tx *leveldb.Transaction, keys []string, m map[string]string) error {
	return tx.PutSorted(len(keys), func(i int) ([]byte, []byte) {
		return []byte(keys[i]), []byte(m[keys[i]])
	})
}

// table is one table as the "leveldb.sstables" property lists it. Keys of
// eight bytes or fewer are listed whole.
type table struct{ min, max string }

func tablesByLevel(t *testing.T, db *leveldb.DB) [][]table {
	t.Helper()
	prop, err := db.GetProperty("leveldb.sstables")
	if err != nil {
		t.Fatal(err)
	}
	var levels [][]table
	for _, line := range strings.Split(prop, "\n") {
		if strings.HasPrefix(line, "--- level ") {
			levels = append(levels, nil)
			continue
		}
		open, mid := strings.Index(line, `["`), strings.Index(line, `" .. "`)
		if open < 0 || mid < 0 {
			continue
		}
		ukey := func(s string) string { return s[:strings.LastIndex(s, ",")] }
		min := ukey(line[open+2 : mid])
		max := ukey(line[mid+6 : len(line)-2])
		levels[len(levels)-1] = append(levels[len(levels)-1], table{min, max})
	}
	return levels
}

// checkLevels requires what reads rely on: below level 0, a level's
// tables in order and apart; and, with TableSplit as smallTables sets it,
// each of those tables within one first byte. (Level 0 holds flushes of
// the memory database, which TableSplit does not split.)
func checkLevels(t *testing.T, db *leveldb.DB) [][]table {
	t.Helper()
	levels := tablesByLevel(t, db)
	for l, tables := range levels {
		for i, tb := range tables {
			if l > 0 && tb.min[0] != tb.max[0] {
				t.Errorf("level %d: table %q..%q spans a split", l, tb.min, tb.max)
			}
			if l > 0 && i > 0 && tables[i-1].max >= tb.min {
				t.Errorf("level %d: tables %q..%q and %q..%q overlap", l, tables[i-1].min, tables[i-1].max, tb.min, tb.max)
			}
		}
	}
	return levels
}

// checkContents requires db to hold exactly want, read by Get and by an
// iterator.
func checkContents(t *testing.T, db *leveldb.DB, want map[string]string) {
	t.Helper()
	for k, v := range want {
		got, err := db.Get([]byte(k), nil)
		if err != nil || string(got) != v {
			t.Fatalf("Get(%q) = %.20q, %v; want %.20q", k, got, err, v)
		}
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	it := db.NewIterator(nil, nil)
	defer it.Release()
	i := 0
	for it.Next() {
		if i >= len(keys) || string(it.Key()) != keys[i] || string(it.Value()) != want[keys[i]] {
			t.Fatalf("iterator: key %d is %q, want %q of %d", i, it.Key(), keys[min(i, len(keys)-1)], len(keys))
		}
		i++
	}
	if i != len(keys) {
		t.Fatalf("iterator: %d keys, want %d", i, len(keys))
	}
}

func value(rng *rand.Rand, k string, round int) string {
	return fmt.Sprintf("%s@%d:%s", k, round, strings.Repeat("x", rng.IntN(120)))
}

// Keys put in order into a gap of the key space go to the deepest level;
// keys that replace stored ones go above them.
func TestPutSortedPlacesDeep(t *testing.T) {
	db, err := leveldb.OpenFile(t.TempDir(), smallTables())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(1, 1))
	want := map[string]string{}
	write := func(round int, keys []string) {
		t.Helper()
		for _, k := range keys {
			want[k] = value(rng, k, round)
		}
		tx, err := db.OpenTransaction()
		if err != nil {
			t.Fatal(err)
		}
		if err := putSorted(tx, keys, want); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(group string, from, to int) []string {
		var keys []string
		for i := from; i < to; i++ {
			keys = append(keys, fmt.Sprintf("%s%05d", group, i))
		}
		return keys
	}
	bottom := func() (deep, above int) {
		levels := checkLevels(t, db)
		for l, tables := range levels {
			if l == len(levels)-1 {
				deep = len(tables)
			} else {
				above += len(tables)
			}
		}
		return deep, above
	}

	// Two groups, then each appended to: every table at the bottom.
	write(1, append(ids("a", 0, 1000), ids("b", 0, 1000)...))
	write(2, ids("a", 1000, 2000))
	write(3, ids("b", 1000, 2000))
	checkContents(t, db, want)
	deep, above := bottom()
	if levels := tablesByLevel(t, db); len(levels) != 7 || deep < 8 || above != 0 {
		t.Fatalf("after appends: %d tables at level %d, %d above; want all at level 6\n%v", deep, len(levels)-1, above, levels)
	}

	// Replacing stored keys: their new versions are read, and the tables
	// at the bottom are left as they were.
	before := tablesByLevel(t, db)[6]
	write(4, ids("a", 500, 600))
	checkContents(t, db, want)
	if after := tablesByLevel(t, db)[6]; !slices.Equal(after, before) {
		t.Errorf("the bottom level changed from %v to %v", before, after)
	}
	checkLevels(t, db)
}

// Keys out of order are refused, and the transaction, discarded, leaves
// nothing.
func TestPutSortedNotAscending(t *testing.T) {
	db, err := leveldb.OpenFile(t.TempDir(), smallTables())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Put([]byte("a1"), []byte("one"), nil); err != nil {
		t.Fatal(err)
	}
	tx, err := db.OpenTransaction()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{"a2": "two", "a3": "three", "a0": "zero"}
	if err := putSorted(tx, []string{"a2", "a3", "a0"}, m); err == nil {
		t.Fatal("keys out of order were taken")
	}
	tx.Discard()
	checkContents(t, db, map[string]string{"a1": "one"})
}

// Many transactions of sorted puts (new keys appended, stored keys
// replaced, keys anywhere), puts and deletes through the memory database,
// while compaction runs, automatic and of ranges: the store holds exactly
// what was written, its levels stay in order, and so after reopening and
// compacting it all.
func TestPutSortedAgainstCompaction(t *testing.T) {
	dir := t.TempDir()
	db, err := leveldb.OpenFile(dir, smallTables())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	want := map[string]string{}
	appended := map[byte]int{}
	groups := []byte("abcd")
	rounds := 150
	if testing.Short() {
		rounds = 40
	}
	// Range compactions take every table of a level in a range, gaps
	// between them included.
	stop, compacted := make(chan struct{}), make(chan error, 1)
	go func() {
		rng := rand.New(rand.NewPCG(13, 17))
		for {
			select {
			case <-stop:
				compacted <- nil
				return
			default:
			}
			from := fmt.Sprintf("%c%05d", groups[rng.IntN(len(groups))], rng.IntN(4000))
			to := fmt.Sprintf("%c%05d", groups[rng.IntN(len(groups))], rng.IntN(4000))
			if from > to {
				from, to = to, from
			}
			if err := db.CompactRange(util.Range{Start: []byte(from), Limit: []byte(to)}); err != nil {
				compacted <- err
				return
			}
		}
	}()
	for round := range rounds {
		tx, err := db.OpenTransaction()
		if err != nil {
			t.Fatal(err)
		}
		touched := map[string]bool{}
		for range rng.IntN(30) {
			k := fmt.Sprintf("%c%05d", groups[rng.IntN(len(groups))], rng.IntN(3000))
			touched[k] = true
			if rng.IntN(4) == 0 {
				delete(want, k)
				err = tx.Delete([]byte(k), nil)
			} else {
				want[k] = value(rng, k, round)
				err = tx.Put([]byte(k), []byte(want[k]), nil)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		for range 1 + rng.IntN(3) {
			var keys []string
			add := func(k string) {
				if !touched[k] {
					touched[k] = true
					want[k] = value(rng, k, round)
					keys = append(keys, k)
				}
			}
			g := groups[rng.IntN(len(groups))]
			for range rng.IntN(200) {
				add(fmt.Sprintf("%c%05d", g, 3000+appended[g]))
				appended[g]++
			}
			for range rng.IntN(100) {
				add(fmt.Sprintf("%c%05d", groups[rng.IntN(len(groups))], rng.IntN(3000+appended[g])))
			}
			slices.Sort(keys)
			if err := putSorted(tx, keys, want); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if round%10 == 0 {
			checkLevels(t, db)
		}
	}
	close(stop)
	if err := <-compacted; err != nil {
		t.Fatal(err)
	}
	checkContents(t, db, want)
	levels := checkLevels(t, db)
	if deep := len(levels[len(levels)-1]); len(levels) < 7 || deep == 0 {
		t.Errorf("no table below level %d: %v", len(levels)-1, levels)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = leveldb.OpenFile(dir, smallTables())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkContents(t, db, want)
	if err := db.CompactRange(util.Range{}); err != nil {
		t.Fatal(err)
	}
	checkContents(t, db, want)
	checkLevels(t, db)
}

// With TableSplit, compaction ends its tables where it says.
func TestTableSplit(t *testing.T) {
	db, err := leveldb.OpenFile(t.TempDir(), smallTables())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[string]string{}
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range 3000 {
		k := fmt.Sprintf("%c%05d", "abc"[rng.IntN(3)], rng.IntN(2000))
		want[k] = value(rng, k, i)
		if err := db.Put([]byte(k), []byte(want[k]), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CompactRange(util.Range{}); err != nil {
		t.Fatal(err)
	}
	checkContents(t, db, want)
	levels := checkLevels(t, db)
	n := 0
	for l := 1; l < len(levels); l++ {
		n += len(levels[l])
	}
	if n < 3 {
		t.Errorf("%d tables below level 0, want some for each of three splits: %v", n, levels)
	}
}

// blockingStorage holds the first table created once armed until
// released: a compaction's output, so that a transaction commits while it
// is in flight.
type blockingStorage struct {
	storage.Storage
	armed   atomic.Bool
	blocked chan struct{}
	release chan struct{}
}

func (s *blockingStorage) Create(fd storage.FileDesc) (storage.Writer, error) {
	if fd.Type == storage.TypeTable && s.armed.CompareAndSwap(true, false) {
		close(s.blocked)
		<-s.release
	}
	return s.Storage.Create(fd)
}

// A range compaction takes every table of a level in its range, with the
// gaps between them; its output may span a gap where a transaction
// committed meanwhile would place a table, at the same level.
func TestPutSortedDuringRangeCompaction(t *testing.T) {
	fs, err := storage.OpenFile(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	stor := &blockingStorage{Storage: fs, blocked: make(chan struct{}), release: make(chan struct{})}
	db, err := leveldb.Open(stor, smallTables())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[string]string{}
	commit := func(groups ...[]string) {
		t.Helper()
		tx, err := db.OpenTransaction()
		if err != nil {
			t.Fatal(err)
		}
		for _, keys := range groups {
			for _, k := range keys {
				want[k] = k + "!"
			}
			if err := putSorted(tx, keys, want); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	// Level 6: a10000..a10005 and a80000..a80005; level 5 above each, a
	// table of two of its keys. Between them, a gap at both levels.
	commit([]string{"a10000", "a10005"}, []string{"a80000", "a80005"})
	commit([]string{"a10000", "a10001"}, []string{"a80000", "a80001"})
	levels := checkLevels(t, db)
	if len(levels) != 7 || len(levels[5]) != 2 || len(levels[6]) != 2 {
		t.Fatalf("the levels to start from: %v", levels)
	}
	stor.armed.Store(true)
	compacted := make(chan error, 1)
	go func() { compacted <- db.CompactRange(util.Range{}) }()
	<-stor.blocked
	commit([]string{"a50000", "a50001"}) // in the gap
	close(stor.release)
	if err := <-compacted; err != nil {
		t.Fatal(err)
	}
	checkLevels(t, db)
	checkContents(t, db, want)
}
