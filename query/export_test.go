package query

import (
	"claimgraph/graph"
	"claimgraph/query/operator"
	"claimgraph/query/syntax"
)

// ParsedTree returns the tree Prepare keeps for src, or nil.
func ParsedTree(src string) *syntax.Query {
	parsed.Lock()
	defer parsed.Unlock()
	return parsed.trees[src]
}

// Folding switches the folding of expansions into aggregations on or off,
// until the returned function restores it.
func Folding(on bool) (restore func()) {
	old := operator.Folding
	operator.Folding = on
	return func() { operator.Folding = old }
}

// SampledDegrees returns how many fan-outs the planner has sampled and
// keeps with the store's query index.
func SampledDegrees(st *graph.Store) int {
	return len(st.IndexMemo(degreesKey{}, func() any { return map[string]float64{} }).(map[string]float64))
}
