package queryindex

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// The least and the greatest log key of a range of ids bound leveldb's
// scan of the log: no id in the range may have a key outside them.
func TestEscapedKeyBounds(t *testing.T) {
	// Every id below 2^16: the greatest key among the ids up to u and
	// the least among those from u on, found by walking the ids.
	const n = 1 << 16
	keys := make([][]byte, n)
	for id := range keys {
		keys[id] = logKey(uint64(id))
	}
	greatest, least := make([]uint64, n), make([]uint64, n)
	for id := range n {
		greatest[id] = uint64(id)
		if id > 0 && bytes.Compare(keys[greatest[id-1]], keys[id]) > 0 {
			greatest[id] = greatest[id-1]
		}
	}
	for id := n - 1; id >= 0; id-- {
		least[id] = uint64(id)
		if id < n-1 && bytes.Compare(keys[least[id+1]], keys[id]) < 0 {
			least[id] = least[id+1]
		}
	}
	for u := range uint64(n) {
		if g := greatestKeyUpTo(u); g != greatest[u] {
			t.Fatalf("greatestKeyUpTo(%#x) = %#x, want %#x", u, g, greatest[u])
		}
	}
	// leastKeyFrom looks at every id from l on, not only those below
	// 2^16; below 2^16 its answer must be the walk's, or an id whose key
	// is no greater.
	for l := range uint64(n) {
		got := leastKeyFrom(l)
		if got < l || got < n && got != least[l] || bytes.Compare(logKey(got), keys[least[l]]) > 0 {
			t.Fatalf("leastKeyFrom(%#x) = %#x, want %#x", l, got, least[l])
		}
	}
	// Any width: the bound is in the range, and no id in it sorts past
	// it (ids near the bound, and random ones).
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		u := rng.Uint64() >> rng.IntN(64)
		g, l := greatestKeyUpTo(u), leastKeyFrom(u)
		if g > u || l < u {
			t.Fatalf("bounds of %#x: %#x, %#x outside the range", u, g, l)
		}
		gk, lk := logKey(g), logKey(l)
		for range 200 {
			x := u - min(u, rng.Uint64()>>rng.IntN(64))
			if bytes.Compare(logKey(x), gk) > 0 {
				t.Fatalf("id %#x <= %#x sorts after greatestKeyUpTo = %#x", x, u, g)
			}
			y := u + min(^u, rng.Uint64()>>rng.IntN(64))
			if bytes.Compare(logKey(y), lk) < 0 {
				t.Fatalf("id %#x >= %#x sorts before leastKeyFrom = %#x", y, u, l)
			}
		}
	}
}
