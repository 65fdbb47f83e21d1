// Package function holds the functions of claimgraph's query language: the
// scalar functions (labels, size, toLower, coalesce, …) and the aggregates
// (count, sum, avg, min, max, collect), each with Cypher's semantics.
//
// A new function is a new entry in this package alone: the compiler looks
// functions up by name and checks their arity here, and the executor calls
// them with a Graph, which is all a function may know of the store. It
// imports package value and nothing else of the query stages.
package function

import (
	"fmt"
	"strings"

	"claimgraph/query/value"
)

// Graph is what functions that read the graph (labels, properties, keys,
// provenance) need of the query running them.
type Graph interface {
	// Labels returns a node's labels, sorted.
	Labels(id string) ([]string, error)
	// Properties returns the properties of a node or a relationship.
	Properties(v value.Value) (map[string]value.Value, error)
	// Provenance returns the id of the record that produced a node.
	Provenance(id string) (value.Value, error)
}

// Func is a scalar function, found by Lookup.
type Func struct{ f function }

// Lookup finds a scalar function by name, in any case. Aggregates are not
// scalar functions: see IsAggregate.
func Lookup(name string) (Func, bool) {
	f, ok := functions[strings.ToLower(name)]
	return Func{f}, ok
}

// Accepts reports whether the function takes n arguments.
func (f Func) Accepts(n int) bool {
	return n >= f.f.min && (f.f.max < 0 || n <= f.f.max)
}

// Arity says in words how many arguments the function takes.
func (f Func) Arity() string {
	switch {
	case f.f.max < 0:
		return fmt.Sprintf("at least %d argument(s)", f.f.min)
	case f.f.min == f.f.max && f.f.min == 1:
		return "one argument"
	}
	return fmt.Sprintf("%d to %d arguments", f.f.min, f.f.max)
}

// Call applies the function to its arguments. Its errors carry no
// position: the caller adds the call's.
func (f Func) Call(g Graph, args []value.Value) (value.Value, error) {
	return f.f.fn(g, args)
}

// displayNames spells functions as the documentation does.
var displayNames = map[string]string{"tolower": "toLower", "toupper": "toUpper", "ltrim": "lTrim", "rtrim": "rTrim",
	"tostring": "toString", "tointeger": "toInteger", "tofloat": "toFloat"}

// Names lists every function, aggregates included, as the documentation
// spells them, in no particular order.
func Names() []string {
	var out []string
	for n := range functions {
		if d, ok := displayNames[n]; ok {
			n = d
		}
		out = append(out, n)
	}
	for n := range aggregates {
		out = append(out, n)
	}
	return out
}
