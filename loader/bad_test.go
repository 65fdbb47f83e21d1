package loader_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgraph/loader"
)

const good = "source · blog\nGood\nsrc_good\nEvidence from this source (1)\n- weight0.5\nmethod: m\n“fine”\n"

// readAll returns the ids read and the errors and warnings reported.
func readAll(t *testing.T, rd loader.Reader) (ids, errs []string) {
	t.Helper()
	for {
		item, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return ids, errs
		}
		var le *loader.Error
		if errors.As(err, &le) {
			errs = append(errs, le.Error())
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, item.Change.ID())
	}
}

// TestBadRecords feeds each kind of bad record between two good ones: the
// error names file:line:column, and both good records still load.
func TestBadRecords(t *testing.T) {
	cases := []struct {
		name, bad, want string
	}{
		{"invalid UTF-8", "source · blog\nBad \xff title\nsrc_bad\n", "in.txt:10:5: invalid UTF-8 (byte 0xff)"},
		{"NUL byte", "source · blog\nT\nsrc_bad\nauthors: A\x00B\n", "in.txt:12:11: NUL byte in text"},
		{"truncated record", "source · blog\nT\n", "in.txt:10:2: record ends early: expected the record id on the next line"},
		{"missing id line", "source · blog\nT\nhttps://x.org\n", `in.txt:11:1: expected the record id ([a-z][a-z0-9_]*) on line 3 of the record, got "https://x.org"`},
		{"unknown kind", "blog · post\nT\nsrc_bad\n", `in.txt:9:1: expected a record kind (source, person, organisation or claim) followed by " · <subtype>", got "blog · post"`},
		{"weight not a number", "source · blog\nT\nsrc_bad\nEvidence from this source (1)\n- weightheavy\nmethod: m\n“q”\n", `in.txt:13:9: evidence 1: weight "heavy" is not a number`},
		{"weight above 1", "source · blog\nT\nsrc_bad\nEvidence from this source (1)\n- weight1.5\nmethod: m\n“q”\n", "in.txt:13:9: evidence 1: weight 1.5 is outside [0,1]"},
		{"weight below 0", "source · blog\nT\nsrc_bad\nEvidence from this source (1)\n- weight-0.1\nmethod: m\n“q”\n", "in.txt:13:9: evidence 1: weight -0.1 is outside [0,1]"},
		{"evidence without quote", "source · blog\nT\nsrc_bad\nEvidence from this source (2)\n- weight0.5\nmethod: m\n- weight0.6\nmethod: m\n“q”\n", "in.txt:13:1: evidence 1 has no quote: expected a line starting with “ or \" after its weight and key: value lines"},
		{"unclosed quote", "source · blog\nT\nsrc_bad\nEvidence from this source (1)\n- weight0.5\nmethod: m\n“never closed\nstill open\n", "in.txt:15:1: quote is not closed: expected ” at the end of a line"},
		{"bad stance", "source · blog\nT\nsrc_bad\nEvidence from this source (1)\n- weight0.5\nmethod: m · claim: clm_x · stance: refutes\n“q”\n", `in.txt:14:1: evidence 1: stance "refutes" is not supports, contradicts or qualifies`},
		{"section in the wrong kind", "person · x\nP\nper_bad\nEvidence from this source (0)\n", `in.txt:12:1: section "Evidence from this source" does not belong in a person record`},
		{"stray line among fields", "source · blog\nT\nsrc_bad\nthis is not a field\n", `in.txt:12:1: expected "key: value" or a section heading, got "this is not a field"`},
		{"odd intake lines", "source · blog\nT\nsrc_bad\nIntake provenance\n- method\n", `in.txt:13:1: intake key "method" has no value line`},
		{"published not a date", "source · blog\nT\nsrc_bad\npublished: 27 Feb 2023\n", `in.txt:12:12: published "27 Feb 2023" is not a date: want YYYY-MM-DD, YYYY-MM or YYYY`},
		{"accessed not a day", "source · blog\nT\nsrc_bad\naccessed: 2023-02-30\n", `in.txt:12:11: accessed "2023-02-30" is not a date: want YYYY-MM-DD, YYYY-MM or YYYY`},
		{"published empty", "source · blog\nT\nsrc_bad\npublished:\n", `in.txt:12:11: published "" is not a date: want YYYY-MM-DD, YYYY-MM or YYYY`},
		{"since not a date", "person · x\nP\nper_bad\nAffiliations (1)\n- Acme · role: r · since: last year\n", `in.txt:13:20: since "last year" is not a date: want YYYY-MM-DD, YYYY-MM or YYYY`},
		{"until not a month", "person · x\nP\nper_bad\nAffiliations (1)\n- Acme · until: 2024-13\n", `in.txt:13:10: until "2024-13" is not a date: want YYYY-MM-DD, YYYY-MM or YYYY`},
		{"line over 1 MiB", "source · blog\nT\nsrc_bad\nnotes: " + strings.Repeat("x", loader.MaxLine) + "\n", "in.txt:12:1048577: line is longer than 1048576 bytes (raise the limit with --max-line)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := good + "---\n" + c.bad + "---\n" + strings.Replace(good, "src_good", "src_good2", 1)
			ids, errs := readAll(t, loader.NewTextReader("in.txt", strings.NewReader(in), nil))
			if diff := cmp.Diff([]string{"src_good", "src_good2"}, ids); diff != "" {
				t.Errorf("good records (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{c.want}, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCountMismatchIsWarning(t *testing.T) {
	var warns []string
	in := "source · blog\nT\nsrc_a\nEvidence from this source (3)\n- weight0.5\nmethod: m\n“q”\n"
	ids, errs := readAll(t, loader.NewTextReader("in.txt", strings.NewReader(in), func(w loader.Warning) { warns = append(warns, w.String()) }))
	if len(ids) != 1 || len(errs) != 0 {
		t.Fatalf("got ids %v errors %v, want the record loaded", ids, errs)
	}
	want := []string{`in.txt:4:28: warning: record src_a: heading "Evidence from this source" promises 3 items, found 1`}
	if diff := cmp.Diff(want, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// TestDuplicateKeyIsWarning: a key given twice on one line (two claims
// for one evidence item) loads with the last value, and a warning names
// the second key's position and both values.
func TestDuplicateKeyIsWarning(t *testing.T) {
	var warns []string
	in := "source · blog\nT\nsrc_a\nEvidence from this source (1)\n- weight0.5\nmethod: m · claim: clm_a · stance: supports · claim: clm_b\n“q”\n"
	rd := loader.NewTextReader("in.txt", strings.NewReader(in), func(w loader.Warning) { warns = append(warns, w.String()) })
	item, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got := item.Change.Record.Evidence[0].Claim; got != "clm_b" {
		t.Errorf("claim %q, want the last one, clm_b", got)
	}
	want := []string{`in.txt:6:47: warning: record src_a: "claim" is given twice on this line: "clm_b" is used, "clm_a" is not`}
	if diff := cmp.Diff(want, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestBadJSON(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"syntax", `{"kind":"source","title":"T","id":"src_a",}`, "in.jsonl:1:43: invalid character '}' looking for beginning of object key string"},
		{"wrong type", `{"kind":"source","title":"T","id":"src_a","evidence":[{"weight":"high","text":"q"}]}`, `in.jsonl:1:65: field "evidence.weight": expected a float64, got a JSON string`},
		{"unknown field", `{"kind":"source","title":"T","id":"src_a","colour":"red"}`, `in.jsonl:1:1: unknown field "colour"`},
		{"weight out of range", `{"kind":"source","title":"T","id":"src_a","evidence":[{"weight":2,"text":"q"}]}`, "in.jsonl:1:1: record src_a: evidence 1: weight 2 is outside [0,1]"},
		{"bad id", `{"kind":"source","title":"T","id":"Src A"}`, `in.jsonl:1:1: record id "Src A" is not of the form [a-z][a-z0-9_]*`},
		{"published not a date", `{"kind":"source","title":"T","id":"src_a","fields":{"published":"Feb 2023"}}`, `in.jsonl:1:1: record src_a: published "Feb 2023" is not a date: want YYYY-MM-DD, YYYY-MM or YYYY`},
		{"since not a date", `{"kind":"person","title":"P","id":"per_a","affiliations":[{"organisation":"Acme","since":"2023/01"}]}`, `in.jsonl:1:1: record per_a: affiliation 1: since "2023/01" is not a date: want YYYY-MM-DD, YYYY-MM or YYYY`},
	}
	goodLine := `{"kind":"source","title":"G","id":"src_good"}`
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in + "\n" + goodLine + "\n"
			ids, errs := readAll(t, loader.NewJSONLinesReader("in.jsonl", strings.NewReader(in)))
			if diff := cmp.Diff([]string{"src_good"}, ids); diff != "" {
				t.Errorf("good records (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{c.want}, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSONArrayPositions(t *testing.T) {
	in := "[\n  {\"kind\":\"source\",\"title\":\"A\",\"id\":\"src_a\"},\n  {\"kind\":\"source\",\"title\":\"B\",\"id\":\"B\"}\n]\n"
	ids, errs := readAll(t, loader.NewJSONReader("in.json", strings.NewReader(in)))
	if diff := cmp.Diff([]string{"src_a"}, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	want := []string{`in.json:3:3: record id "B" is not of the form [a-z][a-z0-9_]*`}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestBadNQuads covers what Cayley's own reader gets wrong: bad escapes
// (it panics on \U80000000), <a b> IRIs, empty IRIs, and missing labels.
func TestBadNQuads(t *testing.T) {
	cases := []struct{ name, line, want string }{
		{"escape beyond Unicode", `<cg:x> <cg:prop/name> "\U80000000" <cg:src_bad> .`, `in.nq:1:24: escape \U80000000 is not a valid Unicode code point`},
		{"space in IRI", `<cg:a b> <cg:prop/name> "x" <cg:src_bad> .`, `in.nq:1:6: character ' ' is not allowed in an IRI`},
		{"empty IRI", `<> <cg:prop/name> "x" <cg:src_bad> .`, "in.nq:1:3: empty IRI <>"},
		{"no final dot", `<cg:x> <cg:prop/name> "x" <cg:src_bad>`, `in.nq:1:39: expected "." at the end of the statement`},
		{"literal predicate", `<cg:x> "p" "x" <cg:src_bad> .`, `in.nq:1:8: unexpected '"': expected an IRI <…> or a blank node`},
	}
	good := `<cg:y> <cg:prop/name> "fine" <cg:src_good> .`
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids, errs := readAll(t, loader.NewQuadReader("in.nq", strings.NewReader(c.line+"\n"+good+"\n"), false))
			if diff := cmp.Diff([]string{"src_good"}, ids); diff != "" {
				t.Errorf("good records (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{c.want}, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
	_, errs := readAll(t, loader.NewQuadReader("in.nq", strings.NewReader(`<cg:x> <cg:prop/name> "x" .`+"\n"), false))
	if want := []string{"in.nq:1:1: expected a graph label <cg:RECORD_ID> naming the record the quad belongs to"}; !cmp.Equal(want, errs) {
		t.Errorf("unlabelled quad: got %v, want %v", errs, want)
	}
}

func TestRecordLimit(t *testing.T) {
	big := "source · blog\nBig\nsrc_big\nNotes\n" + strings.Repeat("a line of notes\n", 100)
	rd := loader.NewTextReader("in.txt", strings.NewReader(good+"---\n"+big+"---\n"+strings.Replace(good, "src_good", "src_good2", 1)), nil)
	rd.SetLimits(loader.Limits{MaxRecord: 1000})
	ids, errs := readAll(t, rd)
	if diff := cmp.Diff([]string{"src_good", "src_good2"}, ids); diff != "" {
		t.Errorf("good records (-want +got):\n%s", diff)
	}
	want := []string{"in.txt:9:1: record is larger than 1000 bytes (raise the limit with --max-record)"}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// zeros is an endless stream of NUL bytes, as /dev/zero is; reads counts
// what was read of it.
type zeros struct{ reads *int }

func (z zeros) Read(p []byte) (int, error) {
	clear(p)
	*z.reads += len(p)
	return len(p), nil
}

// TestEndlessLineEnds: a stream without line ends (a binary file,
// /dev/zero) ends the input with a positioned error once no record could
// hold what was read, in every line-based format; it is not read for ever.
func TestEndlessLineEnds(t *testing.T) {
	for _, format := range []string{"text", "jsonl", "nquads"} {
		n := 0
		before := map[string]string{"text": good + "---\n", "jsonl": `{"kind":"source","id":"src_good","title":"Good"}` + "\n", "nquads": "<cg:x> <cg:prop/name> \"x\" <cg:x> .\n"}[format]
		rd, _, err := loader.NewReader("zero", format, io.MultiReader(strings.NewReader(before), zeros{&n}), nil)
		if err != nil {
			t.Fatal(err)
		}
		ids, errs := readAll(t, rd)
		if len(ids) != 1 {
			t.Errorf("%s: the record before the stream was not read: %v", format, ids)
		}
		if len(errs) != 1 || !strings.Contains(errs[0], "no line end in") {
			t.Errorf("%s: errors %q, want one saying the line has no end", format, errs)
		}
		if n > 2*loader.MaxRecord {
			t.Errorf("%s: read %d bytes of an endless stream", format, n)
		}
	}
}
