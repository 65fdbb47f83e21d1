package kvstore_test

import "claimgraph/graph/graphtest"

// root is the repository's testdata directory.
const root = "../../testdata"

// What the store's tests share, under the names they use.
var (
	readChanges = graphtest.ReadChanges
	parseText   = graphtest.ParseText
	apply       = graphtest.Apply
	dump        = graphtest.Dump
	newStore    = graphtest.NewStore
	verify      = graphtest.Verify
	randomBatch = graphtest.RandomBatch
)
