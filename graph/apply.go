package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	cgraph "github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"

	"claimgraph/graph/claim"
)

// Outcome says what Apply did with one change.
type Outcome int

const (
	Unchanged Outcome = iota // the same version was already stored
	Added                    // the record was new
	Replaced                 // an older version was replaced
	Removed                  // the record was removed
	Missing                  // removal of a record that was not stored
)

func (o Outcome) String() string {
	return [...]string{"unchanged", "added", "replaced", "removed", "missing"}[o]
}

// Result reports what Apply wrote.
type Result struct {
	Outcomes  []Outcome // one per change, in order
	Refreshed []string  // other records re-derived because names they use changed
	Added     int       // quads added
	Deleted   int       // quads deleted
}

// rewrite is a record whose stored quads are replaced by new ones.
type rewrite struct {
	id       string
	old, new []quad.Quad
}

// Apply writes a batch of changes. Each record is written atomically: after
// a crash it is either wholly present or wholly absent. Records that refer
// to a changed record by name are re-derived in the same batch (more than
// refreshChunk of them right after it, see refresh), so the graph depends
// only on the set of records stored, not on their order.
//
// Cayley's key-value stores corrupt a subject that is removed and re-added
// in one transaction, so a batch is written in two steps: a transaction
// removes every quad of every record it rewrites, then their new quads are
// added, in one transaction or, for a large batch into a large store, in
// several, each holding whole records (see txSplit). The records being
// rewritten are listed first (see pendingName): a write stopped in between
// leaves them absent until the store is opened or written again, which
// writes them first.
func (s *Store) Apply(ctx context.Context, changes []claim.Change) (Result, error) {
	res := Result{Outcomes: make([]Outcome, len(changes))}
	if s.readOnly {
		return res, ErrReadOnly
	}
	if s.path != "" && s.sql == nil && !s.recovering {
		if _, err := s.recoverPending(ctx); err != nil {
			return res, err
		}
	}
	if s.sql != nil {
		if s.reading > 0 {
			return res, errors.New("cannot write to the store while reading it")
		}
		// What is stored is read under the lock, so that concurrent
		// loaders resolve names as if they had run one after the other.
		release, err := s.sql.Lock(ctx, true)
		if err != nil {
			return res, err
		}
		defer release()
	}
	ov := newOverlay(ctx, s)
	var todo []int
	seen := map[string]bool{}
	ids := make([]string, len(changes))
	for i, c := range changes {
		ids[i] = c.ID()
		if seen[ids[i]] {
			return res, fmt.Errorf("record %s appears twice in one batch", ids[i])
		}
		seen[ids[i]] = true
	}
	hashes, err := s.storedHashes(ctx, ids)
	if err != nil {
		return res, err
	}
	for i, c := range changes {
		id, stored := ids[i], hashes[ids[i]]
		switch {
		case c.Remove != "" && stored == "":
			res.Outcomes[i] = Missing
			continue
		case c.Remove != "":
			res.Outcomes[i] = Removed
		case stored == "":
			res.Outcomes[i] = Added
		case stored == c.Hash():
			res.Outcomes[i] = Unchanged
			continue
		default:
			res.Outcomes[i] = Replaced
		}
		todo = append(todo, i)
		ov.hidden[id] = true
		for _, k := range c.Keys() {
			ov.pending[k.Key] = append(ov.pending[k.Key], candidate{rankOf(k.Pred), id})
		}
	}
	var replaced []string
	var records []*claim.Record
	for _, i := range todo {
		if res.Outcomes[i] != Added {
			replaced = append(replaced, ids[i])
		}
		if changes[i].Record != nil {
			records = append(records, changes[i].Record)
		}
	}
	olds, err := s.recordsQuads(ctx, replaced)
	if err != nil {
		return res, err
	}
	if err := ov.prefetch(records); err != nil {
		return res, err
	}
	changedKeys := map[string]bool{}
	var rws []rewrite
	derived := deriveAll(ov, changes, todo)
	for j, i := range todo {
		rw := rewrite{id: ids[i], old: olds[ids[i]], new: derived[j]}
		for _, q := range append(append([]quad.Quad(nil), rw.old...), rw.new...) {
			if rankOf(q.Predicate) >= 0 {
				changedKeys[quad.NativeOf(q.Object).(string)] = true
			}
		}
		rws = append(rws, rw)
	}
	// A stored record's facts change only if a key it looks up now
	// resolves to another record than when it was derived: than before
	// this batch, since every write re-derives the records it changes the
	// resolution of. (New persons sharing names with thousands of stored
	// authors, and losing to them, changed none of their sources, which
	// were read and derived again all the same: 17 s of 70 for 10,000
	// sources into a store of 100,000.)
	for k := range changedKeys {
		if after, _ := ov.Lookup(k); after == ov.before[k].id {
			delete(changedKeys, k)
		}
	}
	depIDs, err := s.dependentIDs(ctx, ov, changedKeys)
	if err != nil {
		return res, err
	}
	// The dependents whose facts change go in the batch's write; if there
	// are many (every source of 2,000 renamed authors), they are
	// re-derived after it, a chunk at a time: held at once, their old and
	// new quads grew with the store (1.4 GiB for 9,180 sources of a 10k
	// store). Which ones change is found here, a chunk at a time, while
	// the query index still answers the reads.
	var deps []rewrite
	var changed []string
	later := false
	for start := 0; start < len(depIDs); start += refreshChunk {
		d, err := s.rederive(ctx, ov, depIDs[start:min(start+refreshChunk, len(depIDs))])
		if err != nil {
			return res, err
		}
		for _, rw := range d {
			changed = append(changed, rw.id)
		}
		if s.path != "" && s.sql == nil && len(changed) > refreshChunk {
			later, deps = true, nil
		}
		if !later {
			deps = append(deps, d...)
		}
	}
	for _, d := range deps {
		res.Refreshed = append(res.Refreshed, d.id)
	}
	rws = append(rws, deps...)
	if ov.err != nil {
		return res, ov.err
	}
	// Everything above was read completely, or the batch is not written.
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if s.sql != nil {
		if err := s.sql.Write(ctx, sqlChange(rws)); err != nil {
			return res, err
		}
		// Reported like the key-value stores, which rewrite whole records.
		for _, rw := range rws {
			if !sameQuads(rw.old, rw.new) {
				res.Deleted += len(rw.old)
				res.Added += len(rw.new)
			}
		}
		return res, nil
	}
	if !later {
		return res, s.write(ctx, rws, &res)
	}
	// Listed first: should the write stop before the last chunk, opening
	// the store (or its next write) re-derives the rest.
	if err := s.writeRefreshList(changed); err != nil {
		return res, err
	}
	if err := s.write(ctx, rws, &res); err != nil {
		return res, err
	}
	// The batch is written: its dependents are re-derived even if it is
	// cancelled now, as a write's new versions are once its old ones are
	// gone.
	if err := s.refresh(context.WithoutCancel(ctx), changed, &res); err != nil {
		return res, err
	}
	s.clearRefreshList()
	return res, nil
}

// deriveAll returns the facts of the changes todo, derived on every core
// for a large batch: deriving is a sixth of a load. The overlay's lookups
// take turns; a record's facts depend only on it and on what its lookups
// answer, which does not depend on their order.
func deriveAll(ov *overlay, changes []claim.Change, todo []int) [][]quad.Quad {
	out := make([][]quad.Quad, len(todo))
	derive := func(j int, res claim.Resolver) {
		switch c := changes[todo[j]]; {
		case c.Record != nil:
			out[j] = c.Record.Facts(res)
		case c.Quads != nil:
			out[j] = c.Quads.Facts()
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(todo)/deriveShare)
	if workers < 2 {
		for j := range todo {
			derive(j, ov)
		}
		return out
	}
	res := &lockedResolver{r: ov}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := int(next.Add(1) - 1); j < len(todo); j = int(next.Add(1) - 1) {
				derive(j, res)
			}
		}()
	}
	wg.Wait()
	return out
}

// deriveShare is the fewest records worth a core of its own.
const deriveShare = 64

// lockedResolver lets goroutines take turns at a resolver.
type lockedResolver struct {
	mu sync.Mutex
	r  claim.Resolver
}

func (l *lockedResolver) Lookup(k string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Lookup(k)
}

// refreshChunk is how many changed dependents of a batch are written in
// the batch's own write; more are re-derived after it, this many at a
// time. (A variable for tests.)
var refreshChunk = 2000

// refresh re-derives the stored records ids against the store as it is,
// refreshChunk of them per write, and rewrites those whose facts change.
func (s *Store) refresh(ctx context.Context, ids []string, res *Result) error {
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), refreshChunk)]
		ids = ids[len(chunk):]
		ov := newOverlay(ctx, s)
		deps, err := s.rederive(ctx, ov, chunk)
		if err == nil {
			err = ov.err
		}
		if err != nil {
			return err
		}
		for _, d := range deps {
			res.Refreshed = append(res.Refreshed, d.id)
		}
		if err := s.write(ctx, deps, res); err != nil {
			return err
		}
	}
	return nil
}

// dependentIDs returns, sorted, the stored records that looked up any of
// keys, other than those the batch writes.
func (s *Store) dependentIDs(ctx context.Context, ov *overlay, keys map[string]bool) ([]string, error) {
	var refs []quad.Value
	for k := range keys {
		refs = append(refs, claim.RefValue(k))
	}
	ids := map[string]bool{}
	err := s.matchAny(ctx, quad.Object, refs, map[quad.Direction]quad.Value{quad.Predicate: claim.PredRef}, func(q quad.Quad) {
		if id, ok := claim.IDOf(q.Label); ok && !ov.hidden[id] {
			ids[id] = true
		}
	})
	if err != nil {
		return nil, err
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	return sorted, nil
}

// rederive derives the stored records ids again under ov's resolution,
// returning those whose facts change (a record no longer stored is left
// out).
func (s *Store) rederive(ctx context.Context, ov *overlay, ids []string) ([]rewrite, error) {
	s.rederived += len(ids)
	olds, err := s.recordsQuads(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []rewrite
	for _, id := range ids {
		old := olds[id]
		rec, err := storedRecord(id, old)
		if err != nil {
			return nil, err
		}
		if rec == nil {
			continue
		}
		nw := rec.Facts(ov)
		if !sameQuads(old, nw) {
			out = append(out, rewrite{id: id, old: old, new: nw})
		}
	}
	return out, nil
}

func storedRecord(id string, qs []quad.Quad) (*claim.Record, error) {
	for _, q := range qs {
		if q.Predicate == claim.PredRecord {
			var r claim.Record
			if err := json.Unmarshal([]byte(quad.NativeOf(q.Object).(string)), &r); err != nil {
				return nil, fmt.Errorf("record %s: stored form damaged: %w", id, err)
			}
			return &r, nil
		}
	}
	return nil, nil
}

func sameQuads(a, b []quad.Quad) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if claim.QuadKey(a[i]) != claim.QuadKey(b[i]) {
			return false
		}
	}
	return true
}

// write applies the rewrites: all deletions in one transaction, then all
// additions, in one transaction or several (see Apply). After a failed write the quad store is
// reopened, since Cayley's KV caches are not rolled back.
func (s *Store) write(ctx context.Context, rws []rewrite, res *Result) error {
	var add, removed []quad.Quad
	nadd := 0
	for _, rw := range rws {
		nadd += len(rw.new)
	}
	add = make([]quad.Quad, 0, nadd) // grown by appends, it was copied again and again
	for _, rw := range rws {
		if sameQuads(rw.old, rw.new) {
			continue
		}
		removed = append(removed, rw.old...)
		add = append(add, rw.new...)
	}
	removal, err := s.dropIndex(removed)
	if err != nil {
		return err
	}
	s.prepareCounts()
	failed := func(err error) error {
		s.forgetCounts()
		s.names.forget()
		if rerr := s.reopen(); rerr != nil {
			return fmt.Errorf("%v (and reopening the store failed: %v)", err, rerr)
		}
		return fmt.Errorf("write to store %s failed: %w (the records written before are whole; this batch was not written, or only some of its records, and the records it was replacing are written again when the store is next opened or written: load it again)", s.where(), err)
	}
	opts := cgraph.IgnoreOpts{IgnoreDup: true, IgnoreMissing: true}
	pending := len(removed) > 0 && s.path != ""
	if pending {
		if err := s.writePending(pendingRecords(rws)); err != nil {
			if removal != nil {
				removal.Close()
			}
			return failed(err)
		}
	}
	if len(removed) > 0 {
		if err := s.removeAll(removed); err != nil {
			if removal != nil {
				removal.Close() // unmarked: the base is built over
			}
			return failed(err)
		}
		if removal != nil {
			if err := removal.Commit(); err != nil {
				// Unmarked, the base is built over; remove it now.
				s.dropBases()
			}
		}
		// The records being replaced are now absent: their new versions
		// are written even if the batch is cancelled meanwhile.
		ctx = context.WithoutCancel(ctx)
		if s.afterRemovals != nil {
			if err := s.afterRemovals(); err != nil {
				return failed(err)
			}
		}
	}
	if len(add) > 0 {
		if err := s.addAll(ctx, add, opts); err != nil {
			return failed(err)
		}
	}
	if pending {
		// A list left behind is harmless: its records are written, and
		// the next write with deletions lists its own.
		s.clearPending()
	}
	res.Deleted += len(removed)
	res.Added += len(add)
	s.updateCounts(rws)
	s.names.update(rws)
	return nil
}

// removeAll deletes quads as Cayley's ApplyDeltas does with
// IgnoreMissing, in one transaction.
func (s *Store) removeAll(quads []quad.Quad) error {
	if s.kv != nil {
		return s.kv.Remove(quads)
	}
	ds := make([]cgraph.Delta, len(quads))
	for i, q := range quads {
		ds[i] = cgraph.Delta{Quad: q, Action: cgraph.Delete}
	}
	return s.qs.ApplyDeltas(ds, cgraph.IgnoreOpts{IgnoreDup: true, IgnoreMissing: true})
}

// addAll adds quads, each record's consecutive, as Cayley's ApplyDeltas
// does with opts.
func (s *Store) addAll(ctx context.Context, add []quad.Quad, opts cgraph.IgnoreOpts) error {
	if s.kv != nil {
		return s.kv.Add(ctx, add)
	}
	ds := make([]cgraph.Delta, len(add))
	for i, q := range add {
		ds[i] = cgraph.Delta{Quad: q, Action: cgraph.Add}
	}
	return s.qs.ApplyDeltas(ds, opts)
}

// storedHashes returns the content hashes of the stored versions of
// records, leaving out those not stored.
func (s *Store) storedHashes(ctx context.Context, ids []string) (map[string]string, error) {
	nodes := make([]quad.Value, len(ids))
	for i, id := range ids {
		nodes[i] = claim.Node(id)
	}
	out := map[string]string{}
	err := s.matchAny(ctx, quad.Subject, nodes, map[quad.Direction]quad.Value{quad.Predicate: claim.PredHash}, func(q quad.Quad) {
		if q.Label == q.Subject {
			id, _ := claim.IDOf(q.Subject)
			out[id], _ = quad.NativeOf(q.Object).(string)
		}
	})
	return out, err
}

// recordsQuads returns every quad each record produced, sorted.
func (s *Store) recordsQuads(ctx context.Context, ids []string) (map[string][]quad.Quad, error) {
	nodes := make([]quad.Value, len(ids))
	for i, id := range ids {
		nodes[i] = claim.Node(id)
	}
	out := map[string][]quad.Quad{}
	err := s.matchAny(ctx, quad.Label, nodes, nil, func(q quad.Quad) {
		id, _ := claim.IDOf(q.Label)
		out[id] = append(out[id], q)
	})
	for id, qs := range out {
		out[id] = claim.Normalise(qs)
	}
	return out, err
}

// recordQuads returns every quad a record produced, sorted.
func (s *Store) recordQuads(ctx context.Context, id string) ([]quad.Quad, error) {
	var out []quad.Quad
	err := s.quadsWith(ctx, quad.Label, claim.Node(id), func(q quad.Quad) { out = append(out, q) })
	return claim.Normalise(out), err
}

// Record returns the stored version of a record, or nil if it is absent or
// was loaded from N-Quads.
func (s *Store) Record(ctx context.Context, id string) (*claim.Record, error) {
	qs, err := s.recordQuads(ctx, id)
	if err != nil {
		return nil, err
	}
	return storedRecord(id, qs)
}

func rankOf(p quad.Value) int { return claim.RankOf(p) }

type candidate struct {
	rank int
	id   string
}

func (c candidate) better(d candidate) bool {
	return c.rank < d.rank || c.rank == d.rank && c.id < d.id
}

// overlay resolves keys against the store as it will be once the batch is
// written: stored records being rewritten are hidden, and the batch's new
// versions are pending.
type overlay struct {
	ctx     context.Context
	s       *Store
	hidden  map[string]bool
	pending map[string][]candidate
	stored  map[string]candidate // best stored candidate per key read so far
	before  map[string]candidate // the same, hidden records included: the resolution before the batch
	cache   map[string]candidate
	err     error
}

func newOverlay(ctx context.Context, s *Store) *overlay {
	return &overlay{ctx: ctx, s: s, hidden: map[string]bool{}, pending: map[string][]candidate{},
		stored: map[string]candidate{}, before: map[string]candidate{}, cache: map[string]candidate{}}
}

// recorder is a resolver that notes the keys looked up and resolves none.
type recorder map[string]bool

func (r recorder) Lookup(k string) (string, bool) {
	r[k] = true
	return "", false
}

// prefetch reads, in one go, the stored candidates for the keys the
// records will look up, so that a database server is asked once per batch
// rather than once per name. The keys are found by deriving the records'
// facts with nothing resolved; a key only a resolved name would lead to is
// read when it is looked up.
func (o *overlay) prefetch(records []*claim.Record) error {
	if o.s.sql == nil {
		return nil // embedded lookups are cheap one by one
	}
	keys := recorder{}
	for _, r := range records {
		r.Facts(keys)
	}
	return o.fetch(keys)
}

// fetch reads the best stored candidate of each key, from the store's
// names when it holds the key.
func (o *overlay) fetch(keys map[string]bool) error {
	var values []quad.Value
	for k := range keys {
		if _, ok := o.stored[k]; ok {
			continue
		}
		o.stored[k] = candidate{rank: len(claim.KeyRanks)}
		o.before[k] = candidate{rank: len(claim.KeyRanks)}
		if cs, ok := o.s.names.get(k); ok {
			for _, c := range cs {
				o.consider(k, c)
			}
			continue
		}
		values = append(values, quad.String(k))
	}
	read := map[string][]candidate{}
	err := o.s.matchAny(o.ctx, quad.Object, values, nil, func(q quad.Quad) {
		if k, c, ok := keyCandidate(q); ok {
			read[k] = append(read[k], c)
			o.consider(k, c)
		}
	})
	if err == nil {
		for _, v := range values {
			k := string(v.(quad.String))
			o.s.names.put(k, read[k])
		}
	}
	return err
}

// consider counts c among key k's stored candidates.
func (o *overlay) consider(k string, c candidate) {
	if c.better(o.before[k]) {
		o.before[k] = c
	}
	if !o.hidden[c.id] && c.better(o.stored[k]) {
		o.stored[k] = c
	}
}

func (o *overlay) Lookup(k string) (string, bool) {
	if c, ok := o.cache[k]; ok {
		return c.id, c.id != ""
	}
	if _, ok := o.stored[k]; !ok {
		if err := o.fetch(map[string]bool{k: true}); err != nil && o.err == nil {
			o.err = err
		}
	}
	best := o.stored[k]
	for _, c := range o.pending[k] {
		if c.better(best) {
			best = c
		}
	}
	o.cache[k] = best
	return best.id, best.id != ""
}

// Where names the store in messages: its directory, or its database URL
// without the password.
func (s *Store) Where() string { return s.where() }

func (s *Store) where() string {
	if s.sql != nil {
		return s.sql.String()
	}
	if s.path == "" {
		return "in memory"
	}
	return s.path
}
