package operator

import (
	"fmt"
	"math"

	"github.com/alecthomas/participle/v2/lexer"

	"claimgraph/query/syntax"
	"claimgraph/query/value"
)

// Eval evaluates a compiled expression on a row.
type Eval func(x *Exec, r Row) (value.Value, error)

// ExprErr wraps an evaluation error with the position of the expression.
func ExprErr(pos lexer.Position, err error) error {
	if _, ok := err.(*syntax.Error); ok || err == nil {
		return err
	}
	return syntax.Errorf(pos, "%v", err)
}

func EvalBool(x *Exec, r Row, f Eval, pos lexer.Position) (value.Value, error) {
	v, err := f(x, r)
	if err != nil {
		return nil, err
	}
	b, err := value.Truth(v)
	return b, ExprErr(pos, err)
}

// Logic is OR (or=true) or AND with three-valued Logic.
func Logic(pos lexer.Position, fns []Eval, or bool) Eval {
	return func(x *Exec, r Row) (value.Value, error) {
		sawNull := false
		for _, f := range fns {
			v, err := EvalBool(x, r, f, pos)
			if err != nil {
				return nil, err
			}
			if v == nil {
				sawNull = true
			} else if v.(bool) == or {
				return or, nil
			}
		}
		if sawNull {
			return nil, nil
		}
		return !or, nil
	}
}

func CompareOp(x *Exec, op string, a, b value.Value) (value.Value, error) {
	switch op {
	case "=":
		return value.Equal(a, b), nil
	case "<>":
		e := value.Equal(a, b)
		if e == nil {
			return nil, nil
		}
		return !e.(bool), nil
	case "=~":
		if a == nil || b == nil {
			return nil, nil
		}
		s, ok1 := a.(string)
		pat, ok2 := b.(string)
		if !ok1 || !ok2 {
			return nil, nil
		}
		re, err := x.regexp(pat)
		if err != nil {
			return nil, err
		}
		return re.MatchString(s), nil
	}
	c, ok := value.Compare(a, b)
	if !ok {
		return nil, nil
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

func InList(v value.Value, list []value.Value) value.Value {
	sawNull := false
	for _, item := range list {
		switch value.Equal(v, item) {
		case true:
			return true
		case nil:
			sawNull = true
		}
	}
	if sawNull || (v == nil && len(list) > 0) {
		return nil
	}
	return false
}

func Binary(pos lexer.Position, op string, f, g Eval) Eval {
	return func(x *Exec, r Row) (value.Value, error) {
		a, err := f(x, r)
		if err != nil {
			return nil, err
		}
		b, err := g(x, r)
		if err != nil {
			return nil, err
		}
		v, err := Arith(op, a, b)
		return v, ExprErr(pos, err)
	}
}

func Arith(op string, a, b value.Value) (value.Value, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	if op == "+" {
		switch a := a.(type) {
		case string:
			if bs, ok := b.(string); ok {
				return a + bs, nil
			}
		case []value.Value:
			if bl, ok := b.([]value.Value); ok {
				return append(append([]value.Value{}, a...), bl...), nil
			}
			return append(append([]value.Value{}, a...), b), nil
		}
		if bl, ok := b.([]value.Value); ok {
			return append([]value.Value{a}, bl...), nil
		}
	}
	if !value.IsNumber(a) || !value.IsNumber(b) {
		return nil, fmt.Errorf("cannot apply %s to %s and %s", op, value.TypeName(a), value.TypeName(b))
	}
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	if aInt && bInt && op != "^" {
		switch op {
		case "+":
			return ai + bi, nil
		case "-":
			return ai - bi, nil
		case "*":
			return ai * bi, nil
		case "/", "%":
			if bi == 0 {
				return nil, fmt.Errorf("division by zero")
			}
			if op == "/" {
				return ai / bi, nil
			}
			return ai % bi, nil
		}
	}
	af, bf := value.ToFloat(a), value.ToFloat(b)
	switch op {
	case "+":
		return af + bf, nil
	case "-":
		return af - bf, nil
	case "*":
		return af * bf, nil
	case "/":
		return af / bf, nil
	case "%":
		return math.Mod(af, bf), nil
	}
	return math.Pow(af, bf), nil
}

func EvalOpt(x *Exec, r Row, fs ...Eval) (value.Value, value.Value, error) {
	var out [2]value.Value
	for i, f := range fs {
		if f == nil {
			continue
		}
		v, err := f(x, r)
		if err != nil {
			return nil, nil, err
		}
		out[i] = v
	}
	return out[0], out[1], nil
}

func Subscript(v, a, b value.Value, slice bool) (value.Value, error) {
	if v == nil {
		return nil, nil
	}
	if m, ok := v.(map[string]value.Value); ok && !slice {
		k, ok := a.(string)
		if !ok {
			return nil, fmt.Errorf("a map is indexed by a string, got %s", value.TypeName(a))
		}
		return m[k], nil
	}
	list, ok := v.([]value.Value)
	if !ok {
		return nil, fmt.Errorf("cannot index %s", value.TypeName(v))
	}
	n := int64(len(list))
	idx := func(x value.Value, def int64) (int64, bool, error) {
		if x == nil {
			return def, false, nil
		}
		i, ok := x.(int64)
		if !ok {
			return 0, false, fmt.Errorf("list index must be an integer, got %s", value.TypeName(x))
		}
		if i < 0 {
			i += n
		}
		return i, true, nil
	}
	if !slice {
		if a == nil {
			return nil, nil
		}
		i, _, err := idx(a, 0)
		if err != nil || i < 0 || i >= n {
			return nil, err
		}
		return list[i], nil
	}
	from, _, err := idx(a, 0)
	if err != nil {
		return nil, err
	}
	to, _, err := idx(b, n)
	if err != nil {
		return nil, err
	}
	from, to = max(0, min(from, n)), max(0, min(to, n))
	if from >= to {
		return []value.Value{}, nil
	}
	return append([]value.Value{}, list[from:to]...), nil
}
