package queryindex

import (
	"bytes"
	"math/rand/v2"
	"testing"

	cproto "github.com/cayleygraph/cayley/graph/proto"
	"google.golang.org/protobuf/proto"
)

// TestDecodePrimitive decodes random log records, as Cayley's proto.Marshal
// writes them, and requires what proto.Unmarshal reads from them; and
// refuses damaged ones where proto.Unmarshal does.
func TestDecodePrimitive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	num := func() uint64 {
		switch rng.IntN(4) {
		case 0:
			return 0
		case 1:
			return rng.Uint64()
		}
		return uint64(rng.IntN(1 << 20))
	}
	for trial := 0; trial < 20000; trial++ {
		want := &cproto.Primitive{ID: num(), Subject: num(), Predicate: num(), Object: num(), Label: num(),
			Replaces: num(), Timestamp: int64(num()), Deleted: rng.IntN(2) == 0}
		if rng.IntN(2) == 0 {
			want.Value = make([]byte, rng.IntN(300))
			for i := range want.Value {
				want.Value[i] = byte(rng.Uint32())
			}
		}
		raw, err := proto.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if trial%3 == 0 && len(raw) > 0 {
			// damage: cut short, or a byte changed
			if rng.IntN(2) == 0 {
				raw = raw[:rng.IntN(len(raw))]
			} else {
				raw[rng.IntN(len(raw))] = byte(rng.Uint32())
			}
		}
		var ref cproto.Primitive
		refErr := proto.Unmarshal(raw, &ref)
		got, value, err := decodePrimitive(raw)
		if refErr != nil {
			if err == nil {
				t.Fatalf("record %x: proto.Unmarshal fails (%v), decodePrimitive does not", raw, refErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("record %x: %v; proto.Unmarshal reads %v", raw, err, &ref)
		}
		if got.id != ref.ID || got.dirs != [4]uint64{ref.Subject, ref.Predicate, ref.Object, ref.Label} ||
			got.deleted != ref.Deleted || !bytes.Equal(value, ref.Value) {
			t.Fatalf("record %x: decoded %+v value %x, proto.Unmarshal reads %v", raw, got, value, &ref)
		}
	}
}
