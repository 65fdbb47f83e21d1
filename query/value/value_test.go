package value

import (
	"strconv"
	"testing"
)

// TestKeyOfStrings: the fast path for plain strings writes exactly what
// strconv.Quote would, so grouping keys and the order of maps are as
// before.
func TestKeyOfStrings(t *testing.T) {
	for _, s := range []string{"", "plain", "Sébastien Bubeck", `say "no"`, `back\slash`, "tab\there", "line\nbreak", "\x7f", "\x00", "emoji 😀", "\xff"} {
		if got, want := KeyOf(s), "s"+strconv.Quote(s); got != want {
			t.Errorf("keyOf(%q) = %s, want %s", s, got, want)
		}
	}
	if got, want := KeyOf([]Value{"a,b", "c"}), KeyOf([]Value{"a", "b,c"}); got == want {
		t.Errorf("keys of different lists collide: %s", got)
	}
}
