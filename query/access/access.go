package access

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"

	cgraph "github.com/cayleygraph/cayley/graph"
	ckv "github.com/cayleygraph/cayley/graph/kv"
	cshape "github.com/cayleygraph/cayley/query/shape"
	"github.com/cayleygraph/quad"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/query/value"
)

// Reader answers the questions the executor asks of the store, each as a
// Cayley shape so that the store's indexes do the work: nodes by label,
// labels and properties of a node, and a node's relationships. It keeps
// what it read for the rest of the query, within bounds. A Reader serves
// one query at a time.
type Reader struct {
	ctx        context.Context
	st         *graph.Store
	qs         cgraph.QuadStore
	props      map[string]map[string]value.Value // per-node property cache
	names      map[any]quad.Value                // ref key → value: each read once
	labelCache map[string][]string
	numBuf     []uint32 // property values read, reused
	foundBuf   []found  // relationships read, reused
	natives    *natives // query values of index values; see nativeOf
	columns    *columns // property values by NodeRef; see property
	colKey     string   // the property of col
	colKnown   bool     // col is colKey's (nil for a list property)
	col        *column  // the column last read
	relCache   map[relsKey][]Hit
	byRef      *refRels                  // the same, for nodes whose NodeRef is known
	relCount   int                       // relationships in relCache
	fetched    map[relsSide]*[]string    // prefetched sides: their relationship types
	refs       map[quad.Value]cgraph.Ref // value → ref
}

func New(ctx context.Context, st *graph.Store) *Reader {
	// The caches' maps are made when first written to: a point lookup
	// uses few of them, and making them was a tenth of its allocations.
	return &Reader{ctx: ctx, st: st, qs: st.QuadStore()}
}

// Store returns the store the reader reads.
func (r *Reader) Store() *graph.Store { return r.st }

// BoundRelCache bounds the relationship caches of readers made after it
// at n entries, until the returned function restores the default; tests
// use it to run queries with caches that overflow.
func BoundRelCache(n int) (restore func()) {
	old := maxCachedRels
	maxCachedRels = n
	return func() { maxCachedRels = old }
}

// errStop ends a scan early.
var errStop = errors.New("stop")

// maxCachedValues bounds the value caches.
const maxCachedValues = 200000

func (r *Reader) nameOf(ref cgraph.Ref) (quad.Value, error) {
	if ref == nil {
		return nil, nil
	}
	k := ref.Key()
	if v, ok := r.names[k]; ok {
		return v, nil
	}
	v, err := r.qs.NameOf(ref)
	if err != nil {
		return nil, err
	}
	if r.names == nil || len(r.names) >= maxCachedValues {
		r.names = map[any]quad.Value{}
	}
	r.names[k] = v
	return v, nil
}

func (r *Reader) refOf(v quad.Value) (cgraph.Ref, error) {
	if ref, ok := r.refs[v]; ok {
		return ref, nil
	}
	ref, err := r.qs.ValueOf(v)
	if err != nil {
		return nil, err
	}
	if r.refs == nil || len(r.refs) >= maxCachedValues {
		r.refs = map[quad.Value]cgraph.Ref{}
	}
	r.refs[v] = ref
	return ref, nil
}

// maxCachedNodes bounds the property cache, so memory follows the rows
// being produced rather than the graph.
const maxCachedNodes = 50000

// quads calls fn with every quad matching the fixed directions.
// The quads are resolved direction by direction through the reader's
// caches: most values (predicates, labels, hub nodes) repeat.
func (r *Reader) quads(filters map[quad.Direction]quad.Value, fn func(quad.Quad) error) error {
	if ok, err := r.st.Match(r.ctx, filters, fn); ok {
		if err == nil {
			err = r.ctx.Err()
		}
		return err
	}
	var s cshape.Quads
	fixed := map[quad.Direction]cgraph.Ref{}
	for d, v := range filters {
		ref, err := r.refOf(v)
		if err != nil {
			return err
		}
		if ref == nil {
			return nil // a value the store has never seen matches nothing
		}
		fixed[d] = ref
		s = append(s, cshape.QuadFilter{Dir: d, Values: cshape.Fixed{ref}})
	}
	var sh cshape.Shape = s
	if scan, ok := indexScan(r.qs, fixed); ok {
		sh = scan
	}
	it := cshape.BuildIterator(r.ctx, r.qs, sh).Iterate()
	defer it.Close()
	for it.Next(r.ctx) {
		var q quad.Quad
		for _, d := range quad.Directions {
			if v, ok := filters[d]; ok {
				q.Set(d, v)
				continue
			}
			ref, err := r.qs.QuadDirection(it.Result(), d)
			if err != nil {
				return err
			}
			v, err := r.nameOf(ref)
			if err != nil {
				return err
			}
			q.Set(d, v)
		}
		if err := fn(q); err != nil {
			return err
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	return r.ctx.Err()
}

// Nodes calls fn with the nodes that have label, or every labelled node
// when label is "". A node labelled by several records comes once.
func (r *Reader) Nodes(label string, fn func(value.Node) error) error {
	if label == "" {
		return r.AllNodes(fn)
	}
	if ok, err := r.st.IndexNodes(label, func(id string, ref graph.NodeRef) error {
		return fn(value.Node{ID: id, Ref: ref})
	}); ok || err != nil {
		return err
	}
	f := map[quad.Direction]quad.Value{quad.Predicate: claim.PredType, quad.Object: claim.LabelIRI(label)}
	// Quotes and sources are labelled only by their own record; other nodes
	// may be labelled by several, and are deduplicated.
	var seen map[string]bool
	if label != claim.LabelQuote && label != claim.LabelSource {
		seen = map[string]bool{}
	}
	return r.quads(f, func(q quad.Quad) error {
		id, ok := claim.IDOf(q.Subject)
		if !ok || seen[id] {
			return nil
		}
		if seen != nil {
			seen[id] = true
		}
		return fn(value.Node{ID: id})
	})
}

// AllNodes calls fn with every labelled node, label by label: each label
// is an index scan, where a scan by predicate alone would read every quad
// (the key-value stores have no predicate index). The store's counts name
// every label it holds (they are recounted after a crash; see
// graph.Counts).
func (r *Reader) AllNodes(fn func(value.Node) error) error {
	counts, err := r.st.Counts(r.ctx)
	if err != nil {
		return err
	}
	var labels []string
	for l, n := range counts.Labels {
		if n > 0 {
			labels = append(labels, l)
		}
	}
	sort.Strings(labels)
	seen := map[string]bool{}
	for _, l := range labels {
		err := r.quads(map[quad.Direction]quad.Value{quad.Predicate: claim.PredType, quad.Object: claim.LabelIRI(l)}, func(q quad.Quad) error {
			id, ok := claim.IDOf(q.Subject)
			if !ok || seen[id] {
				return nil
			}
			seen[id] = true
			return fn(value.Node{ID: id})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Exists reports whether a node with this id is in the graph.
func (r *Reader) Exists(id string) (bool, error) {
	found := false
	err := r.quads(map[quad.Direction]quad.Value{quad.Subject: claim.Node(id), quad.Predicate: claim.PredType}, func(quad.Quad) error {
		found = true
		return errStop
	})
	if err == errStop {
		err = nil
	}
	return found, err
}

func (r *Reader) Labels(id string) ([]string, error) {
	if ls, ok := r.labelCache[id]; ok {
		return ls, nil
	}
	var out []string
	err := r.quads(map[quad.Direction]quad.Value{quad.Subject: claim.Node(id), quad.Predicate: claim.PredType}, func(q quad.Quad) error {
		if l, ok := claim.IDOf(q.Object); ok && !contains(out, l) {
			out = append(out, l)
		}
		return nil
	})
	sort.Strings(out)
	if err == nil {
		if r.labelCache == nil || len(r.labelCache) >= maxCachedNodes {
			r.labelCache = map[string][]string{}
		}
		r.labelCache[id] = out
	}
	return out, err
}

func (r *Reader) HasLabel(n value.Node, label string) (bool, error) {
	if found, ok := r.st.HasLabel(n.ID, n.Ref, label); ok {
		return found, nil // the query index answers with a bit test
	}
	ls, err := r.Labels(n.ID)
	return contains(ls, label), err
}

// Property returns one property of a node or edge node: with the query
// index by reading just that property, else from the cache of whole nodes.
func (r *Reader) Property(id string, ref graph.NodeRef, key string) (value.Value, error) {
	var col *column
	if ref != 0 {
		col = r.column(key)
	}
	if col != nil {
		switch c := col.Get(uint32(ref)); {
		case c == colNone:
			return nil, nil
		case c >= colValue:
			return r.nativeOf(c - colValue)
		}
	}
	nums, ok, err := r.st.IndexPropertyNums(id, ref, key, r.numBuf[:0])
	r.numBuf = nums
	if err != nil || !ok {
		if err == nil {
			var p map[string]value.Value
			p, err = r.Properties(id)
			return p[key], err
		}
		return nil, err
	}
	if col != nil {
		switch len(nums) {
		case 0:
			col.Set(uint32(ref), colNone)
		case 1:
			col.Set(uint32(ref), nums[0]+colValue)
		default:
			col.Set(uint32(ref), colSeveral)
		}
	}
	switch {
	case len(nums) == 0:
		return nil, nil
	case len(nums) == 1 && !claim.ListProps[key]:
		return r.nativeOf(nums[0])
	}
	out := make([]value.Value, len(nums))
	for i, n := range nums {
		if out[i], err = r.nativeOf(n); err != nil {
			return nil, err
		}
	}
	return propertyValue(key, out), nil
}

// nativeOf returns the query value of the index's value num, made once
// while the index lasts: a quote's text or a weight read for many rows,
// or by the next query, is not boxed again.
func (r *Reader) nativeOf(num uint32) (value.Value, error) {
	if r.natives == nil {
		r.natives = r.st.IndexMemo(nativesKey{}, func() any { return &natives{} }).(*natives)
	}
	if v := r.natives.Get(num); v != nil {
		return v, nil
	}
	qv, err := r.st.IndexValue(num)
	if err != nil {
		return nil, err
	}
	v := native(qv)
	r.natives.Set(num, v)
	return v, nil
}

// natives are the query values of the index's values, by number.
type natives = Paged[value.Value]

// columns hold, per property, the number of each node's value of it in the
// query index, by the node's NodeRef, as read; like natives they are kept
// with the index for the process. A property read for many rows (a
// quote's weight, once per author and organisation above it) was a binary
// search in the index each time: a sixth of the aggregate per organisation.
type columns struct{ byKey map[string]*column }

type columnsKey struct{}

// A column's entries: not read yet, no value, several values (read from
// the index each time), or the value numbered entry-colValue.
const (
	colUnread uint32 = iota
	colNone
	colSeveral
	colValue
)

// column holds a property's entries by NodeRef.
type column = Paged[uint32]

// column returns the column of property key, or nil for a list property;
// the last one asked for is at hand without a map lookup.
func (r *Reader) column(key string) *column {
	if r.colKey == key && r.colKnown {
		return r.col
	}
	r.colKey, r.colKnown, r.col = key, true, nil
	if claim.ListProps[key] {
		return nil
	}
	if r.columns == nil {
		r.columns = r.st.IndexMemo(columnsKey{}, func() any { return &columns{byKey: map[string]*column{}} }).(*columns)
	}
	c := r.columns.byKey[key]
	if c == nil {
		c = &column{}
		r.columns.byKey[key] = c
	}
	r.col = c
	return c
}

type nativesKey struct{}

// Properties returns every property of a node (or edge node), with list
// Properties as sorted lists and the id as "id" for nodes.
func (r *Reader) Properties(id string) (map[string]value.Value, error) {
	if p, ok := r.props[id]; ok {
		return p, nil
	}
	multi := map[string][]value.Value{}
	err := r.quads(map[quad.Direction]quad.Value{quad.Subject: claim.Node(id)}, func(q quad.Quad) error {
		if k, ok := claim.PropKey(q.Predicate); ok {
			multi[k] = append(multi[k], native(q.Object))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r.cacheProperties(id, multi), nil
}

// cacheProperties turns a node's property values as read into its
// properties, and caches them.
func (r *Reader) cacheProperties(id string, multi map[string][]value.Value) map[string]value.Value {
	p := make(map[string]value.Value, len(multi))
	for k, vs := range multi {
		p[k] = propertyValue(k, vs)
	}
	if r.props == nil || len(r.props) >= maxCachedNodes {
		r.props = map[string]map[string]value.Value{}
	}
	r.props[id] = p
	return p
}

// propertyValue is a property's value from the values stored for it: a
// sorted list for list properties, else the smallest (several records may
// state a value).
func propertyValue(key string, vs []value.Value) value.Value {
	sort.Slice(vs, func(i, j int) bool { return value.OrderCompare(vs[i], vs[j]) < 0 })
	vs = dedupe(vs)
	if claim.ListProps[key] {
		return vs
	}
	return vs[0]
}

func dedupe(vs []value.Value) []value.Value {
	out := vs[:0]
	for i, v := range vs {
		if i == 0 || value.OrderCompare(v, vs[i-1]) != 0 {
			out = append(out, v)
		}
	}
	return out
}

func native(v quad.Value) value.Value {
	switch v := v.(type) {
	case quad.String:
		return string(v)
	case quad.Float:
		return float64(v)
	case quad.Int:
		return int64(v)
	case quad.Bool:
		return bool(v)
	case quad.IRI:
		if id, ok := claim.IDOf(v); ok {
			return id
		}
		return string(v)
	}
	return quad.StringOf(v)
}

// Rels calls fn with the relationships of node id in direction out (true:
// id is the start) whose type is in types (any type when empty).
func (r *Reader) Rels(id string, out bool, types []string, fn func(value.Rel) error) error {
	return r.Hits(id, 0, out, types, func(h *Hit) error { return fn(h.Rel.(value.Rel)) })
}

// Hits is rels with the relationships as cached.
func (r *Reader) Hits(id string, ref graph.NodeRef, out bool, types []string, fn func(*Hit) error) error {
	if len(types) == 0 {
		return r.relsAnyType(id, ref, out, fn)
	}
	for _, t := range types {
		if err := r.hitsOfType(id, ref, out, t, fn); err != nil {
			return err
		}
	}
	return nil
}

// A relHit is a cached relationship, boxed once for the rows it goes into,
// with the node at the other end.
type Hit struct {
	Rel   value.Value // a Rel
	Other value.Value // a Node
}

func (h *Hit) OtherID() string { return h.Other.(value.Node).ID }

// hitsOfType calls fn with a node's relationships of one type, as cached,
// ordered by the node at the other end, so that results do not depend on
// the order in which a backend stores them.
func (r *Reader) hitsOfType(id string, ref graph.NodeRef, out bool, typ string, fn func(*Hit) error) error {
	var hits []Hit
	var err error
	if ref != 0 {
		// Keyed by numbers: hashing and comparing the id and type
		// strings was a sixth of the product query.
		hits, err = r.hitsByRef(id, ref, out, typ)
	} else {
		hits, err = r.hitsByID(id, out, typ)
	}
	if err != nil {
		return err
	}
	for i := range hits {
		if err := fn(&hits[i]); err != nil {
			return err
		}
	}
	return nil
}

func (r *Reader) hitsByID(id string, out bool, typ string) ([]Hit, error) {
	key := relsKey{id, typ, out}
	if hits, ok := r.relCache[key]; ok {
		return hits, nil
	}
	if r.fetched[relsSide{id, out}] != nil {
		return nil, nil // prefetched: the node has none of this type
	}
	rels, err := r.readRels(id, 0, out, typ)
	if err != nil {
		return nil, err
	}
	return r.cacheRels(key, rels), nil
}

// refRels holds nodes' relationship lists by NodeRef, by type and
// direction. Like natives, they are kept with the query index for the
// process: the lists a query boxed serve the next one (the REPL's, or a
// benchmark's next run) until a write drops the index.
type refRels struct {
	tables []relTable
	kinds  []string // relationship types, numbered for tables
	count  int      // relationships held
}

type refRelsKey struct{}

func (r *Reader) refRels() *refRels {
	if r.byRef == nil {
		r.byRef = r.st.IndexMemo(refRelsKey{}, func() any { return &refRels{} }).(*refRels)
	}
	return r.byRef
}

func (r *Reader) hitsByRef(id string, ref graph.NodeRef, out bool, typ string) ([]Hit, error) {
	rr := r.refRels()
	t := 2 * int(rr.kind(typ))
	if out {
		t++
	}
	if hits := rr.table(t).get(ref); hits != nil {
		return hits, nil
	}
	rels, err := r.readRels(id, ref, out, typ)
	if err != nil {
		return nil, err
	}
	hits := r.boxRels(rels, out)
	rr.table(t).set(ref, hits) // (readRels may have emptied the caches)
	rr.count += len(hits) + 1
	return hits, nil
}

func (rr *refRels) table(t int) *relTable {
	if t >= len(rr.tables) {
		rr.tables = append(rr.tables, make([]relTable, t+1-len(rr.tables))...)
	}
	return &rr.tables[t]
}

// kind numbers a relationship type; queries name a few.
func (rr *refRels) kind(typ string) uint32 {
	for i, t := range rr.kinds {
		if t == typ {
			return uint32(i)
		}
	}
	rr.kinds = append(rr.kinds, typ)
	return uint32(len(rr.kinds) - 1)
}

// relTable holds nodes' relationships of one type and direction by
// NodeRef, in pages allocated as touched: a lookup is an index, not a
// hash, which in a map of hundreds of thousands of lists was a cache miss
// and a sixth of the product query.
type relTable struct{ pages [][][]Hit }

const relPage = 1024

func (t *relTable) get(ref graph.NodeRef) []Hit {
	p := int(ref / relPage)
	if p >= len(t.pages) || t.pages[p] == nil {
		return nil
	}
	return t.pages[p][ref%relPage]
}

// set caches a node's list, which is not nil (an empty list is cached as
// an empty slice).
func (t *relTable) set(ref graph.NodeRef, hits []Hit) {
	p := int(ref / relPage)
	if p >= len(t.pages) {
		t.pages = append(t.pages, make([][][]Hit, p+1-len(t.pages))...)
	}
	if t.pages[p] == nil {
		t.pages[p] = make([][]Hit, relPage)
	}
	t.pages[p][ref%relPage] = hits
}

// readRels reads a node's relationships of one type into a reused buffer
// (the caches copy what they keep) and makes room to cache them.
func (r *Reader) readRels(id string, ref graph.NodeRef, out bool, typ string) ([]found, error) {
	rels := r.foundBuf[:0]
	if rels == nil {
		rels = make([]found, 0, 16) // grown by appends, a point lookup's four allocations
	}
	if err := r.collectRels(id, ref, out, typ, func(rel value.Rel, other graph.NodeRef) error {
		rels = append(rels, found{rel, other})
		return nil
	}); err != nil {
		return nil, err
	}
	r.foundBuf = rels
	r.makeRoom(len(rels) + 1)
	return rels, nil
}

// makeRoom empties the relationship caches if n more entries would
// overflow them.
func (r *Reader) makeRoom(n int) {
	rr := r.refRels()
	if r.relCount+rr.count+n > maxCachedRels {
		r.relCache, r.relCount, r.fetched = map[relsKey][]Hit{}, 0, map[relsSide]*[]string{}
		rr.tables, rr.count = nil, 0
	}
}

// found is a relationship as read, with the other end's NodeRef if known.
type found struct {
	rel value.Rel
	ref graph.NodeRef
}

// cacheRels boxes a node's relationships of one type and direction and
// caches them by the node's id.
func (r *Reader) cacheRels(key relsKey, rels []found) []Hit {
	hits := r.boxRels(rels, key.out)
	if r.relCache == nil {
		r.relCache = map[relsKey][]Hit{}
	}
	r.relCache[key] = hits
	r.relCount += len(hits) + 1
	return hits
}

// boxRels sorts a node's relationships of one type and direction and
// boxes them.
func (r *Reader) boxRels(rels []found, out bool) []Hit {
	r.sortRels(rels, out)
	hits := make([]Hit, len(rels))
	for i, f := range rels {
		other := f.rel.End
		if !out {
			other = f.rel.Start
		}
		hits[i] = Hit{Rel: f.rel, Other: value.Node{ID: other, Ref: f.ref}}
	}
	return hits
}

// relsKey identifies one node's relationships of one type and direction.
type relsKey struct {
	id, typ string
	out     bool
}

// maxCachedRels bounds the relationship cache: a node reached along many
// paths is expanded once, and memory stays bounded (at most some 300 MB).
// At 500,000 the chain queries of a 100k-source store (500,000 quotes)
// emptied it within each run, and a warm process ran them as slowly as a
// cold one: the aggregate 1.43 s, the product query 1.6 s, against 0.45
// and 0.43 s with this bound (peak RSS 462 → 655 MB).
var maxCachedRels = 2000000

func (r *Reader) sortRels(rels []found, out bool) {
	slices.SortFunc(rels, func(a, b found) int {
		oa, ob := a.rel.Start, b.rel.Start
		if out {
			oa, ob = a.rel.End, b.rel.End
		}
		if c := strings.Compare(oa, ob); c != 0 {
			return c
		}
		return value.CompareRels(a.rel, b.rel)
	})
}

func (r *Reader) collectRels(id string, ref graph.NodeRef, out bool, typ string, emit func(value.Rel, graph.NodeRef) error) error {
	var ferr error
	ok, err := r.st.IndexRels(id, ref, typ, out, func(other string, otherRef graph.NodeRef, edge, record string) {
		if ferr != nil {
			return
		}
		rel := value.Rel{Type: typ, Start: id, End: other, Edge: edge, Record: record}
		if !out {
			rel.Start, rel.End = other, id
		}
		ferr = emit(rel, otherRef)
	})
	if err != nil {
		return err
	}
	if ok {
		return ferr
	}
	fn := func(rel value.Rel) error { return emit(rel, 0) }
	n, pred := claim.Node(id), claim.RelIRI(typ)
	if !claim.HasEdgeNode(typ) {
		if out {
			return r.quads(map[quad.Direction]quad.Value{quad.Subject: n, quad.Predicate: pred}, func(q quad.Quad) error {
				end, _ := claim.IDOf(q.Object)
				return fn(value.Rel{Type: typ, Start: id, End: end, Record: recordOf(q)})
			})
		}
		return r.quads(map[quad.Direction]quad.Value{quad.Object: n, quad.Predicate: pred}, func(q quad.Quad) error {
			start, _ := claim.IDOf(q.Subject)
			return fn(value.Rel{Type: typ, Start: start, End: id, Record: recordOf(q)})
		})
	}
	if out {
		return r.quads(map[quad.Direction]quad.Value{quad.Subject: n, quad.Predicate: pred}, func(q quad.Quad) error {
			edge, _ := claim.IDOf(q.Object)
			return r.quads(map[quad.Direction]quad.Value{quad.Subject: q.Object, quad.Predicate: claim.PredEdgeTo}, func(e quad.Quad) error {
				end, _ := claim.IDOf(e.Object)
				return fn(value.Rel{Type: typ, Start: id, End: end, Edge: edge, Record: recordOf(q)})
			})
		})
	}
	return r.quads(map[quad.Direction]quad.Value{quad.Object: n, quad.Predicate: claim.PredEdgeTo}, func(e quad.Quad) error {
		edge, _ := claim.IDOf(e.Subject)
		return r.quads(map[quad.Direction]quad.Value{quad.Object: e.Subject, quad.Predicate: pred}, func(q quad.Quad) error {
			start, _ := claim.IDOf(q.Subject)
			return fn(value.Rel{Type: typ, Start: start, End: id, Edge: edge, Record: recordOf(q)})
		})
	})
}

// relsAnyType finds relationships of every type: the node's quads whose
// predicate is a relationship type, then through edge nodes.
func (r *Reader) relsAnyType(id string, ref graph.NodeRef, out bool, fn func(*Hit) error) error {
	if types := r.fetched[relsSide{id, out}]; types != nil {
		for _, t := range *types {
			if err := r.hitsOfType(id, ref, out, t, fn); err != nil {
				return err
			}
		}
		return nil
	}
	dir := quad.Object
	if out {
		dir = quad.Subject
	}
	var types []string
	err := r.quads(map[quad.Direction]quad.Value{dir: claim.Node(id)}, func(q quad.Quad) error {
		if t, ok := claim.RelType(q.Predicate); ok && !contains(types, t) {
			types = append(types, t)
		}
		if !out && q.Predicate == claim.PredEdgeTo {
			// incoming through an edge node: the type is on the edge's own quad
			return r.quads(map[quad.Direction]quad.Value{quad.Object: q.Subject}, func(q2 quad.Quad) error {
				if t, ok := claim.RelType(q2.Predicate); ok && claim.HasEdgeNode(t) && !contains(types, t) {
					types = append(types, t)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(types)
	for _, t := range types {
		if err := r.hitsOfType(id, ref, out, t, fn); err != nil {
			return err
		}
	}
	return nil
}

func recordOf(q quad.Quad) string {
	id, _ := claim.IDOf(q.Label)
	return id
}

// Provenance returns the record that produced a node: the record with the
// node's own id if there is one, else the smallest record that labels it.
func (r *Reader) Provenance(id string) (value.Value, error) {
	var recs []string
	err := r.quads(map[quad.Direction]quad.Value{quad.Subject: claim.Node(id), quad.Predicate: claim.PredType}, func(q quad.Quad) error {
		recs = append(recs, recordOf(q))
		return nil
	})
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	sort.Strings(recs)
	if contains(recs, id) {
		return id, nil
	}
	return recs[0], nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// indexScan picks the index of a KV store for the fixed directions: Cayley
// plans a filter on two directions as an intersection that may scan every
// quad, while one index prefix answers it directly. The indexes are those
// graph creates stores with.
func indexScan(qs cgraph.QuadStore, fixed map[quad.Direction]cgraph.Ref) (cshape.Shape, bool) {
	if _, ok := qs.(*ckv.QuadStore); !ok {
		return nil, false
	}
	has := func(ds ...quad.Direction) bool {
		for _, d := range ds {
			if _, ok := fixed[d]; !ok {
				return false
			}
		}
		return len(ds) == len(fixed)
	}
	var dirs []quad.Direction
	var index []quad.Direction
	switch {
	case has(quad.Subject), has(quad.Subject, quad.Predicate):
		index, dirs = []quad.Direction{quad.Subject, quad.Predicate}, []quad.Direction{quad.Subject, quad.Predicate}
	case has(quad.Object), has(quad.Object, quad.Predicate), has(quad.Object, quad.Predicate, quad.Subject):
		index, dirs = []quad.Direction{quad.Object, quad.Predicate, quad.Subject}, []quad.Direction{quad.Object, quad.Predicate, quad.Subject}
	case has(quad.Label), has(quad.Label, quad.Subject):
		index, dirs = []quad.Direction{quad.Label, quad.Subject}, []quad.Direction{quad.Label, quad.Subject}
	default:
		return nil, false
	}
	scan := ckv.IndexScan{Index: ckv.QuadIndex{Dirs: index}}
	for _, d := range dirs {
		ref, ok := fixed[d]
		if !ok {
			break // a prefix of the index
		}
		v, ok := ref.(ckv.Int64Value)
		if !ok {
			return nil, false
		}
		scan.Values = append(scan.Values, uint64(v))
	}
	return scan, true
}
