package query

import (
	"strings"

	"claimgraph/query/operator"

	"github.com/alecthomas/participle/v2/lexer"

	"claimgraph/query/function"
	"claimgraph/query/syntax"
	"claimgraph/query/value"
)

func (c *compiler) call(call *syntax.Call) (operator.Eval, error) {
	name := strings.ToLower(call.Name)
	if function.IsAggregate(name) {
		if len(call.Args) != 1 {
			return nil, syntax.Errorf(call.Pos, "%s() takes one argument, got %d", call.Name, len(call.Args))
		}
		return c.aggregate(call.Pos, name, call.Distinct, call.Args[0])
	}
	f, ok := function.Lookup(name)
	if !ok {
		return nil, syntax.Errorf(call.Pos, "unknown function %s()%s", call.Name, suggest(name, function.Names()))
	}
	if call.Distinct {
		return nil, syntax.Errorf(call.Pos, "DISTINCT is only allowed in aggregate functions")
	}
	if !f.Accepts(len(call.Args)) {
		return nil, syntax.Errorf(call.Pos, "%s() takes %s, got %d", call.Name, f.Arity(), len(call.Args))
	}
	args := make([]operator.Eval, len(call.Args))
	for i, a := range call.Args {
		fn, err := c.expr(a)
		if err != nil {
			return nil, err
		}
		args[i] = fn
	}
	return func(x *operator.Exec, r operator.Row) (value.Value, error) {
		vals := make([]value.Value, len(args))
		for i, a := range args {
			v, err := a(x, r)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		v, err := f.Call(x, vals)
		return v, operator.ExprErr(call.Pos, err)
	}, nil
}

func (c *compiler) aggregate(pos lexer.Position, name string, distinct bool, arg *syntax.Expr) (operator.Eval, error) {
	if c.aggs == nil {
		return nil, syntax.Errorf(pos, "aggregate function %s() is only allowed in RETURN and WITH", name)
	}
	if c.inAgg {
		return nil, syntax.Errorf(pos, "aggregate functions cannot be nested")
	}
	spec := &operator.AggSpec{Name: name, Distinct: distinct, Slot: c.newSlot(), Pos: pos}
	if arg != nil {
		c.inAgg = true
		f, err := c.expr(arg)
		c.inAgg = false
		if err != nil {
			return nil, err
		}
		spec.Arg = f
		spec.ArgDeps = c.deps(arg)
	}
	*c.aggs = append(*c.aggs, spec)
	slot := spec.Slot
	return func(x *operator.Exec, r operator.Row) (value.Value, error) { return r[slot], nil }, nil
}
