package claim

import (
	"strconv"
	"strings"

	"github.com/cayleygraph/quad"
)

const xsd = "http://www.w3.org/2001/XMLSchema#"

// FormatQuad writes a quad as one N-Quads statement, without the newline.
// Unlike Cayley's writer it spells datatypes as full IRIs and escapes every
// character N-Quads requires, so rapper and other RDF tools accept it.
func FormatQuad(q quad.Quad) string {
	var b strings.Builder
	for i, v := range []quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
		if v == nil {
			continue
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(FormatTerm(v))
	}
	b.WriteString(" .")
	return b.String()
}

// FormatTerm writes one value as an N-Quads term.
func FormatTerm(v quad.Value) string {
	switch v := v.(type) {
	case quad.IRI:
		return "<" + escapeIRI(string(v)) + ">"
	case quad.BNode:
		return "_:" + string(v)
	case quad.String:
		return literal(string(v))
	case quad.LangString:
		return literal(string(v.Value)) + "@" + v.Lang
	case quad.TypedString:
		return literal(string(v.Value)) + "^^<" + escapeIRI(string(v.Type)) + ">"
	case quad.Float:
		return literal(strconv.FormatFloat(float64(v), 'g', -1, 64)) + "^^<" + xsd + "double>"
	case quad.Int:
		return literal(strconv.FormatInt(int64(v), 10)) + "^^<" + xsd + "integer>"
	case quad.Bool:
		return literal(strconv.FormatBool(bool(v))) + "^^<" + xsd + "boolean>"
	}
	ts := v.(quad.TypedStringer).TypedString()
	return literal(string(ts.Value)) + "^^<" + escapeIRI(string(ts.Type)) + ">"
}

func literal(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				b.WriteString(`\u` + strconv.FormatInt(int64(r)|0x10000, 16)[1:])
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func escapeIRI(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r <= ' ' || strings.ContainsRune("<>\"{}|^`\\", r) {
			b.WriteString(`\u` + strconv.FormatInt(int64(r)|0x10000, 16)[1:])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
