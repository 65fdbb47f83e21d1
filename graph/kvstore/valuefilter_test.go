package kvstore

import (
	"fmt"
	"testing"

	"github.com/cayleygraph/cayley/graph/refs"
	"github.com/cayleygraph/quad"
)

// The filter holds every value added, through several levels, and few
// others.
func TestValueFilterLevels(t *testing.T) {
	var f valueFilter
	const added, others = 5 * bloomFirstCapacity, 200000
	hash := func(i int) refs.ValueHash { return refs.HashOf(quad.String(fmt.Sprint("value ", i))) }
	for i := range added {
		h := hash(i)
		f.add(&h)
	}
	if len(f.levels) != 3 { // 1, 2 and 4 times the first capacity
		t.Fatalf("%d levels for %d values", len(f.levels), added)
	}
	for i := range added {
		if h := hash(i); !f.mayHold(&h) {
			t.Fatalf("value %d added, not held", i)
		}
	}
	held := 0
	for i := added; i < added+others; i++ {
		if h := hash(i); f.mayHold(&h) {
			held++
		}
	}
	// Each level is at most full, at 10 bits a value: about 1% each.
	if rate := float64(held) / others; rate > 0.04 {
		t.Fatalf("%.1f%% of values never added are held", 100*rate)
	}
	t.Logf("%.2f%% of values never added held", 100*float64(held)/others)
}
