package kvstore

import (
	"encoding/binary"

	"github.com/cayleygraph/cayley/graph/refs"
)

// valueFilter holds the hashes of the values written to a store that had
// none when it began: a value the filter does not hold is not stored, and
// need not be looked up. A load into a new store so reads only for the
// values it has written before (a sixth of a batch's at 10k sources):
// asking leveldb for an absent key searches every table that may hold
// it, and those lookups were a tenth of a load.
//
// It is a Bloom filter, so it may hold a value that is not stored (then
// the value is looked up), never the other way round. It stays true only
// while every value the store is given passes through it: horizon is the
// store's horizon after the last write the filter saw, and a write that
// finds another horizon (a value given by another writer, say) drops it.
// A filter of some 10 bits a value: 2.7 MiB for a 100k-source store.
type valueFilter struct {
	horizon uint64
	levels  []bloomLevel // each twice the last's capacity
}

// bloomLevel is a blocked Bloom filter: a value sets bloomProbes bits of
// one 512-bit block, a cache line, chosen by its hash.
type bloomLevel struct {
	blocks   [][8]uint64
	held     int
	capacity int
}

const (
	bloomFirstCapacity = 1 << 16
	bloomBitsPerValue  = 10
	bloomProbes        = 7
)

func (f *valueFilter) add(h *refs.ValueHash) {
	n := len(f.levels)
	if n == 0 || f.levels[n-1].held == f.levels[n-1].capacity {
		c := bloomFirstCapacity
		if n > 0 {
			c = 2 * f.levels[n-1].capacity
		}
		f.levels = append(f.levels, bloomLevel{blocks: make([][8]uint64, c*bloomBitsPerValue/512+1), capacity: c})
		n++
	}
	l := &f.levels[n-1]
	block, a, b := bloomBits(h, len(l.blocks))
	for i := range uint64(bloomProbes) {
		bit := (a + i*b) % 512
		l.blocks[block][bit/64] |= 1 << (bit % 64)
	}
	l.held++
}

// mayHold tells whether the value of hash h may have been added.
func (f *valueFilter) mayHold(h *refs.ValueHash) bool {
	for li := range f.levels {
		l := &f.levels[li]
		block, a, b := bloomBits(h, len(l.blocks))
		all := true
		for i := range uint64(bloomProbes) {
			bit := (a + i*b) % 512
			if l.blocks[block][bit/64]&(1<<(bit%64)) == 0 {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// bloomBits chooses a hash's block among n and the two numbers its bits
// follow from (a hash is a SHA-1 sum, its bytes as good as random).
func bloomBits(h *refs.ValueHash, n int) (block int, a, b uint64) {
	block = int(binary.LittleEndian.Uint64(h[0:8]) % uint64(n))
	return block, binary.LittleEndian.Uint64(h[8:16]), uint64(binary.LittleEndian.Uint32(h[16:20])) | 1
}
