package operator

import (
	"context"
	"fmt"
	"regexp"

	"claimgraph/query/access"
	"claimgraph/query/function"
	"claimgraph/query/value"
)

// Row holds one binding of every slot of a query.
type Row []value.Value

// A rowBuf is the row a stage emits, filled again for each row it emits.
// A stage reads the rows it is given before it returns and never keeps
// them; the stages that keep rows (Sort, aggregation groups, batches
// gathered) copy what they keep. So an expansion or a projection, which
// emit a row per row they make, allocate none.
type rowBuf struct{ row Row }

// fill returns the buffer holding a copy of r.
func (b *rowBuf) fill(r Row) Row {
	if len(b.row) != len(r) {
		b.row = make(Row, len(r))
	}
	copy(b.row, r)
	return b.row
}

// Exec is the state of one run of a plan.
type Exec struct {
	Ctx     context.Context
	Reader  *access.Reader
	Params  map[string]value.Value
	regexps map[string]*regexp.Regexp
	Limits  Limits
	Rows    int64 // intermediate rows produced, for MaxIntermediate
	Held    int64 // bytes of values held, for MaxMemory (see Hold)
	Slots   int
	pending map[Operator][]Row     // rows a stage gathers to read for them at once
	scans   map[*Scan][]value.Node // nodes of completed scans, for rescans
	// WholeRows: every slot of a row matters to the end of the run (a
	// subgraph records what each returned row bound), not just the
	// projected ones.
	WholeRows bool
}

// Limits bound a run. Zero means no limit.
type Limits struct {
	MaxRows         int64 // rows returned
	MaxIntermediate int64 // rows produced by all stages together
	MaxHops         int   // hops of an unbounded variable-length relationship
	// MaxMemory bounds the bytes of the values a run holds (see Hold).
	MaxMemory int64
}

// DefaultMaxMemory is the memory budget of a query when none is given.
const DefaultMaxMemory = 1 << 30

// Hold counts n more bytes of values that the run keeps until it ends —
// the groups and collected lists of an aggregation, the rows of a sort,
// the keys of DISTINCT, the nodes a cartesian product scans again — and
// fails once they pass Limits.MaxMemory. Rows that stream through are not
// counted: they go as they come.
func (x *Exec) Hold(n int64) error {
	x.Held += n
	if x.Limits.MaxMemory > 0 && x.Held > x.Limits.MaxMemory {
		return &LimitError{Limit: "rows held (sorted, grouped, collected or kept distinct)", Value: x.Limits.MaxMemory, Flag: "--max-memory", Bytes: true}
	}
	return nil
}

// DefaultMaxHops bounds `*` and `*n..` when no limit is given.
const DefaultMaxHops = 32

func (x *Exec) regexp(pat string) (*regexp.Regexp, error) {
	if re, ok := x.regexps[pat]; ok {
		return re, nil
	}
	re, err := regexp.Compile("^(?:" + pat + ")$")
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %v", pat, err)
	}
	if x.regexps == nil {
		x.regexps = map[string]*regexp.Regexp{}
	}
	x.regexps[pat] = re
	return re, nil
}

// Property reads v.key for a node, relationship or map; null for null.
func (x *Exec) Property(v value.Value, key string) (value.Value, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case map[string]value.Value:
		return v[key], nil
	case value.Node:
		if key == "id" {
			return v.ID, nil
		}
		return x.Reader.Property(v.ID, v.Ref, key)
	case value.Rel:
		if v.Edge == "" {
			return nil, nil
		}
		return x.Reader.Property(v.Edge, 0, key)
	}
	return nil, fmt.Errorf("cannot read property %q of %s", key, value.TypeName(v))
}

// NodeProperties returns all properties of a node, id included.
func (x *Exec) NodeProperties(n value.Node) (map[string]value.Value, error) {
	p, err := x.Reader.Properties(n.ID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]value.Value, len(p)+1)
	for k, v := range p {
		out[k] = v
	}
	out["id"] = n.ID
	return out, nil
}

func (x *Exec) RelProperties(r value.Rel) (map[string]value.Value, error) {
	if r.Edge == "" {
		return map[string]value.Value{}, nil
	}
	p, err := x.Reader.Properties(r.Edge)
	if err != nil {
		return nil, err
	}
	out := make(map[string]value.Value, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out, nil
}

// Exec is the Graph of the functions it calls.
var _ function.Graph = (*Exec)(nil)

// Labels returns a node's labels (function.Graph).
func (x *Exec) Labels(id string) ([]string, error) { return x.Reader.Labels(id) }

// Properties returns the properties of a node or a relationship
// (function.Graph).
func (x *Exec) Properties(v value.Value) (map[string]value.Value, error) {
	switch v := v.(type) {
	case value.Node:
		return x.NodeProperties(v)
	case value.Rel:
		return x.RelProperties(v)
	}
	return nil, fmt.Errorf("properties of %s", value.TypeName(v))
}

// Provenance returns the record that produced a node (function.Graph).
func (x *Exec) Provenance(id string) (value.Value, error) { return x.Reader.Provenance(id) }
