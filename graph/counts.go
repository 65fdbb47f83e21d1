package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	ckv "github.com/cayleygraph/cayley/graph/kv"

	"github.com/cayleygraph/quad"

	"claimgraph/graph/claim"
)

// Counts is the store's vocabulary with approximate sizes (see
// claim.Counts). They are maintained by Apply and saved beside the store
// after each write; they are estimates (a crash may leave them a batch
// behind), never used for answers — Stats recounts.
type Counts = claim.Counts

const countsName = "counts.json"

type countsCache struct {
	mu     sync.Mutex
	counts *Counts
}

// Counts returns the vocabulary counts, computing them from the quads the
// first time a store without saved counts (or with counts a crash may
// have left behind) is asked. Every label with nodes has a count above 0.
func (s *Store) Counts(ctx context.Context) (*Counts, error) {
	if s.sql != nil {
		// Kept in the database in step with every write, by whichever
		// process writes; cheap to read.
		return s.sql.Counts(ctx)
	}
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	if s.counts.counts != nil {
		return s.counts.counts, nil
	}
	if c := s.savedCounts(); c != nil {
		s.counts.counts = c
		return c, nil
	}
	c := claim.NewCounts()
	err := s.Quads(ctx, func(q quad.Quad) error { c.Add(q, 1); return nil })
	if err != nil {
		return nil, err
	}
	s.counts.counts = c
	s.saveCounts()
	return c, nil
}

// prepareCounts loads the saved counts before a write, or starts them at
// zero for an empty store, so the write can keep them up to date. A store
// whose counts are neither saved nor derivable this way counts them on
// first use instead.
func (s *Store) prepareCounts() {
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	if s.counts.counts == nil {
		if c := s.savedCounts(); c != nil {
			s.counts.counts = c
		} else if s.Empty() {
			s.counts.counts = claim.NewCounts()
		}
	}
	if s.counts.counts != nil {
		// Durable before the write, so that no crash leaves clean counts
		// behind a committed write.
		s.counts.counts.Dirty = true
		s.saveCountsSynced()
		s.counts.counts.Dirty = false
	}
}

// savedCounts reads the counts saved beside the store, unless they are
// missing, damaged or dirty.
func (s *Store) savedCounts() *Counts {
	if s.path == "" {
		return nil
	}
	return readSavedCounts(s.path)
}

func readSavedCounts(path string) *Counts {
	raw, err := os.ReadFile(filepath.Join(path, countsName))
	if err != nil {
		return nil
	}
	c := claim.NewCounts()
	if json.Unmarshal(raw, c) != nil || c.Dirty {
		return nil
	}
	return c
}

// updateCounts applies a write's deltas to the counts prepared for it.
func (s *Store) updateCounts(rws []rewrite) {
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	if s.counts.counts == nil {
		return
	}
	for _, rw := range rws {
		for _, q := range rw.old {
			s.counts.counts.Add(q, -1)
		}
		for _, q := range rw.new {
			s.counts.counts.Add(q, 1)
		}
	}
	s.saveCounts()
}

// forgetCounts drops the counts held in memory after a failed write,
// which may have committed some of its changes: the saved ones are marked
// dirty (prepareCounts), so the next reader counts again.
func (s *Store) forgetCounts() {
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	s.counts.counts = nil
}

func (s *Store) saveCounts() { s.writeCounts(false) }

// saveCountsSynced saves the counts durably: on disk, renamed, before it
// returns.
func (s *Store) saveCountsSynced() { s.writeCounts(true) }

func (s *Store) writeCounts(synced bool) {
	if s.path == "" || s.readOnly {
		return // (readers may share the store: they leave its files alone)
	}
	raw, err := json.Marshal(s.counts.counts)
	if err != nil {
		return
	}
	tmp := filepath.Join(s.path, countsName+".tmp")
	write := func(name string, data []byte) error { return os.WriteFile(name, data, 0o644) }
	if synced {
		write = writeSynced
	}
	if write(tmp, raw) == nil && os.Rename(tmp, filepath.Join(s.path, countsName)) == nil && synced {
		syncDir(s.path)
	}
}

// verifyCounts checks clean saved counts against a recount.
func (s *Store) verifyCounts(ctx context.Context) error {
	saved := s.savedCounts()
	if saved == nil {
		return nil
	}
	recount := claim.NewCounts()
	if err := s.cayleyQuads(ctx, func(q quad.Quad) error { recount.Add(q, 1); return nil }); err != nil {
		return err
	}
	if !saved.Same(recount) {
		return fmt.Errorf("store %s: saved counts %v differ from a recount %v", s.where(), *saved, *recount)
	}
	return nil
}

// Empty reports whether the store holds no quads.
func (s *Store) Empty() bool {
	if s.sql != nil {
		return s.sql.Empty()
	}
	// Cayley keeps a quad count in the same transaction as every write;
	// reading it saves the scan below, which passes every value record
	// before the first quad (30 ms at open on a 10k store). A count of
	// zero is checked by the scan.
	if kq, ok := s.quadStore().(*ckv.QuadStore); ok {
		if st, err := kq.Stats(context.Background(), false); err == nil && st.Quads.Value > 0 {
			return false
		}
	}
	it := s.quadStore().QuadsAllIterator().Iterate()
	defer it.Close()
	return !it.Next(context.Background())
}
