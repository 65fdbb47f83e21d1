package queryindex

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	cproto "github.com/cayleygraph/cayley/graph/proto"
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
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

// TestDecodeValue decodes random values, as Cayley encodes them, and
// random bytes, and requires what pquads.UnmarshalValue reads from them,
// or an error where it fails (or panics).
func TestDecodeValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	text := func() string {
		b := make([]byte, []int{0, 1, 5, 127, 128, 300, 20000}[rng.IntN(7)])
		const alphabet = "abc é\x00\xff" // bytes of UTF-8 and not
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	value := func() quad.Value {
		switch rng.IntN(9) {
		case 0:
			return quad.IRI(text())
		case 1:
			return quad.String(text())
		case 2:
			return quad.Int(int64(rng.Uint64()))
		case 3:
			return quad.Int(int64(rng.IntN(300)) - 150)
		case 4:
			return quad.Float([]float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(-1), 0.5, rng.NormFloat64(), math.SmallestNonzeroFloat64}[rng.IntN(7)])
		case 5:
			return quad.Bool(rng.IntN(2) == 0)
		case 6:
			return quad.TypedString{Value: quad.String(text()), Type: quad.IRI(text())}
		case 7:
			return quad.LangString{Value: quad.String(text()), Lang: text()}
		}
		return quad.BNode(text())
	}
	for trial := 0; trial < 50000; trial++ {
		var raw []byte
		switch {
		case trial%4 == 3: // bytes of any kind
			raw = make([]byte, rng.IntN(12))
			for i := range raw {
				raw[i] = []byte{0x12, 0x1a, 0x41, 0x38, 0x48, 0x80, 0x01, 0, 0xff}[rng.IntN(9)]
			}
		default:
			var err error
			if raw, err = pquads.MarshalValue(value()); err != nil {
				continue // not valid UTF-8: Cayley cannot store it either
			}
			if trial%4 == 2 && len(raw) > 0 { // damaged
				if rng.IntN(2) == 0 {
					raw = raw[:rng.IntN(len(raw))]
				} else {
					raw[rng.IntN(len(raw))] = byte(rng.Uint32())
				}
			}
		}
		want, wantErr := unmarshalValue(raw) // pquads.UnmarshalValue, or its panic as an error
		got, err := decodeValue(raw)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("value %x: decodeValue error %v, pquads.UnmarshalValue error %v", raw, err, wantErr)
		}
		if err == nil && !sameValue(got, want) {
			t.Fatalf("value %x: decodeValue gives %#v, pquads.UnmarshalValue %#v", raw, got, want)
		}
	}
}

func sameValue(a, b quad.Value) bool {
	if fa, ok := a.(quad.Float); ok {
		fb, ok := b.(quad.Float)
		return ok && math.Float64bits(float64(fa)) == math.Float64bits(float64(fb))
	}
	return a == b
}
