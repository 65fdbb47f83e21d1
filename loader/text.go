package loader

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"claimgraph/graph/claim"
)

// Item is one record read from a file, or one record's error.
type Item struct {
	Pos    Pos // where the record starts
	Change claim.Change
}

// Reader yields the records of one input. Next returns an *Error for a bad
// record (the next call goes on after it), io.EOF at the end, and any other
// error for input that cannot be read at all.
type Reader interface {
	Next() (Item, error)
}

// TextReader reads the record text format of spec/records.md: records
// separated by lines that are exactly "---".
type TextReader struct {
	lr        *lineReader
	warn      func(Warning)
	done      bool
	maxRecord int
	tooBig    bool // the block just read exceeded maxRecord
}

// SetLimits changes the reader's limits; call it before the first Next.
func (tr *TextReader) SetLimits(l Limits) {
	tr.lr.maxLine, tr.maxRecord = l.line(), l.record()
}

var _ Reader = (*TextReader)(nil)

// NewTextReader reads records from r; file names the input in messages.
// warn, if not nil, receives warnings.
func NewTextReader(file string, r io.Reader, warn func(Warning)) *TextReader {
	if warn == nil {
		warn = func(Warning) {}
	}
	return &TextReader{lr: newLineReader(file, r), warn: warn, maxRecord: MaxRecord}
}

// Next returns the next record.
func (tr *TextReader) Next() (Item, error) {
	for !tr.done {
		lines, err := tr.block()
		if err != nil {
			return Item{}, err
		}
		for len(lines) > 0 && lines[0].bad == nil && strings.TrimSpace(lines[0].text) == "" {
			lines = lines[1:]
		}
		if len(lines) == 0 {
			continue
		}
		if tr.tooBig {
			return Item{Pos: Pos{File: tr.lr.file, Line: lines[0].n, Col: 1}}, &Error{Pos: Pos{File: tr.lr.file, Line: lines[0].n, Col: 1},
				Msg: fmt.Sprintf("record is larger than %d bytes (raise the limit with --max-record)", tr.maxRecord)}
		}
		p := &textParser{file: tr.lr.file, lines: lines, warn: tr.warn}
		rec, perr := p.parse()
		item := Item{Pos: Pos{File: tr.lr.file, Line: lines[0].n, Col: 1}}
		if perr != nil {
			perr.Record = p.rec.ID
			return item, perr
		}
		item.Change = claim.Change{Record: rec}
		return item, nil
	}
	return Item{}, io.EOF
}

// block reads the lines up to the next separator or the end of input.
func (tr *TextReader) block() ([]line, error) {
	var lines []line
	size := 0
	tr.tooBig = false
	for {
		l, err := tr.lr.next()
		if err == io.EOF {
			tr.done = true
			return lines, nil
		}
		if err != nil {
			return nil, err
		}
		if l.bad == nil && l.text == "---" {
			return lines, nil
		}
		// Past the limit, keep only the first line, for the position.
		if size += len(l.text) + 1; size > tr.maxRecord {
			tr.tooBig = true
			if len(lines) > 0 {
				continue
			}
		}
		lines = append(lines, l)
	}
}

// Section headings, each allowed in the kinds listed ("" for every kind).
var headings = map[string]string{
	"Notes":                     "",
	"Intake provenance":         "",
	"Evidence from this source": claim.KindSource,
	"Affiliations":              claim.KindPerson,
	"Interests":                 claim.KindOrganisation,
}

var (
	headingRE = regexp.MustCompile(`^(Notes|Intake provenance|Evidence from this source|Affiliations|Interests)(?: \((\d+)\))?$`)
	fieldRE   = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9 _-]*):(?: (.*)|\s*)$`)
	kvPartRE  = regexp.MustCompile(`^([a-z][a-z0-9 _]*): ?(.*)$`)
	weightRE  = regexp.MustCompile(`^- ?weight:? ?(.*)$`)
)

type textParser struct {
	file  string
	lines []line
	i     int
	rec   claim.Record
	warn  func(Warning)
}

func (p *textParser) errAt(l line, col int, format string, args ...any) *Error {
	return &Error{Pos: Pos{File: p.file, Line: l.n, Col: col}, Msg: fmt.Sprintf(format, args...)}
}

// colOf returns the character column of byte offset off in l.
func colOf(l line, off int) int { return utf8.RuneCountInString(l.text[:off]) + 1 }

func (p *textParser) parse() (*claim.Record, *Error) {
	for _, l := range p.lines {
		if l.bad != nil {
			return nil, l.bad
		}
	}
	last := p.lines[len(p.lines)-1]
	need := func(i int, what string) (line, *Error) {
		if i >= len(p.lines) {
			return line{}, p.errAt(last, len([]rune(last.text))+1, "record ends early: expected %s on the next line", what)
		}
		return p.lines[i], nil
	}
	head := p.lines[0]
	kind, sub, _ := strings.Cut(head.text, " · ")
	kind = strings.ToLower(strings.TrimSpace(kind))
	if !isKind(kind) {
		return nil, p.errAt(head, 1, "expected a record kind (source, person, organisation or claim) followed by \" · <subtype>\", got %q", clip(head.text))
	}
	p.rec.Kind, p.rec.Subtype = kind, strings.TrimSpace(sub)
	title, err := need(1, "the title or name")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(title.text) == "" {
		return nil, p.errAt(title, 1, "expected the title or name, got an empty line")
	}
	p.rec.Title = strings.TrimSpace(title.text)
	idl, err := need(2, "the record id")
	if err != nil {
		return nil, err
	}
	id := strings.TrimSpace(idl.text)
	if !claim.ValidID(id) {
		return nil, p.errAt(idl, 1, "expected the record id ([a-z][a-z0-9_]*) on line 3 of the record, got %q", clip(idl.text))
	}
	p.rec.ID = id
	p.i = 3
	if p.i < len(p.lines) {
		if t := strings.TrimSpace(p.lines[p.i].text); strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://") {
			p.rec.URL = t
			p.i++
		}
	}
	if err := p.fields(); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		m := headingRE.FindStringSubmatch(l.text)
		if m == nil {
			return nil, p.errAt(l, 1, "expected a section heading, got %q", clip(l.text))
		}
		name := m[1]
		if k := headings[name]; k != "" && k != kind {
			return nil, p.errAt(l, 1, "section %q does not belong in a %s record", name, kind)
		}
		if seen[name] {
			return nil, p.errAt(l, 1, "section %q appears twice", name)
		}
		seen[name] = true
		p.i++
		n, err := p.section(name, l)
		if err != nil {
			return nil, err
		}
		if m[2] != "" {
			if want, _ := strconv.Atoi(m[2]); want != n {
				p.warn(Warning{Pos: Pos{File: p.file, Line: l.n, Col: len(name) + 3}, Msg: fmt.Sprintf("record %s: heading %q promises %d items, found %d", id, name, want, n)})
			}
		}
	}
	if err := p.rec.Validate(); err != nil {
		return nil, p.errAt(head, 1, "%v", err)
	}
	return &p.rec, nil
}

func isKind(k string) bool {
	for _, x := range claim.Kinds {
		if k == x {
			return true
		}
	}
	return false
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// fields reads "key: value" lines up to the first section heading.
func (p *textParser) fields() *Error {
	for ; p.i < len(p.lines); p.i++ {
		l := p.lines[p.i]
		if strings.TrimSpace(l.text) == "" {
			continue
		}
		if headingRE.MatchString(l.text) {
			return nil
		}
		m := fieldRE.FindStringSubmatchIndex(l.text)
		if m == nil {
			return p.errAt(l, 1, "expected \"key: value\" or a section heading, got %q", clip(l.text))
		}
		key, value, at := strings.TrimSpace(l.text[m[2]:m[3]]), "", m[3]+1
		if m[4] >= 0 {
			value, at = strings.TrimSpace(l.text[m[4]:m[5]]), m[4]+strings.Index(l.text[m[4]:], strings.TrimSpace(l.text[m[4]:m[5]]))
		}
		if (key == "published" || key == "accessed") && !claim.ValidDate(value) {
			return p.errAt(l, colOf(l, at), "%s", claim.DateError(key, value))
		}
		p.rec.Field = append(p.rec.Field, claim.Field{Key: key, Value: value})
	}
	return nil
}

// body returns the lines of the current section.
func (p *textParser) body() []line {
	start := p.i
	for p.i < len(p.lines) && !headingRE.MatchString(p.lines[p.i].text) {
		p.i++
	}
	return p.lines[start:p.i]
}

// section parses one section's body and returns its item count.
func (p *textParser) section(name string, head line) (int, *Error) {
	body := p.body()
	switch name {
	case "Notes":
		var text []string
		for _, l := range body {
			text = append(text, l.text)
		}
		p.rec.Notes = strings.TrimSpace(strings.Join(text, "\n"))
		return 0, nil
	case "Intake provenance":
		return p.intake(body)
	case "Evidence from this source":
		return p.evidence(body, head)
	case "Affiliations":
		return p.items(body, func(l line, first string, kvs []claim.Field) *Error {
			a := claim.Affiliation{Organisation: first}
			for _, f := range kvs {
				if (f.Key == "since" || f.Key == "until") && !claim.ValidDate(f.Value) {
					return p.errAt(l, colOf(l, strings.Index(l.text, f.Key+":")), "%s", claim.DateError(f.Key, f.Value))
				}
				switch f.Key {
				case "role":
					a.Role = f.Value
				case "since":
					a.Since = f.Value
				case "until":
					a.Until = f.Value
				default:
					a.Extra = append(a.Extra, f)
				}
			}
			p.rec.Affiliations = append(p.rec.Affiliations, a)
			return nil
		})
	default: // Interests
		return p.items(body, func(l line, first string, kvs []claim.Field) *Error {
			in := claim.Interest{Kind: first}
			for _, f := range kvs {
				switch f.Key {
				case "topic":
					in.Topic = f.Value
				case "note":
					in.Note = f.Value
				default:
					in.Extra = append(in.Extra, f)
				}
			}
			p.rec.Interests = append(p.rec.Interests, in)
			return nil
		})
	}
}

func nonBlank(body []line) []line {
	var out []line
	for _, l := range body {
		if strings.TrimSpace(l.text) != "" {
			out = append(out, l)
		}
	}
	return out
}

func (p *textParser) intake(body []line) (int, *Error) {
	body = nonBlank(body)
	for _, l := range body {
		if !strings.HasPrefix(l.text, "- ") && l.text != "-" {
			return 0, p.errAt(l, 1, "expected an intake line \"- key\" or \"- value\", got %q", clip(l.text))
		}
	}
	if len(body)%2 != 0 {
		l := body[len(body)-1]
		return 0, p.errAt(l, 1, "intake key %q has no value line", strings.TrimPrefix(l.text, "- "))
	}
	for i := 0; i < len(body); i += 2 {
		p.rec.Intake = append(p.rec.Intake, claim.Field{
			Key:   strings.TrimSpace(strings.TrimPrefix(body[i].text, "-")),
			Value: strings.TrimSpace(strings.TrimPrefix(body[i+1].text, "-")),
		})
	}
	return len(body) / 2, nil
}

// items parses "- first · key: value · ..." lines.
func (p *textParser) items(body []line, add func(line, string, []claim.Field) *Error) (int, *Error) {
	n := 0
	for _, l := range nonBlank(body) {
		if !strings.HasPrefix(l.text, "- ") {
			return n, p.errAt(l, 1, "expected an item line starting with \"- \", got %q", clip(l.text))
		}
		parts := strings.Split(l.text[2:], " · ")
		first := strings.TrimSpace(parts[0])
		if first == "" {
			return n, p.errAt(l, 3, "item has nothing before its first \" · \"")
		}
		kvs, err := p.kvParts(l, parts[1:], 2+len(parts[0])+len(" · "))
		if err != nil {
			return n, err
		}
		if err := add(l, first, kvs); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// kvParts parses "key: value" parts separated by " · ". A part that does
// not start with a key continues the previous value, so values may hold
// " · " themselves. off is the byte offset of the first part in l.
func (p *textParser) kvParts(l line, parts []string, off int) ([]claim.Field, *Error) {
	var out []claim.Field
	for _, part := range parts {
		m := kvPartRE.FindStringSubmatch(part)
		switch {
		case m != nil:
			for _, f := range out {
				if f.Key == m[1] {
					p.warn(Warning{Pos: Pos{File: p.file, Line: l.n, Col: colOf(l, off+strings.Index(part, m[1]))},
						Msg: fmt.Sprintf("record %s: %q is given twice on this line: %q is used, %q is not", p.rec.ID, m[1], strings.TrimSpace(m[2]), f.Value)})
				}
			}
			out = append(out, claim.Field{Key: m[1], Value: strings.TrimSpace(m[2])})
		case len(out) > 0:
			out[len(out)-1].Value += " · " + part
		default:
			return nil, p.errAt(l, colOf(l, off), "expected \"key: value\", got %q", clip(part))
		}
		off += len(part) + len(" · ")
	}
	return out, nil
}
