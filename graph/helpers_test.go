package graph_test

import (
	"context"
	"path/filepath"
	"testing"

	"claimgraph/graph"
	"claimgraph/graph/graphtest"
)

// root is the repository's testdata directory.
const root = "../testdata"

// What the store's tests share, under the names they use.
var (
	readChanges  = graphtest.ReadChanges
	parseText    = graphtest.ParseText
	apply        = graphtest.Apply
	dump         = graphtest.Dump
	newStore     = graphtest.NewStore
	verify       = graphtest.Verify
	randomBatch  = graphtest.RandomBatch
	randomRecord = graphtest.RandomRecord
)

func openDisk(t testing.TB, dir string) *graph.Store {
	t.Helper()
	st, err := graph.Open(context.Background(), dir, graph.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// persistent are the kinds of store the store tests run on.
var persistent = []string{graph.DefaultBackend, "postgres"}

func tempStore(t testing.TB) (*graph.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "kb.db")
	st := openDisk(t, dir)
	t.Cleanup(func() { st.Close() })
	return st, dir
}
