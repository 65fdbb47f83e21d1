package graph

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"claimgraph/graph/queryindex"
)

// A Problem is one thing Check found wrong with a store.
type Problem struct {
	File string // the file (or database) at fault
	Msg  string
	// Repairable problems are in derived data, which Repair builds again
	// from the store of record; the others are in the store of record.
	Repairable bool
}

func (p Problem) String() string {
	how := "not repairable here: restore the store from a copy, or load its records into a new one"
	if p.Repairable {
		how = "claimgraph check --repair builds it again"
	}
	return fmt.Sprintf("%s: %s (%s)", p.File, p.Msg, how)
}

// Check verifies a whole store, like PRAGMA integrity_check: the backend's
// own check of its file, the saved counts against a recount of the
// quads, the query index and its bases (their checksums) and the index
// against the quads of Cayley's log; in a database server, every value's
// reference count and the counts table. It changes nothing.
func (s *Store) Check(ctx context.Context) ([]Problem, error) {
	var out []Problem
	if s.sql != nil {
		if err := s.Verify(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			out = append(out, Problem{File: s.sql.String(), Msg: err.Error()})
		}
		return out, nil
	}
	if s.kv == nil {
		return nil, nil // in memory
	}
	if err := s.kv.Check(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The rest reads the same file: its answers would not mean much.
		return append(out, Problem{File: s.kv.File(), Msg: err.Error()}), nil
	}
	name := filepath.Join(s.path, indexName)
	if ix, err := queryindex.Open(name); err != nil {
		out = append(out, Problem{File: name, Msg: err.Error(), Repairable: true})
	} else if ix != nil {
		ix.Close()
		if err := s.verifyIndex(ctx); err != nil {
			out = append(out, Problem{File: name, Msg: err.Error(), Repairable: true})
		}
	}
	bases, err := s.indexBases()
	if err != nil {
		return nil, err
	}
	for _, b := range bases {
		if err := queryindex.CheckBase(b.name); err != nil {
			out = append(out, Problem{File: b.name, Msg: err.Error(), Repairable: true})
		}
	}
	if err := s.verifyCounts(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out = append(out, Problem{File: filepath.Join(s.path, countsName), Msg: err.Error(), Repairable: true})
	}
	return out, nil
}

// Repair builds again what a store derives from its quads: the saved
// counts, and the query index from the whole store (its bases, damaged or
// not, go). The quads themselves — the store of record — it cannot mend.
func (s *Store) Repair(ctx context.Context) error {
	if s.path == "" || s.sql != nil || s.kv == nil {
		return nil
	}
	if s.readOnly {
		return ErrReadOnly
	}
	s.closeIndex()
	bases, err := s.indexBases()
	if err != nil {
		return err
	}
	if err := s.removeBases(bases); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(s.path, indexName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	s.forgetCounts()
	if err := os.Remove(filepath.Join(s.path, countsName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if _, err := s.Counts(ctx); err != nil {
		return err
	}
	s.indexState = indexUnknown
	_, err = s.Index(ctx)
	return err
}
