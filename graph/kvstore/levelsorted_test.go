package kvstore

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/syndtr/goleveldb/leveldb"

	"claimgraph/graph/levelkv"
)

func newLevelStore(t *testing.T) (*Store, *leveldb.DB) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if err := Create(dir, "leveldb"); err != nil {
		t.Fatal(err)
	}
	st, err := Open(dir, "leveldb", false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, st.kv.(*levelkv.DB).LevelDB
}

func tableFiles(t *testing.T, st *Store) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(st.dir, "*.ldb"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// Of a key put twice, the last value is stored, also when stages are
// written by two goroutines; a transaction abandoned (as a failed batch
// is) leaves nothing, not even its tables' files.
func TestSortedPuts(t *testing.T) {
	st, ldb := newLevelStore(t)
	put := func(tx *kvTx, key, value string) {
		t.Helper()
		if err := tx.put([]byte("sp"), []byte(key), []byte(value)); err != nil {
			t.Fatal(err)
		}
	}
	get := func(key string) string {
		t.Helper()
		v, err := ldb.Get(levelkv.AppendKey(nil, []byte("sp"), []byte(key)), nil)
		if err == leveldb.ErrNotFound {
			return "(absent)"
		} else if err != nil {
			t.Fatal(err)
		}
		return string(v)
	}

	tx, err := st.beginKV()
	if err != nil {
		t.Fatal(err)
	}
	tx.sortPuts(10)
	put(tx, "b", "first")
	put(tx, "a/\\", "escaped") // hidalgo escapes '/' and '\', out of order
	put(tx, "b", "second")
	tx.endStage()
	put(tx, "c", "third")
	tx.endStage()
	put(tx, "d", "fourth")
	if err := tx.commit(); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"a/\\": "escaped", "b": "second", "c": "third", "d": "fourth"} {
		if got := get(k); got != want {
			t.Errorf("%q = %q, want %q", k, got, want)
		}
	}
	before := tableFiles(t, st)

	tx, err = st.beginKV()
	if err != nil {
		t.Fatal(err)
	}
	tx.sortPuts(10)
	put(tx, "e", "lost")
	put(tx, "b", "lost")
	tx.endStage()
	put(tx, "f", "lost")
	if err := tx.rollback(); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"e", "f"} {
		if got := get(k); got != "(absent)" {
			t.Errorf("after the rollback, %q = %q", k, got)
		}
	}
	if got := get("b"); got != "second" {
		t.Errorf("after the rollback, b = %q", got)
	}
	if after := tableFiles(t, st); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("the rollback left table files: %v, before %v", after, before)
	}
}
