package query

// CachedRels bounds the relationship caches at n entries, until the
// returned function restores the default.
func CachedRels(n int) (restore func()) {
	old := maxCachedRels
	maxCachedRels = n
	return func() { maxCachedRels = old }
}
