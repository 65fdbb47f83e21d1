package function

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"claimgraph/query/value"
)

// function is a scalar function: its arity range and implementation.
type function struct {
	min, max int
	fn       func(g Graph, args []value.Value) (value.Value, error)
}

// functions are the scalar functions by their names in lower case.
var functions map[string]function

func init() {
	functions = map[string]function{
		"id": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
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
		"labels": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
			n, ok := a[0].(value.Node)
			if !ok {
				return nilOr(a[0], "labels() expects a node")
			}
			ls, err := g.Labels(n.ID)
			return value.Strings(ls), err
		}},
		"type": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
			r, ok := a[0].(value.Rel)
			if !ok {
				return nilOr(a[0], "type() expects a relationship")
			}
			return r.Type, nil
		}},
		"properties": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
			switch v := a[0].(type) {
			case nil:
				return nil, nil
			case value.Node:
				return g.Properties(v)
			case value.Rel:
				return g.Properties(v)
			case map[string]value.Value:
				return v, nil
			}
			return nil, fmt.Errorf("properties() expects a node, a relationship or a map, got %s", value.TypeName(a[0]))
		}},
		"keys": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
			m, err := functions["properties"].fn(g, a)
			if m == nil || err != nil {
				return nil, err
			}
			var ks []string
			for k := range m.(map[string]value.Value) {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			return value.Strings(ks), nil
		}},
		"provenance": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
			switch v := a[0].(type) {
			case nil:
				return nil, nil
			case value.Node:
				return g.Provenance(v.ID)
			case value.Rel:
				return v.Record, nil
			}
			return nil, fmt.Errorf("provenance() expects a node or a relationship, got %s", value.TypeName(a[0]))
		}},
		"length": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
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
		"nodes": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
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
		"relationships": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
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
		"size": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
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
		"coalesce": {1, -1, func(g Graph, a []value.Value) (value.Value, error) {
			for _, v := range a {
				if v != nil {
					return v, nil
				}
			}
			return nil, nil
		}},
		"head": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
			l, ok := a[0].([]value.Value)
			if !ok || len(l) == 0 {
				return nilOr(a[0], "head() expects a list")
			}
			return l[0], nil
		}},
		"last": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
			l, ok := a[0].([]value.Value)
			if !ok || len(l) == 0 {
				return nilOr(a[0], "last() expects a list")
			}
			return l[len(l)-1], nil
		}},
		"tostring": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
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
		"tointeger": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
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
		"tofloat": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
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
		"abs": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
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
		"round": {1, 1, func(g Graph, a []value.Value) (value.Value, error) {
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
	return function{1, 1, func(g Graph, a []value.Value) (value.Value, error) {
		s, ok := a[0].(string)
		if !ok {
			return nilOr(a[0], name+"() expects a string")
		}
		return f(s), nil
	}}
}
