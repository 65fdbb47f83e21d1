package levelkv

import (
	"bytes"
	"math/rand/v2"
	"testing"

	hkv "github.com/hidal-go/hidalgo/kv"
	"github.com/hidal-go/hidalgo/kv/flat"
)

// The keys written and read here must be hidalgo's, byte for byte: Cayley
// reads the same store through hidalgo.
func TestKeysAsHidalgo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	part := func() []byte {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			// mostly the bytes hidalgo escapes, so that runs of them occur
			b[i] = []byte{'/', '\\', 'a', byte(rng.IntN(256))}[rng.IntN(4)]
		}
		return b
	}
	for range 10000 {
		bucket, key := part(), part()
		want := flat.KeyEscape(hkv.Key{bucket, key})
		got := AppendKey([]byte("junk")[:0], bucket, key)
		if !bytes.Equal(got, want) {
			t.Fatalf("AppendKey(%q, %q) = %q, hidalgo's key is %q", bucket, key, got, want)
		}
		prefix := Prefix(bucket)
		if !bytes.HasPrefix(got, prefix) {
			t.Fatalf("key %q does not start with Prefix(%q) = %q", got, bucket, prefix)
		}
		back, ok := AppendUnescaped(nil, got[len(prefix):])
		if !ok || !bytes.Equal(back, key) {
			t.Fatalf("AppendUnescaped(%q) = %q, %v; want %q, true", got[len(prefix):], back, ok, key)
		}
	}
	// A key of three parts is not a key of the bucket.
	three := flat.KeyEscape(hkv.Key{[]byte("log"), []byte("a/b"), []byte("c")})
	if _, ok := AppendUnescaped(nil, three[len(Prefix([]byte("log"))):]); ok {
		t.Errorf("AppendUnescaped took %q for a key of one part", three)
	}
}
