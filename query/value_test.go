package query

import (
	"testing"

	"claimgraph/query/value"
)

// TestNodeRefIsAHint: a node found with its index number and the same node
// found without it are the same value to every comparison.
func TestNodeRefIsAHint(t *testing.T) {
	a, b := value.Node{ID: "per_x", Ref: 42}, value.Node{ID: "per_x"}
	if value.Equal(a, b) != true || value.OrderCompare(a, b) != 0 || value.KeyOf(a) != value.KeyOf(b) {
		t.Errorf("%v and %v differ: equal %v, order %d", a, b, value.Equal(a, b), value.OrderCompare(a, b))
	}
	rel := value.Rel{Type: "AUTHORED_BY", Start: "src_y", End: "per_x"}
	pa := value.Path{Nodes: []value.Node{{ID: "src_y", Ref: 3}, a}, Rels: []value.Rel{rel}}
	pb := value.Path{Nodes: []value.Node{{ID: "src_y"}, b}, Rels: []value.Rel{rel}}
	if value.Equal(pa, pb) != true || value.OrderCompare(pa, pb) != 0 || value.KeyOf(pa) != value.KeyOf(pb) {
		t.Errorf("paths through the same nodes differ: equal %v, order %d", value.Equal(pa, pb), value.OrderCompare(pa, pb))
	}
	if value.OrderCompare(pa, value.Path{Nodes: []value.Node{{ID: "src_z"}, b}, Rels: []value.Rel{rel}}) >= 0 {
		t.Error("paths are not ordered by their nodes' ids")
	}
}

// TestPlanRunsOnce: a plan's stages hold its run's state (the rows a sort
// collected, an aggregate's groups), so a second run is refused rather
// than answered from the first run's leftovers.
func TestPlanRunsOnce(t *testing.T) {
	st := loadStore(t, "memory", "testdata/kb.txt")
	p, err := Prepare(t.Context(), st, `MATCH (n) RETURN labels(n)[0] AS l, count(*) AS c ORDER BY c DESC, l`)
	if err != nil {
		t.Fatal(err)
	}
	var first int
	if err := p.Run(t.Context(), st, Options{}, func([]value.Value) error { first++; return nil }); err != nil || first == 0 {
		t.Fatalf("first run: %d rows, %v", first, err)
	}
	if err := p.Run(t.Context(), st, Options{}, func([]value.Value) error { return nil }); err != errRanTwice {
		t.Fatalf("second run of one plan: %v, want %v", err, errRanTwice)
	}
	if _, err := p.Subgraph(t.Context(), st, Options{}, 0); err != errRanTwice {
		t.Fatalf("subgraph of a plan already run: %v, want %v", err, errRanTwice)
	}
}
