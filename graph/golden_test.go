package graph_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestSeedGolden pins every quad the seed produces, bookkeeping included,
// on the on-disk store and on the memory store.
func TestSeedGolden(t *testing.T) {
	seed := readChanges(t, filepath.Join(root, "000_7e1f6717d204dd7e.txt"))
	disk, _ := tempStore(t)
	apply(t, disk, seed...)
	mem := graph.OpenMemory()
	apply(t, mem, seed...)
	got := strings.Join(dump(t, disk, false), "\n") + "\n"
	if diff := cmp.Diff(got, strings.Join(dump(t, mem, false), "\n")+"\n"); diff != "" {
		t.Fatalf("disk and memory stores differ (-disk +mem):\n%s", diff)
	}
	golden := filepath.Join("testdata", "seed.nq")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("seed quads differ from %s (-want +got):\n%s", golden, diff)
	}
}
