package queryindex

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/cayleygraph/cayley/graph/refs"
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
	hkv "github.com/hidal-go/hidalgo/kv"
)

// The quads removed from a store since its base was made are listed beside
// the base, in its name + RemovedSuffix, for Update to take out of it:
// Cayley marks a removed quad dead in place in its log, where the records
// after the base's horizon do not show it. A write that removes quads
// appends them as a group before it removes them (BeginRemoval), and a
// mark once the removal is committed (Removal.Commit). A group without
// its mark — a write that failed or was interrupted — makes the base
// unusable, since whether its quads are gone is not known, and the index
// is built again from the whole store.
const RemovedSuffix = ".removed"

const (
	groupStart = 'R'
	groupDone  = 'C'
)

// Removal is a group of removed quads, recorded and not yet marked.
type Removal struct {
	f *os.File
}

// BeginRemoval appends quads to base's list of removed quads, durably.
func BeginRemoval(base string, quads []quad.Quad) (*Removal, error) {
	name := base + RemovedSuffix
	_, statErr := os.Stat(name)
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	sum := crc32.New(castagnoli)
	w := bufio.NewWriter(io.MultiWriter(f, sum))
	w.WriteByte(groupStart)
	w.Write(binary.AppendUvarint(nil, uint64(len(quads))))
	for _, q := range quads {
		for _, v := range [4]quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
			var enc []byte
			if v != nil {
				if enc, err = pquads.MarshalValue(v); err != nil {
					f.Close()
					return nil, err
				}
			}
			w.Write(binary.AppendUvarint(nil, uint64(len(enc))))
			w.Write(enc)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return nil, err
	}
	// The group's CRC-32C, so that a damaged list is known as one.
	if _, err := f.Write(binary.LittleEndian.AppendUint32(nil, sum.Sum32())); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		if err := syncDir(filepath.Dir(name)); err != nil {
			f.Close()
			return nil, err
		}
	}
	return &Removal{f}, nil
}

// Commit marks the group as removed from the store, durably.
func (r *Removal) Commit() error {
	if _, err := r.f.Write([]byte{groupDone}); err != nil {
		r.f.Close()
		return err
	}
	if err := r.f.Sync(); err != nil {
		r.f.Close()
		return err
	}
	return r.f.Close()
}

// Close leaves the group unmarked: the removal did not happen, or may not
// have.
func (r *Removal) Close() { r.f.Close() }

// errUnmarked is why a base with an unmarked group cannot be updated.
var errUnmarked = errors.New("a removal was not marked as done")

// readRemoved reads base's list of removed quads: each quad's values as
// encoded in the index (nil for none). No list is no quads.
func readRemoved(base string) ([][4][]byte, error) {
	list, err := os.Stat(base + RemovedSuffix)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// A list as large as the base (most of the store replaced) costs more
	// to take out than the store does to read.
	if b, err := os.Stat(base); err == nil && list.Size() > b.Size() {
		return nil, errors.New("more quads removed than an update is worth")
	}
	data, err := os.ReadFile(base + RemovedSuffix)
	if err != nil {
		return nil, err
	}
	damaged := fmt.Errorf("list of removed quads %s: %w", base+RemovedSuffix, ErrDamaged)
	r := bytes.NewReader(data)
	var out [][4][]byte
	for r.Len() > 0 {
		start := len(data) - r.Len()
		if b, _ := r.ReadByte(); b != groupStart {
			return nil, damaged
		}
		n, err := binary.ReadUvarint(r)
		if err != nil || n > uint64(r.Len()) {
			return nil, damaged
		}
		for range n {
			var q [4][]byte
			for k := range q {
				l, err := binary.ReadUvarint(r)
				if err != nil || l > uint64(r.Len()) {
					return nil, damaged
				}
				if l > 0 {
					q[k] = make([]byte, l)
					if _, err := io.ReadFull(r, q[k]); err != nil {
						return nil, damaged
					}
				}
			}
			out = append(out, q)
		}
		end := len(data) - r.Len()
		var sum [4]byte
		if _, err := io.ReadFull(r, sum[:]); err != nil || crc32.Checksum(data[start:end], castagnoli) != binary.LittleEndian.Uint32(sum[:]) {
			return nil, damaged
		}
		if b, err := r.ReadByte(); err != nil || b != groupDone {
			return nil, errUnmarked
		}
	}
	return out, nil
}

// notHeld returns the encoded values (as in the index) that the store no
// longer holds, looked up in one read transaction: Cayley removes a
// value's log record and its entry in the value buckets together, once
// no quad refers to it.
func (l kvLog) notHeld(ctx context.Context, encs [][]byte) ([]int, error) {
	var out []int
	err := hkv.View(ctx, l.kv, func(tx hkv.Tx) error {
		for i, enc := range encs {
			v, err := pquads.UnmarshalValue(enc)
			if err != nil {
				return err
			}
			h := refs.HashOf(v)
			_, err = tx.Get(ctx, hkv.Key{[]byte{'v', h[0], h[1]}, h[:]})
			switch {
			case errors.Is(err, hkv.ErrNotFound):
				out = append(out, i)
			case err != nil:
				return err
			}
		}
		return nil
	})
	return out, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// CheckBase verifies a base of the query index: the file's checksum and
// its list of removed quads, if any.
func CheckBase(name string) error {
	x, err := Open(name)
	if err != nil {
		return err
	}
	if x == nil {
		return nil
	}
	x.Close()
	_, err = readRemoved(name)
	if errors.Is(err, ErrDamaged) {
		return err
	}
	return nil
}
