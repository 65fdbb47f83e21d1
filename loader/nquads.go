package loader

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cayleygraph/quad"

	"claimgraph/graph/claim"
)

// QuadReader reads N-Quads (or N-Triples) with claimgraph's vocabulary. The
// quads of a record are those whose graph label is the record's node
// "<cg:ID>"; an N-Triples file is one record whose id is "nt_" plus the
// slug of the file's base name. The reader is strict where Cayley's own is
// not: it validates escapes and UTF-8, bounds line length, and reports
// line and column. A bad line fails the record named by its label.
type QuadReader struct {
	file    string
	triples bool
	lr      *lineReader
	groups  []*quadGroup
	loaded  bool
	errs    []*Error
}

type quadGroup struct {
	pos Pos
	set claim.QuadSet
	err *Error
}

var _ Reader = (*QuadReader)(nil)

// NewQuadReader reads N-Quads from r; triples selects N-Triples.
func NewQuadReader(file string, r io.Reader, triples bool) *QuadReader {
	return &QuadReader{file: file, triples: triples, lr: newLineReader(file, r)}
}

// SetLimits changes the line limit; call it before Next.
func (qr *QuadReader) SetLimits(l Limits) { qr.lr.maxLine = l.line() }

// Next returns the next record. Records come in the order of their first
// quad; the input is read whole before the first one is returned.
func (qr *QuadReader) Next() (Item, error) {
	if !qr.loaded {
		if err := qr.readAll(); err != nil {
			return Item{}, err
		}
		qr.loaded = true
	}
	if len(qr.errs) > 0 {
		e := qr.errs[0]
		qr.errs = qr.errs[1:]
		return Item{Pos: e.Pos}, e
	}
	if len(qr.groups) == 0 {
		return Item{}, io.EOF
	}
	g := qr.groups[0]
	qr.groups = qr.groups[1:]
	if g.err != nil {
		return Item{Pos: g.pos}, g.err
	}
	set := g.set
	return Item{Pos: g.pos, Change: claim.Change{Quads: &set}}, nil
}

func (qr *QuadReader) readAll() error {
	byLabel := map[string]*quadGroup{}
	group := func(id string, p Pos) *quadGroup {
		g, ok := byLabel[id]
		if !ok {
			g = &quadGroup{pos: p, set: claim.QuadSet{ID: id}}
			byLabel[id] = g
			qr.groups = append(qr.groups, g)
		}
		return g
	}
	ntID := "nt_" + claim.Slug(strings.TrimSuffix(filepath.Base(qr.file), filepath.Ext(qr.file)))
	for {
		l, err := qr.lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		p := Pos{File: qr.file, Line: l.n, Col: 1}
		if l.bad != nil {
			qr.lineError(l.bad, guessLabel(l.text), group)
			continue
		}
		q, perr := parseQuadLine(l.text)
		if perr != nil {
			perr.Pos = Pos{File: qr.file, Line: l.n, Col: perr.Pos.Col}
			qr.lineError(perr, guessLabel(l.text), group)
			continue
		}
		if q == nil {
			continue
		}
		id := ntID
		if qr.triples {
			if q.Label != nil {
				qr.lineError(&Error{Pos: p, Msg: "N-Triples line has a graph label; use the .nq extension or --format nquads"}, "", group)
				continue
			}
			q.Label = claim.Node(id)
		} else {
			var ok bool
			id, ok = claim.IDOf(q.Label)
			if q.Label == nil || !ok || !claim.ValidID(id) {
				qr.lineError(&Error{Pos: p, Msg: "expected a graph label <cg:RECORD_ID> naming the record the quad belongs to"}, "", group)
				continue
			}
		}
		g := group(id, p)
		g.set.Quads = append(g.set.Quads, *q)
	}
}

// lineError fails the record a bad line belongs to, or stands alone when
// the line names no record.
func (qr *QuadReader) lineError(e *Error, label string, group func(string, Pos) *quadGroup) {
	if label == "" {
		qr.errs = append(qr.errs, e)
		return
	}
	g := group(label, e.Pos)
	if g.err == nil {
		g.err = e
		g.err.Record = label
	}
}

// guessLabel finds the record id in the last "<cg:…>" of a line it could not
// parse, so the error fails that record and not a random one.
func guessLabel(s string) string {
	i := strings.LastIndex(s, "<cg:")
	if i < 0 {
		return ""
	}
	rest := s[i+4:]
	j := strings.IndexByte(rest, '>')
	if j < 0 || !claim.ValidID(rest[:j]) || strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest[j+1:]), ".")) != "" {
		return ""
	}
	return rest[:j]
}

// quadScanner parses one N-Quads line.
type quadScanner struct {
	s   string
	i   int
	err *Error
}

func (sc *quadScanner) fail(format string, args ...any) {
	if sc.err == nil {
		sc.err = &Error{Pos: Pos{Col: utf8.RuneCountInString(sc.s[:sc.i]) + 1}, Msg: fmt.Sprintf(format, args...)}
	}
}

func (sc *quadScanner) space() {
	for sc.i < len(sc.s) && (sc.s[sc.i] == ' ' || sc.s[sc.i] == '\t') {
		sc.i++
	}
}

// parseQuadLine returns nil for blank and comment lines.
func parseQuadLine(s string) (*quad.Quad, *Error) {
	sc := &quadScanner{s: s}
	sc.space()
	if sc.i == len(s) || s[sc.i] == '#' {
		return nil, nil
	}
	var q quad.Quad
	q.Subject = sc.term(false)
	sc.space()
	q.Predicate = sc.term(false)
	if _, ok := q.Predicate.(quad.IRI); !ok && sc.err == nil {
		sc.fail("the predicate must be an IRI")
	}
	sc.space()
	q.Object = sc.term(true)
	sc.space()
	if sc.i < len(s) && s[sc.i] != '.' {
		q.Label = sc.term(false)
		sc.space()
	}
	if sc.err == nil {
		if sc.i >= len(s) || s[sc.i] != '.' {
			sc.fail("expected \".\" at the end of the statement")
		} else {
			sc.i++
			sc.space()
			if sc.i < len(s) && s[sc.i] != '#' {
				sc.fail("unexpected text after \".\"")
			}
		}
	}
	if sc.err != nil {
		return nil, sc.err
	}
	return &q, nil
}

func (sc *quadScanner) term(literal bool) quad.Value {
	if sc.err != nil {
		return nil
	}
	if sc.i >= len(sc.s) {
		sc.fail("unexpected end of line: expected a term")
		return nil
	}
	switch c := sc.s[sc.i]; {
	case c == '<':
		return quad.IRI(sc.iri())
	case c == '_' && strings.HasPrefix(sc.s[sc.i:], "_:"):
		start := sc.i + 2
		sc.i = start
		for sc.i < len(sc.s) && (isAlnum(sc.s[sc.i]) || strings.IndexByte("_-.", sc.s[sc.i]) >= 0) {
			sc.i++
		}
		for sc.i > start && sc.s[sc.i-1] == '.' {
			sc.i--
		}
		if sc.i == start {
			sc.fail("empty blank node label")
		}
		return quad.BNode(sc.s[start:sc.i])
	case c == '"' && literal:
		return sc.literal()
	default:
		sc.fail("unexpected %q: expected an IRI <…>%s", c, map[bool]string{true: ", a blank node or a literal", false: " or a blank node"}[literal])
		return nil
	}
}

func (sc *quadScanner) iri() string {
	sc.i++ // '<'
	var b strings.Builder
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		switch {
		case c == '>':
			sc.i++
			if b.Len() == 0 {
				sc.fail("empty IRI <>")
			}
			return b.String()
		case c == '\\':
			r, ok := sc.uchar()
			if !ok {
				return ""
			}
			b.WriteRune(r)
		case c <= ' ' || strings.IndexByte("<\"{}|^`", c) >= 0:
			sc.fail("character %q is not allowed in an IRI", c)
			return ""
		default:
			b.WriteByte(c)
			sc.i++
		}
	}
	sc.fail("IRI is not closed: expected \">\"")
	return ""
}

// uchar reads \uXXXX or \UXXXXXXXX at sc.i and checks the code point.
func (sc *quadScanner) uchar() (rune, bool) {
	if sc.i+1 >= len(sc.s) {
		sc.fail("incomplete escape")
		return 0, false
	}
	n := map[byte]int{'u': 4, 'U': 8}[sc.s[sc.i+1]]
	if n == 0 || sc.i+2+n > len(sc.s) {
		sc.fail("invalid escape: expected \\uXXXX or \\UXXXXXXXX")
		return 0, false
	}
	v, err := strconv.ParseUint(sc.s[sc.i+2:sc.i+2+n], 16, 32)
	if err != nil || v > utf8.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		sc.fail("escape %s is not a valid Unicode code point", sc.s[sc.i:sc.i+2+n])
		return 0, false
	}
	sc.i += 2 + n
	return rune(v), true
}

var echars = map[byte]rune{'t': '\t', 'b': '\b', 'n': '\n', 'r': '\r', 'f': '\f', '"': '"', '\'': '\'', '\\': '\\'}

func (sc *quadScanner) literal() quad.Value {
	sc.i++ // '"'
	var b strings.Builder
	for {
		if sc.i >= len(sc.s) {
			sc.fail("string is not closed: expected '\"'")
			return nil
		}
		c := sc.s[sc.i]
		if c == '"' {
			sc.i++
			break
		}
		if c != '\\' {
			b.WriteByte(c)
			sc.i++
			continue
		}
		if sc.i+1 < len(sc.s) {
			if r, ok := echars[sc.s[sc.i+1]]; ok {
				b.WriteRune(r)
				sc.i += 2
				continue
			}
		}
		r, ok := sc.uchar()
		if !ok {
			return nil
		}
		b.WriteRune(r)
	}
	text := b.String()
	switch {
	case strings.HasPrefix(sc.s[sc.i:], "^^<"):
		sc.i += 2
		return typedValue(text, sc.iri(), sc)
	case strings.HasPrefix(sc.s[sc.i:], "@"):
		start := sc.i + 1
		sc.i = start
		for sc.i < len(sc.s) && (isAlnum(sc.s[sc.i]) || sc.s[sc.i] == '-') {
			sc.i++
		}
		if sc.i == start {
			sc.fail("empty language tag")
		}
		return quad.LangString{Value: quad.String(text), Lang: sc.s[start:sc.i]}
	}
	return quad.String(text)
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

const xsd = "http://www.w3.org/2001/XMLSchema#"

// typedValue maps XSD datatypes to Cayley's native values, so that a weight
// written as "0.95"^^xsd:double is the same value as one read from a record.
func typedValue(text, dt string, sc *quadScanner) quad.Value {
	switch dt {
	case xsd + "string":
		return quad.String(text)
	case xsd + "double", xsd + "float", xsd + "decimal":
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			sc.fail("%q is not a valid %s", text, dt)
			return nil
		}
		return quad.Float(f)
	case xsd + "integer", xsd + "int", xsd + "long":
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			sc.fail("%q is not a valid %s", text, dt)
			return nil
		}
		return quad.Int(n)
	case xsd + "boolean":
		switch text {
		case "true", "1":
			return quad.Bool(true)
		case "false", "0":
			return quad.Bool(false)
		}
		sc.fail("%q is not a valid %s", text, dt)
		return nil
	}
	return quad.TypedString{Value: quad.String(text), Type: quad.IRI(dt)}
}
