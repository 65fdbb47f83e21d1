package claim

import (
	"strings"

	"github.com/cayleygraph/quad"
)

// Change is one record to write, given either parsed (Record) or as the
// quads of one record read from N-Quads (Quads), or the id of a record to
// remove (Remove). Exactly one field is set.
type Change struct {
	Record *Record
	Quads  *QuadSet
	Remove string
}

// ID returns the id of the record the change is about.
func (c Change) ID() string {
	switch {
	case c.Record != nil:
		return c.Record.ID
	case c.Quads != nil:
		return c.Quads.ID
	}
	return c.Remove
}

// QuadSet is the facts of one record taken as they are: every quad is
// labelled with the record's node. Such records are not re-resolved.
type QuadSet struct {
	ID    string
	Quads []quad.Quad
}

// Facts returns the quads of the set, sorted and without duplicates, with
// a content hash of their own in place of any they held.
func (qs *QuadSet) Facts() []quad.Quad {
	var out []quad.Quad
	var text strings.Builder
	for _, q := range Normalise(append([]quad.Quad(nil), qs.Quads...)) {
		if q.Predicate == PredHash {
			continue
		}
		out = append(out, q)
		k := QuadKey(q)
		text.WriteString(strings.Join(k[:], "\x00") + "\n")
	}
	n := Node(qs.ID)
	out = append(out, quad.Quad{Subject: n, Predicate: PredHash, Object: quad.String(HashOf([]byte(text.String()))), Label: n})
	return Normalise(out)
}

// Hash returns the content hash of what the change writes, and "" for a
// removal.
func (c Change) Hash() string {
	switch {
	case c.Record != nil:
		return HashOf(c.Record.Canonical())
	case c.Quads != nil:
		for _, q := range c.Quads.Facts() {
			if q.Predicate == PredHash {
				return quad.NativeOf(q.Object).(string)
			}
		}
	}
	return ""
}

// Keys returns the names the record written answers to.
func (c Change) Keys() []Key {
	switch {
	case c.Record != nil:
		return c.Record.Keys()
	case c.Quads != nil:
		var out []Key
		for _, q := range c.Quads.Quads {
			if RankOf(q.Predicate) >= 0 {
				if s, ok := q.Object.(quad.String); ok {
					out = append(out, Key{Pred: q.Predicate.(quad.IRI), Key: string(s)})
				}
			}
		}
		return out
	}
	return nil
}

// RankOf returns the rank of a key predicate in KeyRanks, and -1 for
// any other predicate.
func RankOf(p quad.Value) int {
	for i, k := range KeyRanks {
		if p == k {
			return i
		}
	}
	return -1
}
