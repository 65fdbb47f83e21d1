package claim

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxSlug bounds derived ids; longer slugs keep a prefix and a hash.
const maxSlug = 64

// Slug folds a name to lower-case ASCII letters, digits and single
// underscores: accents are removed ("Sébastien" → "sebastien") and every
// other run of characters becomes "_". Names that fold to the same slug
// are the same name for resolution, which makes matching case- and
// accent-insensitive.
func Slug(s string) string {
	var b strings.Builder
	under := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			under = false
		case r >= 'A' && r <= 'Z':
			b.WriteRune(unicode.ToLower(r))
			under = false
		default:
			if !under && b.Len() > 0 {
				b.WriteByte('_')
				under = true
			}
		}
	}
	out := strings.TrimSuffix(b.String(), "_")
	if len(out) > maxSlug {
		h := sha256.Sum256([]byte(out))
		out = strings.TrimSuffix(out[:maxSlug-9], "_") + "_" + hex.EncodeToString(h[:4])
	}
	return out
}

// derivedID returns the id of a node that no record describes: prefix plus
// the slug of its name, unless the name already is such an id.
func derivedID(prefix, name string) string {
	s := Slug(name)
	if strings.HasPrefix(s, prefix) && ValidID(s) {
		return s
	}
	if s == "" {
		s = "unnamed"
	}
	return prefix + s
}

// TopicID returns the id of the topic with the given name.
func TopicID(name string) string { return derivedID("top_", name) }
