package boltmap_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	bolt "github.com/boltdb/bolt"
	hbbolt "github.com/hidal-go/hidalgo/kv/bbolt"
	hbolt "github.com/hidal-go/hidalgo/kv/bolt"
	bbolt "go.etcd.io/bbolt"

	"claimgraph/graph/boltmap"
)

// TestRelease fills a store, reads all of it through its map, and
// requires Release to take the file's pages out of the process's
// resident memory, and the store to read the same afterwards.
func TestRelease(t *testing.T) {
	t.Run("bbolt", func(t *testing.T) {
		db, path := filledBBolt(t)
		read := func() (sum uint64) {
			db.DB().View(func(tx *bbolt.Tx) error {
				return tx.Bucket([]byte("b")).ForEach(func(k, v []byte) error { sum += checksum(v); return nil })
			})
			return sum
		}
		check(t, db, path, read)
	})
	t.Run("bolt", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "indexes.bolt")
		db, err := hbolt.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.DB().Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucket([]byte("b"))
			if err != nil {
				return err
			}
			return putAll(b.Put)
		}); err != nil {
			t.Fatal(err)
		}
		read := func() (sum uint64) {
			db.DB().View(func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("b")).ForEach(func(k, v []byte) error { sum += checksum(v); return nil })
			})
			return sum
		}
		check(t, db, path, read)
	})
}

const values = 4096 // of 4 KiB each: 16 MiB

func putAll(put func(k, v []byte) error) error {
	for i := range values {
		v := bytes.Repeat([]byte{byte(i)}, 4096)
		binary.BigEndian.PutUint64(v, uint64(i))
		if err := put(binary.BigEndian.AppendUint64(nil, uint64(i)), v); err != nil {
			return err
		}
	}
	return nil
}

func checksum(v []byte) (s uint64) {
	for _, b := range v {
		s = s*31 + uint64(b)
	}
	return s
}

func check(t *testing.T, kv interface{ Close() error }, path string, read func() uint64) {
	t.Helper()
	want := read()
	before := mappedKiB(t, path)
	if before < 8<<10 {
		t.Fatalf("reading 16 MiB through the map left %d KiB of it resident: nothing to let go of", before)
	}
	switch db := kv.(type) {
	case *hbbolt.DB:
		boltmap.Release(db)
	case *hbolt.DB:
		boltmap.Release(db)
	}
	if after := mappedKiB(t, path); after > before/8 {
		t.Errorf("after Release %d KiB of the file are resident (%d before)", after, before)
	}
	if got := read(); got != want {
		t.Errorf("the store reads differently after Release")
	}
}

// mappedKiB is how much of the file at path is resident in this process,
// from /proc/self/smaps.
func mappedKiB(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	total, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			in = len(fields) >= 6 && fields[5] == path
		case in && fields[0] == "Rss:":
			n, _ := strconv.Atoi(fields[1])
			total += n
		}
	}
	return total
}

// TestReleaseTx lets go of the pages inside the read transaction that read
// them, as a long scan does as it goes: the pages leave the resident
// memory, and the transaction reads the same afterwards.
func TestReleaseTx(t *testing.T) {
	db, path := filledBBolt(t)
	db.DB().View(func(tx *bbolt.Tx) error {
		read := func() (sum uint64) {
			tx.Bucket([]byte("b")).ForEach(func(k, v []byte) error { sum += checksum(v); return nil })
			return sum
		}
		want := read()
		before := mappedKiB(t, path)
		if before < 8<<10 {
			t.Fatalf("reading 16 MiB through the map left %d KiB of it resident: nothing to let go of", before)
		}
		boltmap.ReleaseTx(tx)
		if after := mappedKiB(t, path); after > before/8 {
			t.Errorf("after ReleaseTx %d KiB of the file are resident (%d before)", after, before)
		}
		if got := read(); got != want {
			t.Errorf("the transaction reads differently after ReleaseTx")
		}
		return nil
	})
}

// TestReleaseMapping lets go of the pages of a read-only map of a file
// (as the query index maps its file).
func TestReleaseMapping(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mapped")
	var data []byte
	for i := range values {
		v := bytes.Repeat([]byte{byte(i)}, 4096)
		data = append(data, v...)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, len(data), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	want := checksum(m)
	before := mappedKiB(t, path)
	if before < 8<<10 {
		t.Fatalf("reading 16 MiB through the map left %d KiB of it resident: nothing to let go of", before)
	}
	boltmap.ReleaseMapping(m)
	if after := mappedKiB(t, path); after > before/8 {
		t.Errorf("after ReleaseMapping %d KiB of the file are resident (%d before)", after, before)
	}
	if checksum(m) != want {
		t.Errorf("the map reads differently after ReleaseMapping")
	}
}

// filledBBolt returns a bbolt store holding 16 MiB in bucket "b", and its
// file's path; it is closed when the test ends.
func filledBBolt(t *testing.T) (*hbbolt.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "indexes.bolt")
	db, err := hbbolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.DB().Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		return putAll(b.Put)
	}); err != nil {
		t.Fatal(err)
	}
	return db, path
}
