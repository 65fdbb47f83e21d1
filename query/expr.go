package query

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"claimgraph/query/syntax"
	"claimgraph/query/value"
)

// evalFn evaluates a compiled expression on a row.
type evalFn func(x *exec, r Row) (value.Value, error)

// exprErr wraps an evaluation error with the position of the expression.
func exprErr(pos lexer.Position, err error) error {
	if _, ok := err.(*syntax.Error); ok || err == nil {
		return err
	}
	return syntax.Errorf(pos, "%v", err)
}

func (c *compiler) expr(e *syntax.Expr) (evalFn, error) {
	left, err := c.xor(e.Left)
	if err != nil || len(e.Or) == 0 {
		return left, err
	}
	ops := []evalFn{left}
	for _, o := range e.Or {
		f, err := c.xor(o)
		if err != nil {
			return nil, err
		}
		ops = append(ops, f)
	}
	return logic(e.Pos, ops, true), nil
}

func (c *compiler) xor(e *syntax.XorExpr) (evalFn, error) {
	left, err := c.and(e.Left)
	if err != nil || len(e.Xor) == 0 {
		return left, err
	}
	fns := []evalFn{left}
	for _, o := range e.Xor {
		f, err := c.and(o)
		if err != nil {
			return nil, err
		}
		fns = append(fns, f)
	}
	return func(x *exec, r Row) (value.Value, error) {
		var acc value.Value = false
		for _, f := range fns {
			v, err := evalBool(x, r, f, e.Pos)
			if err != nil {
				return nil, err
			}
			if acc == nil || v == nil {
				acc = nil
				continue
			}
			acc = acc.(bool) != v.(bool)
		}
		return acc, nil
	}, nil
}

func (c *compiler) and(e *syntax.AndExpr) (evalFn, error) {
	left, err := c.not(e.Left)
	if err != nil || len(e.And) == 0 {
		return left, err
	}
	ops := []evalFn{left}
	for _, o := range e.And {
		f, err := c.not(o)
		if err != nil {
			return nil, err
		}
		ops = append(ops, f)
	}
	return logic(e.Pos, ops, false), nil
}

func evalBool(x *exec, r Row, f evalFn, pos lexer.Position) (value.Value, error) {
	v, err := f(x, r)
	if err != nil {
		return nil, err
	}
	b, err := value.Truth(v)
	return b, exprErr(pos, err)
}

// logic is OR (or=true) or AND with three-valued logic.
func logic(pos lexer.Position, fns []evalFn, or bool) evalFn {
	return func(x *exec, r Row) (value.Value, error) {
		sawNull := false
		for _, f := range fns {
			v, err := evalBool(x, r, f, pos)
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

func (c *compiler) not(e *syntax.NotExpr) (evalFn, error) {
	f, err := c.comp(e.Expr)
	if err != nil || len(e.Nots)%2 == 0 {
		return f, err
	}
	return func(x *exec, r Row) (value.Value, error) {
		v, err := evalBool(x, r, f, e.Pos)
		if v == nil || err != nil {
			return nil, err
		}
		return !v.(bool), nil
	}, nil
}

func (c *compiler) comp(e *syntax.CompExpr) (evalFn, error) {
	left, err := c.pred(e.Left)
	if err != nil || len(e.Ops) == 0 {
		return left, err
	}
	operands := []evalFn{left}
	for _, o := range e.Ops {
		f, err := c.pred(o.Right)
		if err != nil {
			return nil, err
		}
		operands = append(operands, f)
		if o.Op == "=~" {
			if lit := literalString(o.Right); lit != nil {
				if _, err := regexp.Compile(*lit); err != nil {
					return nil, syntax.Errorf(o.Pos, "invalid regular expression %q: %v", *lit, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
				}
			}
		}
	}
	return func(x *exec, r Row) (value.Value, error) {
		vals := make([]value.Value, len(operands))
		for i, f := range operands {
			v, err := f(x, r)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		var acc value.Value = true
		for i, o := range e.Ops {
			v, err := compareOp(x, o.Op, vals[i], vals[i+1])
			if err != nil {
				return nil, exprErr(o.Pos, err)
			}
			if v == false {
				return false, nil
			}
			if v == nil {
				acc = nil
			}
		}
		return acc, nil
	}, nil
}

func literalString(p *syntax.PredExpr) *string {
	if len(p.Ops) > 0 || len(p.Left.Ops) > 0 || len(p.Left.Left.Ops) > 0 || len(p.Left.Left.Left.Pow) > 0 {
		return nil
	}
	u := p.Left.Left.Left.Left
	if len(u.Signs) > 0 || len(u.Expr.Suffixes) > 0 {
		return nil
	}
	return u.Expr.Atom.String
}

func compareOp(x *exec, op string, a, b value.Value) (value.Value, error) {
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

func (c *compiler) pred(e *syntax.PredExpr) (evalFn, error) {
	f, err := c.add(e.Left)
	if err != nil {
		return nil, err
	}
	for _, s := range e.Ops {
		s := s
		prev := f
		switch {
		case s.IsNull, s.IsNotNull:
			f = func(x *exec, r Row) (value.Value, error) {
				v, err := prev(x, r)
				if err != nil {
					return nil, err
				}
				return (v == nil) == s.IsNull, nil
			}
		case s.In != nil:
			rhs, err := c.add(s.In)
			if err != nil {
				return nil, err
			}
			f = func(x *exec, r Row) (value.Value, error) {
				v, err := prev(x, r)
				if err != nil {
					return nil, err
				}
				l, err := rhs(x, r)
				if err != nil || l == nil {
					return nil, err
				}
				list, ok := l.([]value.Value)
				if !ok {
					return nil, syntax.Errorf(s.Pos, "IN expects a list, got %s", value.TypeName(l))
				}
				return inList(v, list), nil
			}
		default:
			arg, op := s.StartsWith, strings.HasPrefix
			if s.EndsWith != nil {
				arg, op = s.EndsWith, strings.HasSuffix
			} else if s.Contains != nil {
				arg, op = s.Contains, strings.Contains
			}
			rhs, err := c.add(arg)
			if err != nil {
				return nil, err
			}
			f = func(x *exec, r Row) (value.Value, error) {
				a, err := prev(x, r)
				if err != nil {
					return nil, err
				}
				b, err := rhs(x, r)
				if err != nil {
					return nil, err
				}
				as, ok1 := a.(string)
				bs, ok2 := b.(string)
				if !ok1 || !ok2 {
					return nil, nil
				}
				return op(as, bs), nil
			}
		}
	}
	return f, nil
}

func inList(v value.Value, list []value.Value) value.Value {
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

func (c *compiler) add(e *syntax.AddExpr) (evalFn, error) {
	f, err := c.mul(e.Left)
	if err != nil {
		return nil, err
	}
	for _, o := range e.Ops {
		g, err := c.mul(o.Right)
		if err != nil {
			return nil, err
		}
		f = binary(o.Pos, o.Op, f, g)
	}
	return f, nil
}

func (c *compiler) mul(e *syntax.MulExpr) (evalFn, error) {
	f, err := c.pow(e.Left)
	if err != nil {
		return nil, err
	}
	for _, o := range e.Ops {
		g, err := c.pow(o.Right)
		if err != nil {
			return nil, err
		}
		f = binary(o.Pos, o.Op, f, g)
	}
	return f, nil
}

// pow is right-associative in maths but left-associative in Cypher.
func (c *compiler) pow(e *syntax.PowExpr) (evalFn, error) {
	f, err := c.unary(e.Left)
	if err != nil {
		return nil, err
	}
	for _, p := range e.Pow {
		g, err := c.unary(p)
		if err != nil {
			return nil, err
		}
		f = binary(p.Pos, "^", f, g)
	}
	return f, nil
}

func binary(pos lexer.Position, op string, f, g evalFn) evalFn {
	return func(x *exec, r Row) (value.Value, error) {
		a, err := f(x, r)
		if err != nil {
			return nil, err
		}
		b, err := g(x, r)
		if err != nil {
			return nil, err
		}
		v, err := arith(op, a, b)
		return v, exprErr(pos, err)
	}
}

func arith(op string, a, b value.Value) (value.Value, error) {
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

func (c *compiler) unary(e *syntax.UnaryExpr) (evalFn, error) {
	f, err := c.postfix(e.Expr)
	if err != nil {
		return nil, err
	}
	neg := false
	for _, s := range e.Signs {
		if s == "-" {
			neg = !neg
		}
	}
	if !neg {
		return f, nil
	}
	return func(x *exec, r Row) (value.Value, error) {
		v, err := f(x, r)
		if err != nil {
			return nil, err
		}
		switch v := v.(type) {
		case nil:
			return nil, nil
		case int64:
			return -v, nil
		case float64:
			return -v, nil
		}
		return nil, syntax.Errorf(e.Pos, "cannot negate %s", value.TypeName(v))
	}, nil
}

func (c *compiler) postfix(e *syntax.PostfixExpr) (evalFn, error) {
	f, err := c.atom(e.Atom)
	if err != nil {
		return nil, err
	}
	for _, s := range e.Suffixes {
		s, prev := s, f
		if s.Prop != "" {
			key := s.Prop
			c.checkProperty(s.Pos, key)
			// Consecutive rows often hold the same node here (rows are
			// expanded from one node at a time): its last value is kept.
			var memo struct {
				x   *exec
				id  string
				val value.Value
			}
			f = func(x *exec, r Row) (value.Value, error) {
				v, err := prev(x, r)
				if err != nil {
					return nil, err
				}
				n, isNode := v.(value.Node)
				if isNode && memo.x == x && memo.id == n.ID {
					return memo.val, nil
				}
				out, err := x.property(v, key)
				if err == nil && isNode {
					memo.x, memo.id, memo.val = x, n.ID, out
				}
				return out, exprErr(s.Pos, err)
			}
			continue
		}
		from, err := c.optExprErr(s.Index.From)
		if err != nil {
			return nil, err
		}
		to, err := c.optExprErr(s.Index.To)
		if err != nil {
			return nil, err
		}
		slice := s.Index.Slice
		f = func(x *exec, r Row) (value.Value, error) {
			v, err := prev(x, r)
			if err != nil {
				return nil, err
			}
			a, b, err := evalOpt(x, r, from, to)
			if err != nil {
				return nil, err
			}
			out, err := subscript(v, a, b, slice)
			return out, exprErr(s.Pos, err)
		}
	}
	return f, nil
}

func (c *compiler) optExprErr(e *syntax.Expr) (evalFn, error) {
	if e == nil {
		return nil, nil
	}
	return c.expr(e)
}

func evalOpt(x *exec, r Row, fs ...evalFn) (value.Value, value.Value, error) {
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

func subscript(v, a, b value.Value, slice bool) (value.Value, error) {
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

func (c *compiler) atom(a *syntax.Atom) (evalFn, error) {
	constant := func(v value.Value) evalFn { return func(*exec, Row) (value.Value, error) { return v, nil } }
	switch {
	case a.Float != nil:
		return constant(*a.Float), nil
	case a.Int != nil:
		return constant(*a.Int), nil
	case a.String != nil:
		return constant(*a.String), nil
	case a.True:
		return constant(true), nil
	case a.False:
		return constant(false), nil
	case a.Null:
		return constant(nil), nil
	case a.Param != "":
		name := a.Param[1:]
		return func(x *exec, r Row) (value.Value, error) {
			v, ok := x.params[name]
			if !ok {
				return nil, syntax.Errorf(a.Pos, "parameter $%s is not set (pass --param %s=VALUE)", name, name)
			}
			return v, nil
		}, nil
	case a.Count:
		return c.aggregate(a.Pos, "count", false, nil)
	case a.Call != nil:
		return c.call(a.Call)
	case a.List != nil:
		var items []evalFn
		for _, e := range a.List.Items {
			f, err := c.expr(e)
			if err != nil {
				return nil, err
			}
			items = append(items, f)
		}
		return func(x *exec, r Row) (value.Value, error) {
			out := make([]value.Value, len(items))
			for i, f := range items {
				v, err := f(x, r)
				if err != nil {
					return nil, err
				}
				out[i] = v
			}
			return out, nil
		}, nil
	case a.Map != nil:
		return c.mapLit(a.Map)
	case a.Pattern != nil:
		return c.patternPredicate(a.Pattern)
	case a.Paren != nil:
		return c.expr(a.Paren)
	}
	slot, ok := c.scope[a.Var]
	if !ok {
		return nil, syntax.Errorf(a.Pos, "variable %q is not defined", a.Var)
	}
	return func(x *exec, r Row) (value.Value, error) { return r[slot], nil }, nil
}

func (c *compiler) mapLit(m *syntax.MapLit) (evalFn, error) {
	keys := make([]string, len(m.Entries))
	vals := make([]evalFn, len(m.Entries))
	for i, e := range m.Entries {
		f, err := c.expr(e.Value)
		if err != nil {
			return nil, err
		}
		keys[i], vals[i] = e.Key, f
	}
	return func(x *exec, r Row) (value.Value, error) {
		out := make(map[string]value.Value, len(keys))
		for i, f := range vals {
			v, err := f(x, r)
			if err != nil {
				return nil, err
			}
			out[keys[i]] = v
		}
		return out, nil
	}, nil
}
