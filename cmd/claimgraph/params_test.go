package main

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgraph/query/value"
)

// TestParamValues: --param VALUE has the JSON type of what it spells, and
// anything that is not JSON is a string — NaN and Infinity too, which
// JSON does not have; a JSON number no float holds is an error.
func TestParamValues(t *testing.T) {
	for in, want := range map[string]value.Value{
		"42": int64(42), "-7": int64(-7), "0.5": 0.5, "1e3": 1000.0, "9223372036854775808": 9.223372036854775808e18,
		"true": true, "null": nil, `[1, "a", [2.5]]`: []value.Value{int64(1), "a", []value.Value{2.5}},
		`{"k": 1}`: map[string]value.Value{"k": int64(1)},
		"NaN":      "NaN", "nan": "nan", "Infinity": "Infinity", "-Infinity": "-Infinity", "+Inf": "+Inf",
		"hello": "hello", `"quoted"`: `"quoted"`, "": "",
	} {
		got, err := parseParams([]string{"x=" + in})
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if f, ok := got["x"].(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			t.Errorf("%q is the float %v", in, f)
		}
		if diff := cmp.Diff(want, got["x"]); diff != "" {
			t.Errorf("%q (-want +got):\n%s", in, diff)
		}
	}
	for _, in := range []string{"1e400", "-1e400", "[1, 1e999]", `{"k": 1e400}`} {
		if _, err := parseParams([]string{"x=" + in}); err == nil || !strings.Contains(err.Error(), "--param x: the number") {
			t.Errorf("%q: error %v, want the number out of range", in, err)
		}
	}
}
