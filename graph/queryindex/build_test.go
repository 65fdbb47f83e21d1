package queryindex_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/graph/queryindex"
	"claimgraph/loader"
)

// TestBuildSparseIDs: the index built through the map that numbers values
// of stores with sparse ids is byte for byte the one built through the
// table, on the seed and the corpus, and readable; so is the one built
// with values in small arena chunks, and the one built in parts.
func TestBuildSparseIDs(t *testing.T) {
	for _, backend := range []string{"bbolt", "leveldb"} {
		t.Run(backend, func(t *testing.T) { testBuild(t, backend) })
	}
}

func testBuild(t *testing.T, backend string) {
	root := filepath.Join("..", "..", "testdata")
	changes, err := loader.ReadFiles(filepath.Join(root, "000_7e1f6717d204dd7e.txt"), filepath.Join(root, "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "kb.db")
	st, err := graph.Open(t.Context(), dir, graph.Options{Backend: backend})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { st.Close() }()
	if _, err := st.Apply(t.Context(), changes); err != nil {
		t.Fatal(err)
	}
	// Records removed and replaced leave dead quads and gaps in the log.
	edits := []claim.Change{{Remove: changes[0].ID()}, {Remove: changes[5].ID()}}
	for _, c := range changes[10:14] {
		c.Record.Title += " (revised)"
		edits = append(edits, c)
	}
	if res, err := st.Apply(t.Context(), edits); err != nil {
		t.Fatal(err)
	} else if res.Deleted == 0 || res.Added == 0 {
		t.Fatalf("the edits deleted %d quads and added %d", res.Deleted, res.Added)
	}
	build := func() []byte {
		t.Helper()
		if built, err := st.Index(t.Context()); err != nil || !built {
			t.Fatalf("Index: built %v, %v", built, err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.index"))
		if len(files) != 1 {
			t.Fatalf("index files after Index: %v", files)
		}
		data, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		if err := os.Remove(files[0]); err != nil {
			t.Fatal(err)
		}
		if st, err = graph.Open(t.Context(), dir, graph.Options{}); err != nil {
			t.Fatal(err)
		}
		return data
	}
	dense := build()
	restore := queryindex.SparseIDs()
	sparse := build()
	restore()
	if len(dense) < 1000 || !bytes.Equal(dense, sparse) {
		t.Fatalf("the index built with a map (%d bytes) differs from the one built with a table (%d bytes)", len(sparse), len(dense))
	}
	// Values kept in many small chunks of the build's arena (some values
	// larger than a chunk) make the same index.
	restore = queryindex.ArenaChunks(100)
	chunked := build()
	restore()
	if !bytes.Equal(dense, chunked) {
		t.Fatalf("the index built with values in 100-byte chunks (%d bytes) differs from the one built with 16 MiB chunks (%d bytes)", len(chunked), len(dense))
	}
	// Built in parts of a few log records (merged as Update merges), or
	// in parts of many: the same index.
	for _, n := range []uint64{3, 500} {
		restore = queryindex.BuildParts(n)
		parts := build()
		restore()
		if !bytes.Equal(dense, parts) {
			t.Fatalf("the index built in parts of %d log records (%d bytes) differs from the one built at once (%d bytes)", n, len(parts), len(dense))
		}
	}
	// The log read whole, or in two halves at once however small, whole
	// or in parts: the same index.
	restore = queryindex.SplitLogFrom(1 << 62)
	whole := build()
	restore()
	if !bytes.Equal(dense, whole) {
		t.Fatalf("the index built from the log read whole (%d bytes) differs from the one built by default (%d bytes)", len(whole), len(dense))
	}
	for _, n := range []uint64{0, 500} {
		restore = queryindex.SplitLogFrom(1)
		restoreParts := func() {}
		if n > 0 {
			restoreParts = queryindex.BuildParts(n)
		}
		halves := build()
		restore()
		restoreParts()
		if !bytes.Equal(whole, halves) {
			t.Fatalf("the index built from the log read in halves, in parts of %d records (0: at once) (%d bytes) differs from the one read whole (%d bytes)", n, len(halves), len(whole))
		}
	}
}
