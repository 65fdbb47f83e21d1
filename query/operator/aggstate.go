package operator

import (
	"github.com/alecthomas/participle/v2/lexer"

	"claimgraph/query/function"
	"claimgraph/query/syntax"
	"claimgraph/query/value"
)

// aggState folds the values of one aggregate within one group, with the
// aggregate's position on its errors.
type aggState struct {
	spec *AggSpec
	function.Aggregation
}

func newAggState(spec *AggSpec) *aggState {
	return &aggState{spec: spec, Aggregation: function.Aggregation{Name: spec.Name, Distinct: spec.Distinct, Star: spec.Arg == nil}}
}

func (a *aggState) add(x *Exec, v value.Value) error {
	held := a.Held
	if err := a.Add(v); err != nil {
		return syntax.Errorf(a.spec.Pos, "%v", err)
	}
	if a.Held != held {
		return x.Hold(a.Held - held)
	}
	return nil
}

// addFolded adds the values of one aggregate that a tally folded (see
// folded), as add would add them one by one.
func (a *aggState) addFolded(f *folded, nums []float64) {
	a.AddFolded(f.n, f.sumI, f.float, nums[f.lo:f.hi])
}

func (a *aggState) result() value.Value { return a.Result() }

// AggSpec is one aggregate of a projection; its result lands in slot.
type AggSpec struct {
	Name     string
	Distinct bool
	Arg      Eval  // nil for count(*)
	ArgDeps  []int // slots arg reads
	Slot     int
	Pos      lexer.Position
}
