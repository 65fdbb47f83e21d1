package kvstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// checkBoltFile checks a bolt or bbolt file against its own metadata
// before the library maps it: both map the whole file and read pages
// through the map, so that a file cut short faults the process (SIGBUS)
// on its first read past the end, and damaged metadata can send a read
// anywhere. Of the two meta pages (at 0 and at the page size), bolt uses
// the valid one with the higher transaction id; the file must hold every
// page that one counts.
func checkBoltFile(name string) error {
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil // a store being created
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	damaged := func(format string, args ...any) error {
		return fmt.Errorf("store file %s is damaged: %s", name, fmt.Sprintf(format, args...))
	}
	first, err := readMeta(f, 0)
	if err != nil {
		return damaged("its first page cannot be read: %v", err)
	}
	var best *boltMeta
	for _, at := range []int64{0, int64(first.pageSize)} {
		m := first
		if at != 0 {
			if first.pageSize < 512 || first.pageSize > 1<<16 {
				break // the first meta is bad: look where bolt would
			}
			if m, err = readMeta(f, at); err != nil {
				continue
			}
		}
		if m.valid() && (best == nil || m.txid > best.txid) {
			best = m
		}
	}
	if best == nil {
		// bolt looks for the second meta page at the OS's page size when
		// the first is bad.
		if m, err := readMeta(f, int64(os.Getpagesize())); err == nil && m.valid() {
			best = m
		}
	}
	if best == nil {
		return damaged("neither of its meta pages is valid")
	}
	if need := int64(best.pgid) * int64(best.pageSize); st.Size() < need {
		return damaged("it holds %d bytes, its metadata counts %d (cut short?)", st.Size(), need)
	}
	if best.root >= best.pgid || best.freelist >= best.pgid && best.freelist != 0xffffffffffffffff {
		return damaged("its metadata points past its last page")
	}
	return nil
}

// boltMeta is a meta page's fields (bolt's meta struct, after the page
// header of 16 bytes).
type boltMeta struct {
	raw                  [64]byte
	magic, version       uint32
	pageSize             uint32
	root, freelist, pgid uint64
	txid, checksum       uint64
}

func readMeta(f *os.File, at int64) (*boltMeta, error) {
	var page [16 + 64]byte
	if _, err := f.ReadAt(page[:], at); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("past the end of the file")
		}
		return nil, err
	}
	le := binary.LittleEndian
	m := &boltMeta{}
	copy(m.raw[:], page[16:])
	b := m.raw[:]
	m.magic, m.version, m.pageSize = le.Uint32(b[0:]), le.Uint32(b[4:]), le.Uint32(b[8:])
	m.root = le.Uint64(b[16:])
	m.freelist, m.pgid, m.txid = le.Uint64(b[32:]), le.Uint64(b[40:]), le.Uint64(b[48:])
	m.checksum = le.Uint64(b[56:])
	return m, nil
}

// valid is bolt's own check of a meta page: its magic, version and
// checksum (FNV-64a of the fields before it).
func (m *boltMeta) valid() bool {
	if m.magic != 0xED0CDAED || m.version != 2 {
		return false
	}
	h := fnv.New64a()
	h.Write(m.raw[:56])
	return h.Sum64() == m.checksum
}
