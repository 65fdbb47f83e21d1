package graph

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cayleygraph/quad"

	"claimgraph/graph/claim"
)

// pendingName is the file in which a write to a key-value store lists the
// records it rewrites (their new versions' canonical JSON, a line each)
// before it deletes their old versions. The deletions commit in one
// transaction and the new versions in others (see write), so a write
// stopped in between (a kill, a full disk) leaves those records absent.
// The records the user loaded come back when the user loads them again,
// but a rewrite also re-derives stored records that looked up a changed
// name (the sources of a renamed author), which no file being loaded
// holds: without the list they would be lost. Open writes the listed
// records again (recoverPending), and a write that completes removes it.
const pendingName = "rewrite.pending"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// pendingRecords returns the canonical JSON of the new version of each
// record the rewrites replace (deleted, then written again).
func pendingRecords(rws []rewrite) [][]byte {
	var out [][]byte
	for _, rw := range rws {
		if len(rw.old) == 0 || len(rw.new) == 0 || sameQuads(rw.old, rw.new) {
			continue
		}
		for _, q := range rw.new {
			if q.Predicate == claim.PredRecord {
				if s, ok := q.Object.(quad.String); ok {
					out = append(out, []byte(s))
				}
				break
			}
		}
	}
	return out
}

// writePending lists records durably (see writeList) before any of them
// is deleted.
func (s *Store) writePending(records [][]byte) error {
	lines := make([][]byte, len(records))
	for i, r := range records {
		// Each record with its CRC-32C, so that a list damaged on disk is
		// refused rather than written into the store.
		lines[i] = fmt.Appendf(nil, "%08x %s", crc32.Checksum(r, castagnoli), r)
	}
	if err := s.writeList(pendingName, lines); err != nil {
		return fmt.Errorf("store %s: list the records a write rewrites: %w", s.path, err)
	}
	return nil
}

// refreshName is the file in which a write whose batch has many
// dependents (see refreshChunk) lists their ids, a line each, before it
// writes the batch; it re-derives them afterwards, a chunk at a time, and
// removes the list. Should the write stop in between, Open (or the next
// write) re-derives them all again (recoverPending): a dependent already
// re-derived is unchanged.
const refreshName = "refresh.pending"

func (s *Store) writeRefreshList(ids []string) error {
	lines := make([][]byte, len(ids))
	for i, id := range ids {
		lines[i] = []byte(id)
	}
	if err := s.writeList(refreshName, lines); err != nil {
		return fmt.Errorf("store %s: list the records a write re-derives: %w", s.path, err)
	}
	return nil
}

func (s *Store) clearRefreshList() { os.Remove(filepath.Join(s.path, refreshName)) }

// writeList writes lines to the file name in the store's directory
// durably: written, synced and renamed into place, its directory synced.
func (s *Store) writeList(name string, lines [][]byte) error {
	path := filepath.Join(s.path, name)
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.Write(l) // no line holds a newline: canonical JSON, or an id
		w.WriteByte('\n')
	}
	err = errors.Join(w.Flush(), f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(s.path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// clearPending removes the list once every listed record is written. It
// need not be durable: writing the records again changes nothing.
// needsWriter reports whether the store at path needs writing before it
// is read: a stopped write left records in it to finish, or its counts
// are not saved (missing, or left dirty by a stopped write), which a
// reader would count from every quad each time, since readers save
// nothing.
func needsWriter(path string) bool {
	return hasPendingWrites(path) || readSavedCounts(path) == nil
}

// hasPendingWrites reports whether a stopped write left records in the
// store at path for the next Open to finish.
func hasPendingWrites(path string) bool {
	for _, name := range []string{pendingName, pendingName + ".recovering", refreshName, refreshName + ".recovering"} {
		if _, err := os.Stat(filepath.Join(path, name)); err == nil {
			return true
		}
	}
	return false
}

func (s *Store) clearPending() { os.Remove(filepath.Join(s.path, pendingName)) }

// recoverPending finishes a write that stopped: it writes again the
// records listed by a write stopped between deleting their old versions
// and writing their new ones (a listed record that is stored is unchanged;
// one that is absent is added, its names resolved against the store as it
// is), then re-derives the dependents a write listed and had not all
// re-derived. Open and Apply call it before anything else, so no later
// write lists its own over a list not yet done.
//
// Each list is first taken up under another name (".recovering"), since
// the writes that finish it list their own under its name; it is removed
// once done, so a recovery that is itself stopped is done again.
func (s *Store) recoverPending(ctx context.Context) (recovered bool, err error) {
	s.recovering = true
	defer func() { s.recovering = false }()
	// Dependents are re-derived after the records are written, whose
	// writes may list and re-derive dependents of their own.
	if err := s.takeUpRefresh(); err != nil {
		return false, err
	}
	pending := filepath.Join(s.path, pendingName)
	recovering := pending + ".recovering"
	for {
		raw, err := os.ReadFile(recovering)
		if errors.Is(err, os.ErrNotExist) {
			err := os.Rename(pending, recovering)
			if errors.Is(err, os.ErrNotExist) {
				break
			}
			if err == nil {
				err = syncDir(s.path)
			}
			if err != nil {
				return recovered, err
			}
			continue
		}
		if err != nil {
			return recovered, err
		}
		var changes []claim.Change
		for i, line := range bytes.Split(raw, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			// The list is renamed into place whole, so a bad line is
			// damage from outside: reported, not passed over.
			bad := func(err error) error {
				return fmt.Errorf("store %s: %s:%d is damaged (%v): the records it lists cannot be written again; remove it, then load their files again", s.path, filepath.Base(recovering), i+1, err)
			}
			if sum, rec, ok := bytes.Cut(line, []byte(" ")); ok && len(sum) == 8 {
				want, err := strconv.ParseUint(string(sum), 16, 32)
				if err != nil || uint32(want) != crc32.Checksum(rec, castagnoli) {
					return recovered, bad(errors.New("checksum"))
				}
				line = rec
			} // (a list an earlier version wrote has no checksums)
			var r claim.Record
			if err := json.Unmarshal(line, &r); err != nil {
				return recovered, bad(err)
			}
			if err := r.Validate(); err != nil {
				return recovered, bad(err)
			}
			changes = append(changes, claim.Change{Record: &r})
		}
		for len(changes) > 0 {
			n := min(len(changes), pendingBatch)
			if _, err := s.Apply(ctx, changes[:n]); err != nil {
				return recovered, fmt.Errorf("store %s: write again the records an interrupted write left out: %w", s.path, err)
			}
			changes = changes[n:]
			recovered = true
		}
		if err := os.Remove(recovering); err != nil {
			return recovered, err
		}
	}
	ids, err := s.readRefresh()
	if err != nil || ids == nil {
		return recovered, err
	}
	if err := s.refresh(ctx, ids, &Result{}); err != nil {
		return recovered, fmt.Errorf("store %s: re-derive the records an interrupted write left to re-derive: %w", s.path, err)
	}
	return true, os.Remove(filepath.Join(s.path, refreshName+".recovering"))
}

// pendingBatch is how many listed records recoverPending writes at once,
// as a load's batches.
const pendingBatch = 2000

// takeUpRefresh moves a write's list of dependents to re-derive under the
// name recovery reads, adding its ids to those of a recovery stopped
// before (the order of re-deriving does not matter).
func (s *Store) takeUpRefresh() error {
	pending := filepath.Join(s.path, refreshName)
	raw, err := os.ReadFile(pending)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	before, err := s.readRefresh()
	if err != nil {
		return err
	}
	var lines [][]byte
	for _, id := range append(before, strings.Split(string(raw), "\n")...) {
		if id != "" {
			lines = append(lines, []byte(id))
		}
	}
	if err := s.writeList(refreshName+".recovering", lines); err != nil {
		return err
	}
	return os.Remove(pending)
}

// readRefresh returns the ids of the dependents recovery re-derives, or
// nil.
func (s *Store) readRefresh() ([]string, error) {
	raw, err := os.ReadFile(filepath.Join(s.path, refreshName+".recovering"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, id := range strings.Split(string(raw), "\n") {
		if id != "" {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
