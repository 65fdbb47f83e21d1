package queryindex

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cayleygraph/quad"
)

// TestPermutation: the counting sorts put quads in the same order as
// sorting them by comparison, for quads with many shared values, labels
// 0 (none) among them, and for none and one quad.
func TestPermutation(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 50, 5000, 60000} {
		for _, values := range []uint32{2, 30, 100000} {
			seen := map[[4]uint32]bool{}
			var quads [][4]uint32
			for len(quads) < n && len(seen) < int(values*values*values) {
				q := [4]uint32{1 + rng.Uint32N(values), 1 + rng.Uint32N(values), 1 + rng.Uint32N(values), rng.Uint32N(values)}
				if !seen[q] {
					seen[q] = true
					quads = append(quads, q)
				}
			}
			slices.SortFunc(quads, byOrder(orderSPO))
			for _, o := range [][4]quad.Direction{orderOPS, orderLS} {
				got := permutation(quads, o)
				want := make([][4]uint32, len(quads))
				copy(want, quads)
				slices.SortFunc(want, byOrder(o))
				if len(got) != len(quads) {
					t.Fatalf("%d quads: permutation of %d", len(quads), len(got))
				}
				for i, j := range got {
					if quads[j] != want[i] {
						t.Fatalf("%d quads of %d values, order %v: position %d is %v, want %v", len(quads), values, o, i, quads[j], want[i])
					}
				}
			}
		}
	}
}
