package graph_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
	"claimgraph/graph/queryindex"
)

// TestDamagedIndex: a query index changed in place after a process
// verified it (and noted so beside it) is checked again and found
// damaged; the store warns, naming the file, reads the same quads through
// Cayley, and a store open for writing builds the index again.
func TestDamagedIndex(t *testing.T) {
	st, dir := tempStore(t)
	apply(t, st, readChanges(t, filepath.Join(root, "corpus"))...)
	if _, err := st.Index(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := dump(t, st, false)
	st.Close()
	index := filepath.Join(dir, graph.IndexFile)
	var warnings []string
	open := func(readOnly bool) *graph.Store {
		st, err := graph.Open(context.Background(), dir, graph.Options{ReadOnly: readOnly, Warn: func(m string) { warnings = append(warnings, m) }})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st = open(true)
	if !st.HasIndex() {
		t.Fatal("no index")
	}
	st.Close()
	if _, err := os.Stat(index + queryindex.VerifiedSuffix); err != nil {
		t.Fatalf("the verified index was not noted: %v", err)
	}
	f, err := os.OpenFile(index, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	fi, _ := f.Stat()
	f.ReadAt(b, fi.Size()/2)
	b[0] ^= 0x01
	f.WriteAt(b, fi.Size()/2)
	f.Close()

	st = open(true)
	if st.HasIndex() {
		t.Error("the damaged index was used")
	}
	if diff := cmp.Diff(want, dump(t, st, false)); diff != "" {
		t.Errorf("the quads read differently (-want +got):\n%s", diff)
	}
	st.Close()
	if len(warnings) != 1 || !strings.Contains(warnings[0], "query index "+index+": damaged: checksum") {
		t.Errorf("warnings %q", warnings)
	}
	st = open(false)
	defer st.Close()
	if built, err := st.Index(context.Background()); err != nil || !built || !st.HasIndex() {
		t.Errorf("the index was not built again: %v %v", built, err)
	}
}
