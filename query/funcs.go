package query

import (
	"claimgraph/query/value"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"claimgraph/query/syntax"
)

// function is a scalar function: its arity range and implementation.
type function struct {
	min, max int
	fn       func(x *exec, args []value.Value) (value.Value, error)
}

var functions map[string]function

func init() {
	functions = map[string]function{
		"id": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			switch v := a[0].(type) {
			case nil:
				return nil, nil
			case value.Node:
				return v.ID, nil
			case value.Rel:
				return v.Key(), nil
			}
			return nil, fmt.Errorf("id() expects a node or a relationship, got %s", value.TypeName(a[0]))
		}},
		"labels": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			n, ok := a[0].(value.Node)
			if !ok {
				return nilOr(a[0], "labels() expects a node")
			}
			ls, err := x.rd.labels(n.ID)
			return strings2values(ls), err
		}},
		"type": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			r, ok := a[0].(value.Rel)
			if !ok {
				return nilOr(a[0], "type() expects a relationship")
			}
			return r.Type, nil
		}},
		"properties": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			switch v := a[0].(type) {
			case nil:
				return nil, nil
			case value.Node:
				return x.nodeProperties(v)
			case value.Rel:
				return x.relProperties(v)
			case map[string]value.Value:
				return v, nil
			}
			return nil, fmt.Errorf("properties() expects a node, a relationship or a map, got %s", value.TypeName(a[0]))
		}},
		"keys": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			m, err := functions["properties"].fn(x, a)
			if m == nil || err != nil {
				return nil, err
			}
			var ks []string
			for k := range m.(map[string]value.Value) {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			return strings2values(ks), nil
		}},
		"provenance": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			switch v := a[0].(type) {
			case nil:
				return nil, nil
			case value.Node:
				return x.rd.provenance(v.ID)
			case value.Rel:
				return v.Record, nil
			}
			return nil, fmt.Errorf("provenance() expects a node or a relationship, got %s", value.TypeName(a[0]))
		}},
		"length": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			switch v := a[0].(type) {
			case nil:
				return nil, nil
			case value.Path:
				return int64(len(v.Rels)), nil
			case []value.Value:
				return int64(len(v)), nil
			case string:
				return int64(len([]rune(v))), nil
			}
			return nil, fmt.Errorf("length() expects a path, got %s", value.TypeName(a[0]))
		}},
		"nodes": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			p, ok := a[0].(value.Path)
			if !ok {
				return nilOr(a[0], "nodes() expects a path")
			}
			out := make([]value.Value, len(p.Nodes))
			for i, n := range p.Nodes {
				out[i] = n
			}
			return out, nil
		}},
		"relationships": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			p, ok := a[0].(value.Path)
			if !ok {
				return nilOr(a[0], "relationships() expects a path")
			}
			out := make([]value.Value, len(p.Rels))
			for i, r := range p.Rels {
				out[i] = r
			}
			return out, nil
		}},
		"size": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			switch v := a[0].(type) {
			case nil:
				return nil, nil
			case []value.Value:
				return int64(len(v)), nil
			case string:
				return int64(len([]rune(v))), nil
			case map[string]value.Value:
				return int64(len(v)), nil
			}
			return nil, fmt.Errorf("size() expects a list or a string, got %s", value.TypeName(a[0]))
		}},
		"tolower": stringFn("toLower", strings.ToLower),
		"toupper": stringFn("toUpper", strings.ToUpper),
		"trim":    stringFn("trim", strings.TrimSpace),
		"ltrim":   stringFn("lTrim", func(s string) string { return strings.TrimLeft(s, " \t\n\r") }),
		"rtrim":   stringFn("rTrim", func(s string) string { return strings.TrimRight(s, " \t\n\r") }),
		"coalesce": {1, -1, func(x *exec, a []value.Value) (value.Value, error) {
			for _, v := range a {
				if v != nil {
					return v, nil
				}
			}
			return nil, nil
		}},
		"head": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			l, ok := a[0].([]value.Value)
			if !ok || len(l) == 0 {
				return nilOr(a[0], "head() expects a list")
			}
			return l[0], nil
		}},
		"last": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			l, ok := a[0].([]value.Value)
			if !ok || len(l) == 0 {
				return nilOr(a[0], "last() expects a list")
			}
			return l[len(l)-1], nil
		}},
		"tostring": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			switch v := a[0].(type) {
			case nil:
				return nil, nil
			case string:
				return v, nil
			case bool:
				return strconv.FormatBool(v), nil
			case int64:
				return strconv.FormatInt(v, 10), nil
			case float64:
				return value.FormatFloat(v), nil
			}
			return nil, fmt.Errorf("toString() cannot convert %s", value.TypeName(a[0]))
		}},
		"tointeger": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			switch v := a[0].(type) {
			case nil:
				return nil, nil
			case int64:
				return v, nil
			case float64:
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, nil
				}
				return int64(v), nil
			case bool:
				if v {
					return int64(1), nil
				}
				return int64(0), nil
			case string:
				if i, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
					return i, nil
				}
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					return int64(f), nil
				}
				return nil, nil
			}
			return nil, fmt.Errorf("toInteger() cannot convert %s", value.TypeName(a[0]))
		}},
		"tofloat": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			switch v := a[0].(type) {
			case nil:
				return nil, nil
			case int64:
				return float64(v), nil
			case float64:
				return v, nil
			case string:
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					return f, nil
				}
				return nil, nil
			}
			return nil, fmt.Errorf("toFloat() cannot convert %s", value.TypeName(a[0]))
		}},
		"abs": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			switch v := a[0].(type) {
			case nil:
				return nil, nil
			case int64:
				if v < 0 {
					return -v, nil
				}
				return v, nil
			case float64:
				return math.Abs(v), nil
			}
			return nil, fmt.Errorf("abs() expects a number, got %s", value.TypeName(a[0]))
		}},
		"round": {1, 1, func(x *exec, a []value.Value) (value.Value, error) {
			if a[0] == nil {
				return nil, nil
			}
			if !value.IsNumber(a[0]) {
				return nil, fmt.Errorf("round() expects a number, got %s", value.TypeName(a[0]))
			}
			return math.Floor(value.ToFloat(a[0]) + 0.5), nil
		}},
	}
}

func nilOr(v value.Value, msg string) (value.Value, error) {
	if v == nil {
		return nil, nil
	}
	return nil, fmt.Errorf("%s, got %s", msg, value.TypeName(v))
}

func stringFn(name string, f func(string) string) function {
	return function{1, 1, func(x *exec, a []value.Value) (value.Value, error) {
		s, ok := a[0].(string)
		if !ok {
			return nilOr(a[0], name+"() expects a string")
		}
		return f(s), nil
	}}
}

func strings2values(ss []string) []value.Value {
	out := make([]value.Value, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// aggregates are the functions that fold many rows into one value.
var aggregates = map[string]bool{"count": true, "sum": true, "avg": true, "min": true, "max": true, "collect": true}

func (c *compiler) call(call *syntax.Call) (evalFn, error) {
	name := strings.ToLower(call.Name)
	if aggregates[name] {
		if len(call.Args) != 1 {
			return nil, syntax.Errorf(call.Pos, "%s() takes one argument, got %d", call.Name, len(call.Args))
		}
		return c.aggregate(call.Pos, name, call.Distinct, call.Args[0])
	}
	f, ok := functions[name]
	if !ok {
		return nil, syntax.Errorf(call.Pos, "unknown function %s()%s", call.Name, suggest(name, functionNames()))
	}
	if call.Distinct {
		return nil, syntax.Errorf(call.Pos, "DISTINCT is only allowed in aggregate functions")
	}
	if len(call.Args) < f.min || f.max >= 0 && len(call.Args) > f.max {
		return nil, syntax.Errorf(call.Pos, "%s() takes %s, got %d", call.Name, arity(f), len(call.Args))
	}
	args := make([]evalFn, len(call.Args))
	for i, a := range call.Args {
		fn, err := c.expr(a)
		if err != nil {
			return nil, err
		}
		args[i] = fn
	}
	return func(x *exec, r Row) (value.Value, error) {
		vals := make([]value.Value, len(args))
		for i, a := range args {
			v, err := a(x, r)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		v, err := f.fn(x, vals)
		return v, exprErr(call.Pos, err)
	}, nil
}

func arity(f function) string {
	switch {
	case f.max < 0:
		return fmt.Sprintf("at least %d argument(s)", f.min)
	case f.min == f.max && f.min == 1:
		return "one argument"
	}
	return fmt.Sprintf("%d to %d arguments", f.min, f.max)
}

// displayNames spells functions as the documentation does.
var displayNames = map[string]string{"tolower": "toLower", "toupper": "toUpper", "ltrim": "lTrim", "rtrim": "rTrim",
	"tostring": "toString", "tointeger": "toInteger", "tofloat": "toFloat"}

func functionNames() []string {
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

// aggSpec is one aggregate of a projection; its result lands in slot.
type aggSpec struct {
	name     string
	distinct bool
	arg      evalFn // nil for count(*)
	argDeps  []int  // slots arg reads
	slot     int
	pos      lexer.Position
}

func (c *compiler) aggregate(pos lexer.Position, name string, distinct bool, arg *syntax.Expr) (evalFn, error) {
	if c.aggs == nil {
		return nil, syntax.Errorf(pos, "aggregate function %s() is only allowed in RETURN and WITH", name)
	}
	if c.inAgg {
		return nil, syntax.Errorf(pos, "aggregate functions cannot be nested")
	}
	spec := &aggSpec{name: name, distinct: distinct, slot: c.newSlot(), pos: pos}
	if arg != nil {
		c.inAgg = true
		f, err := c.expr(arg)
		c.inAgg = false
		if err != nil {
			return nil, err
		}
		spec.arg = f
		spec.argDeps = c.deps(arg)
	}
	*c.aggs = append(*c.aggs, spec)
	slot := spec.slot
	return func(x *exec, r Row) (value.Value, error) { return r[slot], nil }, nil
}

// aggState folds the values of one aggregate within one group.
type aggState struct {
	spec  *aggSpec
	seen  map[string]bool
	count int64
	sumI  int64
	sumF  float64
	float bool
	best  value.Value
	list  []value.Value
}

func (a *aggState) add(v value.Value) error {
	if a.spec.arg != nil && v == nil {
		return nil
	}
	if a.spec.distinct {
		k := value.KeyOf(v)
		if a.seen == nil {
			a.seen = map[string]bool{}
		}
		if a.seen[k] {
			return nil
		}
		a.seen[k] = true
	}
	a.count++
	switch a.spec.name {
	case "sum", "avg":
		switch n := v.(type) {
		case int64:
			a.sumI += n
			a.sumF += float64(n)
		case float64:
			a.float = true
			a.sumF += n
		default:
			return syntax.Errorf(a.spec.pos, "%s() expects numbers, got %s", a.spec.name, value.TypeName(v))
		}
	case "min":
		if a.best == nil || value.OrderCompare(v, a.best) < 0 {
			a.best = v
		}
	case "max":
		if a.best == nil || value.OrderCompare(v, a.best) > 0 {
			a.best = v
		}
	case "collect":
		a.list = append(a.list, v)
	}
	return nil
}

// addFolded adds the values of one aggregate that a tally folded (see
// folded), as add would add them one by one.
func (a *aggState) addFolded(f *folded, nums []float64) {
	a.count += f.n
	a.sumI += f.sumI
	if f.float {
		a.float = true
	}
	for _, v := range nums[f.lo:f.hi] {
		a.sumF += v
	}
}

func (a *aggState) result() value.Value {
	switch a.spec.name {
	case "count":
		return a.count
	case "sum":
		if a.float {
			return a.sumF
		}
		return a.sumI
	case "avg":
		if a.count == 0 {
			return nil
		}
		return a.sumF / float64(a.count)
	case "collect":
		if a.list == nil {
			return []value.Value{}
		}
		return a.list
	}
	return a.best
}
