//go:build !linux

package boltmap

// dontNeed does nothing where madvise is not at hand: the pages stay
// mapped until the store is closed.
func dontNeed(addr uintptr, size int64) {}
