package claim

import (
	"reflect"

	"github.com/cayleygraph/quad"
)

// Counts is a store's vocabulary with sizes: label quads per label,
// relationships per type and values per property key. The planner uses
// them to pick where a pattern starts, and the checker to suggest names.
type Counts struct {
	Labels        map[string]int `json:"labels"`
	Relationships map[string]int `json:"relationships"`
	Properties    map[string]int `json:"properties"`
	// Dirty marks saved counts whose write may not have finished: they
	// are saved so before a write and clean after it, and dirty counts
	// are recounted rather than trusted.
	Dirty bool `json:"dirty,omitempty"`
}

// NewCounts returns empty counts.
func NewCounts() *Counts {
	return &Counts{Labels: map[string]int{}, Relationships: map[string]int{}, Properties: map[string]int{}}
}

// Add counts n more (or fewer, for n < 0) of what q states.
func (c *Counts) Add(q quad.Quad, n int) {
	switch {
	case q.Predicate == PredType:
		if l, ok := IDOf(q.Object); ok {
			c.Labels[l] += n
		}
	default:
		if t, ok := RelType(q.Predicate); ok {
			c.Relationships[t] += n
		} else if k, ok := PropKey(q.Predicate); ok {
			c.Properties[k] += n
		}
	}
}

// Same compares counts, ignoring names counted 0 (which it deletes).
func (c *Counts) Same(o *Counts) bool {
	for _, pair := range [][2]map[string]int{{c.Labels, o.Labels}, {c.Relationships, o.Relationships}, {c.Properties, o.Properties}} {
		for _, m := range pair {
			for k, n := range m {
				if n == 0 {
					delete(m, k)
				}
			}
		}
		if !reflect.DeepEqual(pair[0], pair[1]) {
			return false
		}
	}
	return c.Dirty == o.Dirty
}

// Stats counts what a store holds. Labels and Relationships count nodes per
// label and relationships per type of the property graph; Quads counts
// every stored quad, bookkeeping included.
type Stats struct {
	Records       int            `json:"records"`
	Quads         int            `json:"quads"`
	Labels        map[string]int `json:"labels"`
	Relationships map[string]int `json:"relationships"`
}
