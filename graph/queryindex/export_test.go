package queryindex

// SparseIDs makes Build take its path for stores whose ids are sparse,
// until the returned function restores the default.
func SparseIDs() (restore func()) {
	sparseIDs = true
	return func() { sparseIDs = false }
}

// ArenaChunks makes Build keep values in chunks of n bytes, until the
// returned function restores the default.
func ArenaChunks(n int) (restore func()) {
	old := arenaChunk
	arenaChunk = n
	return func() { arenaChunk = old }
}

// BuildParts makes Build read n log records per part, until the returned
// function restores the default.
func BuildParts(n uint64) (restore func()) {
	old := buildPart
	buildPart = n
	return func() { buildPart = old }
}

// SplitLogFrom makes Build read the log in two halves from n records on,
// until the returned function restores the default.
func SplitLogFrom(n uint64) (restore func()) {
	old := splitFrom
	splitFrom = n
	return func() { splitFrom = old }
}
