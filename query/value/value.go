package value

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"claimgraph/graph"
)

// A Value is what an expression yields: nil (null), bool, int64, float64,
// string, []Value, map[string]Value, Node, Rel or Path.
type Value = any

// Node is a node of the graph, known by its id. Ref is its number in the
// store's query index when the read that found it knew it: later reads of
// the node then skip looking it up. Two Nodes are the same node when their
// IDs are equal, whatever their refs.
type Node struct {
	ID  string
	Ref graph.NodeRef
}

// Rel is a relationship. Edge is the id of the edge node that carries the
// properties of AFFILIATED_WITH and INTERESTED_IN relationships; Record is
// the record that produced the relationship.
type Rel struct {
	Type, Start, End string
	Edge             string
	Record           string
}

// Key identifies a relationship for Cypher's uniqueness rule.
func (r Rel) Key() string {
	if r.Edge != "" {
		return r.Edge
	}
	return r.Start + "\x00" + r.Type + "\x00" + r.End
}

// Same reports whether r and o are the same relationship (equal keys),
// without building the keys: uniqueness checks run once per row.
func (r Rel) Same(o Rel) bool {
	if r.Edge != "" || o.Edge != "" {
		return r.Edge == o.Edge
	}
	return r.Start == o.Start && r.End == o.End && r.Type == o.Type
}

// CompareRels orders relationships as their keys do, without building them
// when neither has an edge node (ids hold no NUL, so comparing the parts in
// turn is comparing the joined key).
func CompareRels(a, b Rel) int {
	if a.Edge != "" || b.Edge != "" {
		return strings.Compare(a.Key(), b.Key())
	}
	if c := strings.Compare(a.Start, b.Start); c != 0 {
		return c
	}
	if c := strings.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	return strings.Compare(a.End, b.End)
}

// pathOrderKey is what paths are ordered by: their text as fmt prints
// them, with the nodes' ids alone.
func pathOrderKey(p Path) string {
	var b strings.Builder
	b.WriteString("{[")
	for i, n := range p.Nodes {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("{" + n.ID + "}")
	}
	b.WriteString("] ")
	b.WriteString(fmt.Sprint(p.Rels))
	b.WriteString("}")
	return b.String()
}

// Path is a path: n+1 nodes and n relationships.
type Path struct {
	Nodes []Node
	Rels  []Rel
}

// TypeOrder ranks values of different types for ORDER BY, as Cypher does:
// maps, nodes, relationships, lists, paths, strings, booleans, numbers,
// then null.
func TypeOrder(v Value) int {
	switch v.(type) {
	case map[string]Value:
		return 0
	case Node:
		return 1
	case Rel:
		return 2
	case []Value:
		return 3
	case Path:
		return 4
	case string:
		return 5
	case bool:
		return 6
	case int64, float64:
		return 7
	}
	return 8 // null
}

// OrderCompare totally orders values for ORDER BY and min/max.
func OrderCompare(a, b Value) int {
	ta, tb := TypeOrder(a), TypeOrder(b)
	if ta != tb {
		return ta - tb
	}
	switch a := a.(type) {
	case string:
		return strings.Compare(a, b.(string))
	case bool:
		bb := b.(bool)
		switch {
		case a == bb:
			return 0
		case !a:
			return -1
		}
		return 1
	case int64, float64:
		return numCompare(a, b)
	case []Value:
		bl := b.([]Value)
		for i := 0; i < len(a) && i < len(bl); i++ {
			if c := OrderCompare(a[i], bl[i]); c != 0 {
				return c
			}
		}
		return len(a) - len(bl)
	case Node:
		return strings.Compare(a.ID, b.(Node).ID)
	case Rel:
		return CompareRels(a, b.(Rel))
	case Path:
		return strings.Compare(pathOrderKey(a), pathOrderKey(b.(Path)))
	case map[string]Value:
		return strings.Compare(KeyOf(a), KeyOf(b))
	}
	return 0
}

func numCompare(a, b Value) int {
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	if aInt && bInt {
		switch {
		case ai < bi:
			return -1
		case ai > bi:
			return 1
		}
		return 0
	}
	af, bf := ToFloat(a), ToFloat(b)
	switch {
	case math.IsNaN(af) && math.IsNaN(bf):
		return 0
	case math.IsNaN(af):
		return 1
	case math.IsNaN(bf):
		return -1
	case af < bf:
		return -1
	case af > bf:
		return 1
	}
	return 0
}

// ToFloat returns a number as a float64, and NaN for anything else.
func ToFloat(v Value) float64 {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return math.NaN()
}

// IsNumber reports whether v is an integer or a float.
func IsNumber(v Value) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

// Equal is Cypher's = : nil when either side is null (or a list holds a
// null that decides), else true or false.
func Equal(a, b Value) Value {
	if a == nil || b == nil {
		return nil
	}
	if IsNumber(a) && IsNumber(b) {
		return numCompare(a, b) == 0 && !math.IsNaN(ToFloat(a))
	}
	switch a := a.(type) {
	case []Value:
		bl, ok := b.([]Value)
		if !ok || len(a) != len(bl) {
			return false
		}
		var unknown bool
		for i := range a {
			switch Equal(a[i], bl[i]) {
			case false:
				return false
			case nil:
				unknown = true
			}
		}
		if unknown {
			return nil
		}
		return true
	case map[string]Value:
		bm, ok := b.(map[string]Value)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, v := range a {
			w, ok := bm[k]
			if !ok {
				return false
			}
			if e := Equal(v, w); e != true {
				return e
			}
		}
		return true
	}
	if TypeOrder(a) != TypeOrder(b) {
		return false
	}
	return OrderCompare(a, b) == 0
}

// Compare is Cypher's < family: nil when the values are not comparable.
func Compare(a, b Value) (int, bool) {
	if a == nil || b == nil {
		return 0, false
	}
	if IsNumber(a) && IsNumber(b) {
		if math.IsNaN(ToFloat(a)) || math.IsNaN(ToFloat(b)) {
			return 0, false
		}
		return numCompare(a, b), true
	}
	switch a.(type) {
	case string, bool:
		if TypeOrder(a) == TypeOrder(b) {
			return OrderCompare(a, b), true
		}
	case []Value:
		if _, ok := b.([]Value); ok {
			return OrderCompare(a, b), true
		}
	}
	return 0, false
}

// KeyOf returns a string that is equal for equal values, for grouping and
// DISTINCT. Integers and floats of the same value group together.
// plainASCII reports whether strconv.Quote leaves s as it is, quotes
// aside.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func KeyOf(v Value) string {
	var b strings.Builder
	writeKey(&b, v)
	return b.String()
}

func writeKey(b *strings.Builder, v Value) {
	switch v := v.(type) {
	case nil:
		b.WriteString("n")
	case bool:
		b.WriteString("b" + strconv.FormatBool(v))
	case int64:
		b.WriteString("f" + strconv.FormatFloat(float64(v), 'g', -1, 64))
	case float64:
		b.WriteString("f" + strconv.FormatFloat(v, 'g', -1, 64))
	case string:
		b.WriteByte('s')
		if plainASCII(v) {
			// what strconv.Quote writes for it, without its allocations:
			// group keys are built per row
			b.WriteByte('"')
			b.WriteString(v)
			b.WriteByte('"')
		} else {
			b.WriteString(strconv.Quote(v))
		}
	case []Value:
		b.WriteString("[")
		for _, x := range v {
			writeKey(b, x)
			b.WriteString(",")
		}
		b.WriteString("]")
	case map[string]Value:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{")
		for _, k := range keys {
			b.WriteString(strconv.Quote(k) + ":")
			writeKey(b, v[k])
			b.WriteString(",")
		}
		b.WriteString("}")
	case Node:
		b.WriteByte('N')
		b.WriteString(v.ID)
	case Rel:
		b.WriteString("R" + v.Key())
	case Path:
		b.WriteString("P")
		for i, n := range v.Nodes {
			b.WriteString(n.ID + ";")
			if i < len(v.Rels) {
				b.WriteString(v.Rels[i].Key() + ";")
			}
		}
	}
}

// Truth converts a value used as a predicate: true, false or nil.
func Truth(v Value) (Value, error) {
	switch v.(type) {
	case nil, bool:
		return v, nil
	}
	return nil, fmt.Errorf("expected a boolean, got %s", TypeName(v))
}

// TypeName names the type of v as Cypher's messages do.
func TypeName(v Value) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case string:
		return "a string"
	case []Value:
		return "a list"
	case map[string]Value:
		return "a map"
	case Node:
		return "a node"
	case Rel:
		return "a relationship"
	case Path:
		return "a path"
	}
	return fmt.Sprintf("%T", v)
}

// Strings returns a list of strings as a list value.
func Strings(ss []string) []Value {
	out := make([]Value, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
