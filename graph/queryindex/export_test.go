package queryindex

// SparseIDs makes Build take its path for stores whose ids are sparse,
// until the returned function restores the default.
func SparseIDs() (restore func()) {
	sparseIDs = true
	return func() { sparseIDs = false }
}
