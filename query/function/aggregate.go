package function

import (
	"fmt"

	"claimgraph/query/value"
)

// aggregates are the functions that fold many rows into one value.
var aggregates = map[string]bool{"count": true, "sum": true, "avg": true, "min": true, "max": true, "collect": true}

// IsAggregate reports whether a function, named in lower case, folds many
// rows into one value.
func IsAggregate(name string) bool { return aggregates[name] }

// Aggregation folds the values of one aggregate within one group. Name is
// the aggregate's name in lower case; Star is count(*), which counts nulls
// too; Distinct folds each distinct value once. The zero value with those
// set is ready to use.
type Aggregation struct {
	Name     string
	Distinct bool
	Star     bool

	seen  map[string]bool
	count int64
	sumI  int64
	sumF  float64
	float bool
	best  value.Value
	list  []value.Value
	// Held counts the bytes of the values the aggregation keeps: the
	// list collect builds, and the keys DISTINCT remembers.
	Held int64
}

// Add folds one value in. Its error carries no position.
func (a *Aggregation) Add(v value.Value) error {
	if !a.Star && v == nil {
		return nil
	}
	if a.Distinct {
		k := value.KeyOf(v)
		if a.seen == nil {
			a.seen = map[string]bool{}
		}
		if a.seen[k] {
			return nil
		}
		a.seen[k] = true
		a.Held += 48 + int64(len(k))
	}
	a.count++
	switch a.Name {
	case "sum", "avg":
		switch n := v.(type) {
		case int64:
			a.sumI += n
			a.sumF += float64(n)
		case float64:
			a.float = true
			a.sumF += n
		default:
			return fmt.Errorf("%s() expects numbers, got %s", a.Name, value.TypeName(v))
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
		a.Held += value.Size(v) + 24 // and its slot, with the list's room to grow
	}
	return nil
}

// AddFolded adds n numbers at once, as Add would add them one by one:
// sumI their sum as integers, sums the float64 of each, float whether any
// was a float. The executor's folded expansions tally numbers so.
func (a *Aggregation) AddFolded(n, sumI int64, float bool, sums []float64) {
	a.count += n
	a.sumI += sumI
	if float {
		a.float = true
	}
	for _, v := range sums {
		a.sumF += v
	}
}

// Result is the aggregate's value over what was added.
func (a *Aggregation) Result() value.Value {
	switch a.Name {
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
