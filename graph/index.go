package graph

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cayleygraph/quad"

	"claimgraph/graph/claim"
	"claimgraph/graph/queryindex"
)

// indexName is the query index's file in an embedded store's directory.
// The index (package queryindex) is derived data, never read out of step
// with the store: a write removes it, durably, before touching the store,
// so an index that exists was built after the last write; Store.Index
// builds it again (the load command does, at its end). Without one, reads
// go through Cayley's own indexes.
//
// A write keeps the index it removes as a base, renamed to indexName +
// ".base." + the store's horizon (Cayley's last id) at that point, and a
// write that removes quads first lists them beside the base (see
// queryindex.BeginRemoval). So a base is always the index of the store's
// log up to its horizon, and the store has since had records added and
// the listed quads removed, and Store.Index updates it with those
// (queryindex.Update) instead of reading the whole store.
const indexName = "query.index"

// IndexFile is the name of the query index's file in a store's directory.
const IndexFile = indexName

const baseSuffix = ".base."

// indexState says what a store knows of its query index file.
type indexState int8

const (
	indexUnknown indexState = iota // not looked for yet
	indexMapped                    // Store.index is the file, mapped
	indexAbsent                    // no file: reads go through Cayley
)

// queryIndex returns the store's query index, mapping it on first use, or
// nil when the store has none (or is not an embedded store).
func (s *Store) queryIndex() (*queryindex.Index, error) {
	switch {
	case s.indexState == indexMapped:
		return s.index, nil
	case s.indexState == indexAbsent || s.path == "" || s.sql != nil:
		return nil, nil
	}
	ix, err := queryindex.Open(filepath.Join(s.path, indexName))
	if err != nil {
		// Derived data: a damaged index is dropped and reads go through
		// Cayley until it is built again, at once by a store open for
		// writing (see Index), else by the next load, init or check.
		if rerr := os.Remove(filepath.Join(s.path, indexName)); rerr != nil {
			return nil, err
		}
		how := "queries read the store through Cayley until claimgraph init (or the next load) builds it again"
		if !s.readOnly {
			how = "it is built again from the store"
		}
		s.warnf("%v: removed; %s", err, how)
		ix = nil
	}
	s.index, s.indexState = ix, indexMapped
	if ix == nil {
		s.indexState = indexAbsent
	}
	return ix, nil
}

// warnf reports what the store noticed and mended (see Options.Warn).
func (s *Store) warnf(format string, args ...any) {
	if s.warn != nil {
		s.warn(fmt.Sprintf(format, args...))
	}
}

func (s *Store) closeIndex() {
	s.index.Close()
	s.indexTerms = nil
	s.index, s.indexState = nil, indexUnknown
}

// dropIndex removes the query index, durably, before a write: an index
// file on disk is then always one built after the last write. The index
// is kept as a base (see indexName); for a write that removes quads, the
// returned Removal (nil if there is no base) lists them beside the base,
// and is to be committed once they are removed.
func (s *Store) dropIndex(removed []quad.Quad) (*queryindex.Removal, error) {
	if s.path == "" || s.sql != nil {
		return nil, nil
	}
	fail := func(err error) error {
		return fmt.Errorf("store %s: remove the query index before writing: %w", s.path, err)
	}
	if s.indexState != indexAbsent || s.index != nil {
		s.closeIndex()
		name := filepath.Join(s.path, indexName)
		var err error
		if s.kv == nil {
			err = os.Remove(name)
		} else {
			var h uint64
			if h, err = queryindex.Horizon(context.Background(), s.kv.KV()); err == nil {
				base := fmt.Sprintf("%s%s%d", name, baseSuffix, h)
				// A list left by an earlier base of the same name (one
				// interrupted while it was removed) is not this one's,
				// and must be gone before this one is.
				var stale bool
				if stale, err = removeBase(base, true); err == nil && stale {
					err = syncDir(s.path)
				}
				if err == nil {
					err = os.Rename(name, base)
				}
			}
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fail(err)
		}
		if err := syncDir(s.path); err != nil {
			return nil, fail(err)
		}
		s.indexState = indexAbsent
	}
	if len(removed) == 0 {
		return nil, nil
	}
	bases, err := s.indexBases()
	if err != nil {
		return nil, fail(err)
	}
	if len(bases) == 0 {
		return nil, nil
	}
	// Only the most recent base gets the list; older ones go.
	if err := s.removeBases(bases[1:]); err != nil {
		return nil, fail(err)
	}
	r, err := queryindex.BeginRemoval(bases[0].name, removed)
	if err != nil {
		// Without its list the base would be wrong once the quads are gone.
		if err := s.removeBases(bases[:1]); err != nil {
			return nil, fail(err)
		}
		return nil, nil
	}
	return r, nil
}

// removeBase removes a base and then its list of removed quads (a base
// without its list would be taken for one with nothing removed), or with
// listOnly the list, and reports whether there was anything to remove.
func removeBase(name string, listOnly bool) (removed bool, err error) {
	names := []string{name, name + queryindex.RemovedSuffix, name + queryindex.VerifiedSuffix}
	if listOnly {
		names = names[1:]
	}
	for _, n := range names {
		switch err := os.Remove(n); {
		case err == nil:
			removed = true
		case !errors.Is(err, os.ErrNotExist):
			return removed, err
		}
	}
	return removed, nil
}

// removeBases removes bases and their lists, durably.
func (s *Store) removeBases(bases []indexBase) error {
	if len(bases) == 0 {
		return nil
	}
	for _, b := range bases {
		if _, err := removeBase(b.name, false); err != nil {
			return err
		}
	}
	return syncDir(s.path)
}

// indexBase is a base for the query index (see indexName).
type indexBase struct {
	name    string
	horizon uint64
}

// indexBases lists the store's bases, the most recent first.
func (s *Store) indexBases() ([]indexBase, error) {
	entries, err := os.ReadDir(s.path)
	if err != nil {
		return nil, err
	}
	var out []indexBase
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), indexName+baseSuffix)
		if !ok {
			continue
		}
		h, err := strconv.ParseUint(rest, 10, 64)
		if err != nil {
			continue
		}
		out = append(out, indexBase{filepath.Join(s.path, e.Name()), h})
	}
	slices.SortFunc(out, func(a, b indexBase) int { return cmp.Compare(b.horizon, a.horizon) })
	return out, nil
}

// HasIndex reports whether reads are served by the query index.
func (s *Store) HasIndex() bool {
	ix, _ := s.queryIndex()
	return ix != nil
}

// Index builds the query index of an embedded store, unless it has a
// current one, and reports whether it built one; stores in a database
// server need none. With a base (see indexName) it reads the base and the
// records added since; otherwise it reads the whole store once (about a
// second per 400,000 quads), in parts of bounded memory (see
// queryindex.Build).
func (s *Store) Index(ctx context.Context) (built bool, err error) {
	if s.path == "" || s.sql != nil || s.kv == nil {
		return false, nil
	}
	if ix, err := s.queryIndex(); err != nil || ix != nil {
		return false, err
	}
	name := filepath.Join(s.path, indexName)
	bases, err := s.indexBases()
	if err != nil {
		return false, err
	}
	updated := false
	if len(bases) > 0 {
		err := queryindex.Update(ctx, bases[0].name, bases[0].horizon, s.kv.KV(), name)
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		// A base that cannot be used (damaged, say) is built over, and
		// goes with the others below.
		updated = err == nil
		if errors.Is(err, queryindex.ErrDamaged) {
			s.warnf("the base of the query index %s cannot be used (%v): the index is built from the whole store", bases[0].name, err)
		}
	}
	if updated {
		s.indexUpdates++
	} else if err := queryindex.Build(ctx, s.kv.KV(), name); err != nil {
		return false, fmt.Errorf("store %s: build the query index: %w", s.path, err)
	}
	s.indexState = indexUnknown
	return true, s.removeBases(bases)
}

// verifyIndex checks that the query index, if the store has one, holds
// exactly the quads of Cayley's log.
func (s *Store) verifyIndex(ctx context.Context) error {
	ix, err := s.queryIndex()
	if err != nil || ix == nil {
		return err
	}
	stored := map[[4]string]int{}
	err = s.cayleyQuads(ctx, func(q quad.Quad) error { stored[claim.QuadKey(q)]++; return nil })
	if err != nil {
		return err
	}
	extra := 0
	err = ix.Match(ctx, nil, func(q quad.Quad) error {
		k := claim.QuadKey(q)
		if stored[k] == 0 {
			extra++
		}
		stored[k]--
		return nil
	})
	if err != nil {
		return err
	}
	missing := 0
	for _, n := range stored {
		if n > 0 {
			missing += n
		}
	}
	if extra > 0 || missing > 0 {
		return fmt.Errorf("store %s: the query index differs from the store: %d quads missing, %d not in the store", s.path, missing, extra)
	}
	return nil
}

// A NodeRef is a node's number in the store's query index. Reads that
// know it skip looking the node's id up; 0 means not known. A NodeRef is
// good until the store's next write.
type NodeRef uint32

// NodeRef returns the NodeRef of node id, or 0 when the store has no
// query index or no such node.
func (s *Store) NodeRef(id string) NodeRef {
	ix, err := s.queryIndex()
	if ix == nil || err != nil {
		return 0
	}
	return NodeRef(ix.LookupNamed(id, nodeByID))
}

// ref is the number of node id: r when known, else looked up.
func ref(ix *queryindex.Index, id string, r NodeRef) uint32 {
	if r != 0 {
		return uint32(r)
	}
	return ix.LookupNamed(id, nodeByID)
}

// HasLabel reports whether node id (whose NodeRef is r, if known) has the
// label, from the query index; ok is false when the store has none.
func (s *Store) HasLabel(id string, r NodeRef, label string) (found, ok bool) {
	ix, err := s.queryIndex()
	if ix == nil || err != nil {
		return false, false
	}
	t := s.terms(ix)
	if set, built := t.labels[label]; built {
		return set.Has(ref(ix, id, r)), true
	}
	// A few tests are binary searches; a query that tests many nodes gets
	// the label's members as a set (one pass over them, and memory that
	// follows the label's size, which a point lookup should not pay).
	l := ix.LookupNamed(label, nodeByID)
	if t.labelTests[label]++; t.labelTests[label] > labelSetAfter {
		t.labels[label] = ix.SubjectSet(t.typ, l)
	}
	return ix.Has(ref(ix, id, r), t.typ, l), true
}

// labelSetAfter is how many tests of one label HasLabel answers by binary
// search before it builds the label's set.
var labelSetAfter = 4096

// indexTerms are the numbers of the predicates the index readers ask for.
type indexTerms struct {
	typ, edgeTo uint32
	props       map[string]uint32
	labels      map[string]queryindex.Set // each label's nodes
	labelTests  map[string]int            // HasLabel calls per label
	memos       map[any]any               // see IndexMemo
}

func (s *Store) terms(ix *queryindex.Index) *indexTerms {
	if s.indexTerms == nil {
		s.indexTerms = &indexTerms{typ: ix.Lookup(claim.PredType), edgeTo: ix.Lookup(claim.PredEdgeTo), props: map[string]uint32{}, labels: map[string]queryindex.Set{}, labelTests: map[string]int{}, memos: map[any]any{}}
	}
	return s.indexTerms
}

// IndexNodes calls fn with the id and NodeRef of each node with the label,
// once each, from the query index; ok is false when the store has none.
func (s *Store) IndexNodes(label string, fn func(id string, r NodeRef) error) (ok bool, err error) {
	ix, err := s.queryIndex()
	if ix == nil || err != nil {
		return false, err
	}
	t := s.terms(ix)
	prev := uint32(0)
	ix.Subjects(t.typ, ix.LookupNamed(label, nodeByID), func(n, _ uint32) bool {
		if n == prev {
			return true // labelled by several records
		}
		prev = n
		var v quad.Value
		if v, err = ix.Value(n); err != nil {
			return false
		}
		if id, isNode := claim.IDOf(v); isNode {
			err = fn(id, NodeRef(n))
		}
		return err == nil
	})
	return true, err
}

// IndexRels calls fn with the relationships of type typ at node id (whose
// NodeRef is r, if known) in one direction (out: id is their start), each
// as the id and NodeRef of the node at the other end, the id of its edge
// node ("" for types without one) and the id of the record that states it.
// It reads the query index; ok is false when the store has none.
func (s *Store) IndexRels(id string, r NodeRef, typ string, out bool, fn func(other string, otherRef NodeRef, edge, record string)) (ok bool, err error) {
	ix, err := s.queryIndex()
	if ix == nil || err != nil {
		return false, err
	}
	t := s.terms(ix)
	n, pred := ref(ix, id, r), ix.LookupNamed(typ, nodeByID)
	if n == 0 || pred == 0 {
		return true, nil
	}
	// hop follows pred from a value, forwards (from is the subject) or
	// backwards (from is the object).
	hop := func(from, pred uint32, forward bool, fn func(to, label uint32) bool) {
		if forward {
			ix.Objects(from, pred, fn)
		} else {
			ix.Subjects(pred, from, fn)
		}
	}
	idOf := func(num uint32) string {
		var v quad.Value
		if err == nil {
			v, err = ix.Value(num)
		}
		id, _ := claim.IDOf(v)
		return id
	}
	emit := func(other, edge, label uint32) bool {
		o, e, rec := idOf(other), idOf(edge), idOf(label)
		if err == nil {
			fn(o, NodeRef(other), e, rec)
		}
		return err == nil
	}
	switch {
	case !claim.HasEdgeNode(typ):
		hop(n, pred, out, func(other, l uint32) bool { return emit(other, 0, l) })
	case out: // node -type-> edge -edge/to-> other
		hop(n, pred, true, func(e, l uint32) bool {
			hop(e, t.edgeTo, true, func(end, _ uint32) bool { return emit(end, e, l) })
			return err == nil
		})
	default: // other -type-> edge -edge/to-> node
		hop(n, t.edgeTo, false, func(e, _ uint32) bool {
			hop(e, pred, false, func(start, l uint32) bool { return emit(start, e, l) })
			return err == nil
		})
	}
	return true, err
}

// IndexPropertyNums appends to nums the values stored for property key of
// node (or edge node) id, whose NodeRef is r if known, as their numbers in
// the query index (IndexValue gives each value), so that readers can keep
// what they make of a value by its number; ok is false when the store has
// no query index.
func (s *Store) IndexPropertyNums(id string, r NodeRef, key string, nums []uint32) (_ []uint32, ok bool, err error) {
	ix, err := s.queryIndex()
	if ix == nil || err != nil {
		return nums, false, err
	}
	t := s.terms(ix)
	pred, known := t.props[key]
	if !known {
		pred = ix.Lookup(claim.PropIRI(key))
		t.props[key] = pred
	}
	ix.Objects(ref(ix, id, r), pred, func(o, _ uint32) bool {
		nums = append(nums, o)
		return true
	})
	return nums, true, nil
}

// IndexMemo returns what is kept under key with the query index, made by
// mk on first use; without an index it returns mk() each time. It is
// dropped with the index (before any write), so what a reader derives
// from the index's value numbers serves every query of a warm process
// and never outlives the numbers.
func (s *Store) IndexMemo(key any, mk func() any) any {
	ix, err := s.queryIndex()
	if ix == nil || err != nil {
		return mk()
	}
	t := s.terms(ix)
	m, ok := t.memos[key]
	if !ok {
		m = mk()
		t.memos[key] = m
	}
	return m
}

// IndexValue returns the value numbered num in the query index.
func (s *Store) IndexValue(num uint32) (quad.Value, error) {
	ix, err := s.queryIndex()
	if ix == nil || err != nil {
		return nil, err
	}
	return ix.Value(num)
}

// nodeByID is Node as queryindex.LookupNamed takes it.
var nodeByID = func(id string) quad.Value { return claim.Node(id) }

// dropBases removes every base, as far as it can: a base whose removal
// list lacks its mark is built over in any case.
func (s *Store) dropBases() {
	if bases, err := s.indexBases(); err == nil {
		s.removeBases(bases)
	}
}
