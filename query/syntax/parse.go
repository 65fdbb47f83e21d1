package syntax

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

var lexRules = []lexer.SimpleRule{
	{Name: "Comment", Pattern: `//[^\n]*`},
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
	{Name: "String", Pattern: `'(\\.|[^'\\])*'|"(\\.|[^"\\])*"`},
	{Name: "Float", Pattern: `\d+\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+`},
	{Name: "Int", Pattern: `\d+`},
	{Name: "Param", Pattern: `\$[A-Za-z_][A-Za-z0-9_]*`},
	{Name: "Ident", Pattern: "[A-Za-z_][A-Za-z0-9_]*|`[^`]+`"},
	{Name: "Op", Pattern: `<>|<=|>=|=~|\.\.|->|<-|[-+*/%^=<>(){}\[\],.:|;]`},
}

// Keywords are reserved: they cannot name variables.
var keywords = []string{"EXPLAIN", "PROFILE", "OPTIONAL", "MATCH", "WHERE", "UNWIND", "AS", "WITH",
	"RETURN", "DISTINCT", "ORDER", "BY", "SKIP", "LIMIT", "ASC", "ASCENDING", "DESC", "DESCENDING",
	"OR", "XOR", "AND", "NOT", "IS", "NULL", "IN", "STARTS", "ENDS", "CONTAINS", "TRUE", "FALSE"}

// The parser needs a lookahead of two in one place: a parenthesis in an
// expression may open a pattern predicate, WHERE (a)-[:X]->(b), or a
// parenthesised expression, WHERE (a.x) > 1 (TestPatternPredicateOrParen).
// More lookahead moves errors away from the real fault.
//
// The grammar is built on first use: building it took 1–2 ms of every
// process's start, and a load, say, parses no query.
var parser = sync.OnceValue(func() *participle.Parser[Query] {
	return participle.MustBuild[Query](
		participle.Lexer(lexer.MustSimple(lexRules)),
		participle.Elide("Comment", "Whitespace"),
		participle.CaseInsensitive("Ident"),
		participle.UseLookahead(2),
	)
})

// MaxDepth is how deeply brackets may nest in a query: the parser
// recurses once per level, and 100,000 levels overflowed the stack.
const MaxDepth = 256

// MaxBytes is the longest query text: parsing takes some 4 KiB and 30 µs
// per item of a list literal, so that a 10 MB query (a list of a million
// strings) took 73 s and 4 GB. Long lists belong in parameters.
var MaxBytes = 1 << 20

// Parse parses one query. Errors are *Error values with a position.
func Parse(name, src string) (*Query, error) {
	if len(src) > MaxBytes {
		return nil, &Error{Pos: lexer.Position{Filename: name, Line: 1, Column: 1},
			Msg: fmt.Sprintf("the query is %d bytes, longer than %d: pass long lists as parameters ($name)", len(src), MaxBytes)}
	}
	if err := checkDepth(name, src); err != nil {
		return nil, err
	}
	q, err := parser().ParseString(name, src)
	if err != nil {
		var perr participle.Error
		if errors.As(err, &perr) {
			pos := perr.Position()
			if strings.Contains(perr.Message(), "<EOF>") {
				pos = endOf(name, src) // point after the last token, not at a blank line
			}
			return nil, &Error{Pos: pos, Msg: cleanMessage(perr.Message())}
		}
		return nil, err
	}
	if err := fill(q, src); err != nil {
		return nil, err
	}
	return q, nil
}

// checkDepth fails at the bracket that opens level MaxDepth+1, reading the
// query with the parser's own lexer (which does not recurse), so that
// brackets in strings, names and comments do not count. A text the lexer
// rejects is left to the parser, which says where.
func checkDepth(name, src string) error {
	lex, err := lexer.MustSimple(lexRules).LexString(name, src)
	if err != nil {
		return nil
	}
	depth := 0
	for {
		tok, err := lex.Next()
		if err != nil || tok.EOF() {
			return nil
		}
		switch tok.Value {
		case "(", "[", "{":
			if tok.Type == opType {
				if depth++; depth > MaxDepth {
					return &Error{Pos: tok.Pos, Msg: fmt.Sprintf("expressions nested deeper than %d", MaxDepth)}
				}
			}
		case ")", "]", "}":
			if tok.Type == opType {
				depth--
			}
		}
	}
}

// opType is the lexer's type of operator tokens.
var opType = lexer.MustSimple(lexRules).Symbols()["Op"]

// cleanMessage rewrites participle's wording into ours: what was found and
// what was expected.
func cleanMessage(m string) string {
	m = strings.ReplaceAll(m, "unexpected token ", "unexpected ")
	m = strings.ReplaceAll(m, "<EOF>", "end of query")
	if i := strings.Index(m, " (expected "); i >= 0 {
		want := strings.TrimSuffix(m[i+len(" (expected "):], ")")
		if friendly, ok := expected[want]; ok {
			want = friendly
		} else if j := strings.IndexAny(want, " "); j > 0 && strings.HasPrefix(want, `"`) {
			want = want[:j] // the first token is what is missing
		}
		m = m[:i] + ": expected " + want
	}
	return m
}

// expected names the grammar's productions in users' words.
var expected = map[string]string{
	"NodePat PathStep*": "an expression",
	"NodePat":           "a node pattern (...)",
	`Clause+ ";"?`:      "MATCH, OPTIONAL MATCH, UNWIND, WITH or RETURN",
	"Clause":            "MATCH, OPTIONAL MATCH, UNWIND, WITH or RETURN",
	`"]"`:               `"]"`,
	"Pattern":           "a pattern",
	"Projection":        "expressions to return",
	`@@ ( "," @@ )*`:    "an expression",
	`"(" @@ ")"`:        "an expression",
}

// Error is a syntax or semantic error at a position of the query text.
type Error struct {
	Pos lexer.Position
	Msg string
}

func (e *Error) Error() string {
	name := e.Pos.Filename
	if name == "" {
		name = "query"
	}
	return fmt.Sprintf("%s:%d:%d: %s", name, e.Pos.Line, e.Pos.Column, e.Msg)
}

// Errorf returns an *Error at pos.
func Errorf(pos lexer.Position, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Snippet returns the query line of an error with a caret under its column.
// A long line is cut to the part around the column, so that a query of
// one enormous line does not fill the screen.
func Snippet(src string, pos lexer.Position) string {
	lines := strings.Split(src, "\n")
	if pos.Line < 1 || pos.Line > len(lines) {
		return ""
	}
	line := []rune(strings.TrimRight(lines[pos.Line-1], "\r"))
	col := max(pos.Column, 1)
	const window = 60 // runes shown either side of the column
	if len(line) > 2*window {
		from, to := max(0, col-1-window), min(len(line), col-1+window)
		head, tail := "", ""
		if from > 0 {
			head = "…"
		}
		if to < len(line) {
			tail = "…"
		}
		col -= from - len([]rune(head))
		line = []rune(head + string(line[from:to]) + tail)
	}
	pad := strings.Repeat(" ", max(0, min(col-1, len(line))))
	return string(line) + "\n" + pad + "^"
}

// fill completes what the grammar cannot: unquoting strings and
// identifiers, checking keywords used as names, and recording each
// projection item's text.
func fill(q *Query, src string) error {
	var err error
	visit(q, func(n any) {
		if err != nil {
			return
		}
		switch n := n.(type) {
		case *Atom:
			if n.String != nil {
				s, uerr := unquote(*n.String)
				if uerr != nil {
					err = Errorf(n.Pos, "%v", uerr)
					return
				}
				n.String = &s
			}
			if n.Var != "" {
				n.Var, err = name(n.Pos, n.Var)
			}
		case *ProjItem:
			n.As = strings.Trim(n.As, "`")
			n.Text = textOf(src, n)
		case *SortItem:
			n.Text = exprSource(src, n.Expr.Pos.Offset, n.EndPos.Offset)
		}
	})
	return err
}

func name(pos lexer.Position, s string) (string, error) {
	if strings.HasPrefix(s, "`") {
		return strings.Trim(s, "`"), nil
	}
	for _, k := range keywords {
		if strings.EqualFold(s, k) {
			return "", Errorf(pos, "unexpected keyword %q", s)
		}
	}
	return s, nil
}

// unquote decodes a Cypher string literal in either quote style.
func unquote(s string) (string, error) {
	body := s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(body) {
			return "", fmt.Errorf("string ends with a lone backslash")
		}
		switch body[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case '\\', '\'', '"':
			b.WriteByte(body[i])
		case 'u', 'U':
			n := 4
			if body[i] == 'U' {
				n = 8
			}
			if i+n >= len(body)+1 || i+1+n > len(body) {
				return "", fmt.Errorf("incomplete \\%c escape", body[i])
			}
			v, err := strconv.ParseUint(body[i+1:i+1+n], 16, 32)
			if err != nil || !utf8.ValidRune(rune(v)) {
				return "", fmt.Errorf("invalid escape \\%c%s", body[i], body[i+1:i+1+n])
			}
			b.WriteRune(rune(v))
			i += n
		default:
			return "", fmt.Errorf("unknown escape \\%c", body[i])
		}
	}
	return b.String(), nil
}

// endOf returns the position just after the last non-space character.
func endOf(name, src string) lexer.Position {
	trimmed := strings.TrimRight(src, " \t\r\n")
	line := 1 + strings.Count(trimmed, "\n")
	start := strings.LastIndex(trimmed, "\n") + 1
	return lexer.Position{Filename: name, Offset: len(trimmed), Line: line, Column: utf8.RuneCountInString(trimmed[start:]) + 1}
}

// Position builds a position, for tests and callers that compute one.
func Position(line, col int) lexer.Position { return lexer.Position{Line: line, Column: col} }
