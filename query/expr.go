package query

import (
	"regexp"
	"strings"

	"claimgraph/query/operator"

	"claimgraph/query/syntax"
	"claimgraph/query/value"
)

func (c *compiler) expr(e *syntax.Expr) (operator.Eval, error) {
	left, err := c.xor(e.Left)
	if err != nil || len(e.Or) == 0 {
		return left, err
	}
	ops := []operator.Eval{left}
	for _, o := range e.Or {
		f, err := c.xor(o)
		if err != nil {
			return nil, err
		}
		ops = append(ops, f)
	}
	return operator.Logic(e.Pos, ops, true), nil
}

func (c *compiler) xor(e *syntax.XorExpr) (operator.Eval, error) {
	left, err := c.and(e.Left)
	if err != nil || len(e.Xor) == 0 {
		return left, err
	}
	fns := []operator.Eval{left}
	for _, o := range e.Xor {
		f, err := c.and(o)
		if err != nil {
			return nil, err
		}
		fns = append(fns, f)
	}
	return func(x *operator.Exec, r operator.Row) (value.Value, error) {
		var acc value.Value = false
		for _, f := range fns {
			v, err := operator.EvalBool(x, r, f, e.Pos)
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

func (c *compiler) and(e *syntax.AndExpr) (operator.Eval, error) {
	left, err := c.not(e.Left)
	if err != nil || len(e.And) == 0 {
		return left, err
	}
	ops := []operator.Eval{left}
	for _, o := range e.And {
		f, err := c.not(o)
		if err != nil {
			return nil, err
		}
		ops = append(ops, f)
	}
	return operator.Logic(e.Pos, ops, false), nil
}

func (c *compiler) not(e *syntax.NotExpr) (operator.Eval, error) {
	f, err := c.comp(e.Expr)
	if err != nil || len(e.Nots)%2 == 0 {
		return f, err
	}
	return func(x *operator.Exec, r operator.Row) (value.Value, error) {
		v, err := operator.EvalBool(x, r, f, e.Pos)
		if v == nil || err != nil {
			return nil, err
		}
		return !v.(bool), nil
	}, nil
}

func (c *compiler) comp(e *syntax.CompExpr) (operator.Eval, error) {
	left, err := c.pred(e.Left)
	if err != nil || len(e.Ops) == 0 {
		return left, err
	}
	operands := []operator.Eval{left}
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
	return func(x *operator.Exec, r operator.Row) (value.Value, error) {
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
			v, err := operator.CompareOp(x, o.Op, vals[i], vals[i+1])
			if err != nil {
				return nil, operator.ExprErr(o.Pos, err)
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

func (c *compiler) pred(e *syntax.PredExpr) (operator.Eval, error) {
	f, err := c.add(e.Left)
	if err != nil {
		return nil, err
	}
	for _, s := range e.Ops {
		s := s
		prev := f
		switch {
		case s.IsNull, s.IsNotNull:
			f = func(x *operator.Exec, r operator.Row) (value.Value, error) {
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
			f = func(x *operator.Exec, r operator.Row) (value.Value, error) {
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
				return operator.InList(v, list), nil
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
			f = func(x *operator.Exec, r operator.Row) (value.Value, error) {
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

func (c *compiler) add(e *syntax.AddExpr) (operator.Eval, error) {
	f, err := c.mul(e.Left)
	if err != nil {
		return nil, err
	}
	for _, o := range e.Ops {
		g, err := c.mul(o.Right)
		if err != nil {
			return nil, err
		}
		f = operator.Binary(o.Pos, o.Op, f, g)
	}
	return f, nil
}

func (c *compiler) mul(e *syntax.MulExpr) (operator.Eval, error) {
	f, err := c.pow(e.Left)
	if err != nil {
		return nil, err
	}
	for _, o := range e.Ops {
		g, err := c.pow(o.Right)
		if err != nil {
			return nil, err
		}
		f = operator.Binary(o.Pos, o.Op, f, g)
	}
	return f, nil
}

// pow is right-associative in maths but left-associative in Cypher.
func (c *compiler) pow(e *syntax.PowExpr) (operator.Eval, error) {
	f, err := c.unary(e.Left)
	if err != nil {
		return nil, err
	}
	for _, p := range e.Pow {
		g, err := c.unary(p)
		if err != nil {
			return nil, err
		}
		f = operator.Binary(p.Pos, "^", f, g)
	}
	return f, nil
}

func (c *compiler) unary(e *syntax.UnaryExpr) (operator.Eval, error) {
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
	return func(x *operator.Exec, r operator.Row) (value.Value, error) {
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

func (c *compiler) postfix(e *syntax.PostfixExpr) (operator.Eval, error) {
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
				x   *operator.Exec
				id  string
				val value.Value
			}
			f = func(x *operator.Exec, r operator.Row) (value.Value, error) {
				v, err := prev(x, r)
				if err != nil {
					return nil, err
				}
				n, isNode := v.(value.Node)
				if isNode && memo.x == x && memo.id == n.ID {
					return memo.val, nil
				}
				out, err := x.Property(v, key)
				if err == nil && isNode {
					memo.x, memo.id, memo.val = x, n.ID, out
				}
				return out, operator.ExprErr(s.Pos, err)
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
		f = func(x *operator.Exec, r operator.Row) (value.Value, error) {
			v, err := prev(x, r)
			if err != nil {
				return nil, err
			}
			a, b, err := operator.EvalOpt(x, r, from, to)
			if err != nil {
				return nil, err
			}
			out, err := operator.Subscript(v, a, b, slice)
			return out, operator.ExprErr(s.Pos, err)
		}
	}
	return f, nil
}

func (c *compiler) optExprErr(e *syntax.Expr) (operator.Eval, error) {
	if e == nil {
		return nil, nil
	}
	return c.expr(e)
}

func (c *compiler) atom(a *syntax.Atom) (operator.Eval, error) {
	constant := func(v value.Value) operator.Eval {
		return func(*operator.Exec, operator.Row) (value.Value, error) { return v, nil }
	}
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
		return func(x *operator.Exec, r operator.Row) (value.Value, error) {
			v, ok := x.Params[name]
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
		var items []operator.Eval
		for _, e := range a.List.Items {
			f, err := c.expr(e)
			if err != nil {
				return nil, err
			}
			items = append(items, f)
		}
		return func(x *operator.Exec, r operator.Row) (value.Value, error) {
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
	return func(x *operator.Exec, r operator.Row) (value.Value, error) { return r[slot], nil }, nil
}

func (c *compiler) mapLit(m *syntax.MapLit) (operator.Eval, error) {
	keys := make([]string, len(m.Entries))
	vals := make([]operator.Eval, len(m.Entries))
	for i, e := range m.Entries {
		f, err := c.expr(e.Value)
		if err != nil {
			return nil, err
		}
		keys[i], vals[i] = e.Key, f
	}
	return func(x *operator.Exec, r operator.Row) (value.Value, error) {
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
