package graph

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cayleygraph/quad"
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

// pendingRecords returns the canonical JSON of the new version of each
// record the rewrites replace (deleted, then written again).
func pendingRecords(rws []rewrite) [][]byte {
	var out [][]byte
	for _, rw := range rws {
		if len(rw.old) == 0 || len(rw.new) == 0 || sameQuads(rw.old, rw.new) {
			continue
		}
		for _, q := range rw.new {
			if q.Predicate == PredRecord {
				if s, ok := q.Object.(quad.String); ok {
					out = append(out, []byte(s))
				}
				break
			}
		}
	}
	return out
}

// writePending lists records durably: written, synced and renamed into
// place, its directory synced, before any of them is deleted.
func (s *Store) writePending(records [][]byte) error {
	name := filepath.Join(s.path, pendingName)
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, r := range records {
		w.Write(r) // canonical JSON holds no raw newline
		w.WriteByte('\n')
	}
	err = errors.Join(w.Flush(), f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err == nil {
		err = syncDir(s.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store %s: list the records a write rewrites: %w", s.path, err)
	}
	return nil
}

// clearPending removes the list once every listed record is written. It
// need not be durable: writing the records again changes nothing.
func (s *Store) clearPending() { os.Remove(filepath.Join(s.path, pendingName)) }

// recoverPending writes again the records listed by a write that stopped
// between deleting their old versions and writing their new ones. A listed
// record that is stored is unchanged; one that is absent is added, its
// names resolved against the store as it is. Open and Apply call it
// before anything else, so no later write lists its rewrites over a list
// whose records are not yet written. The list is first renamed, since the
// writes that restore its records list their own rewrites under its name;
// it is removed once all of its records are written, so a recovery that
// is itself stopped is done again.
func (s *Store) recoverPending(ctx context.Context) (recovered bool, err error) {
	s.recovering = true
	defer func() { s.recovering = false }()
	pending := filepath.Join(s.path, pendingName)
	recovering := pending + ".recovering"
	for {
		raw, err := os.ReadFile(recovering)
		if errors.Is(err, os.ErrNotExist) {
			err := os.Rename(pending, recovering)
			if errors.Is(err, os.ErrNotExist) {
				return recovered, nil
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
		var changes []Change
		for i, line := range bytes.Split(raw, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var r Record
			if err := json.Unmarshal(line, &r); err != nil {
				// The list is renamed into place whole, so this is damage
				// from outside: reported, not passed over.
				return recovered, fmt.Errorf("store %s: %s:%d: %v", s.path, filepath.Base(recovering), i+1, err)
			}
			changes = append(changes, Change{Record: &r})
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
}

// pendingBatch is how many listed records recoverPending writes at once,
// as a load's batches.
const pendingBatch = 2000
