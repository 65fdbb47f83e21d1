package export

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/loader"
	"claimgraph/query"
	"claimgraph/query/result"
	"claimgraph/query/value"
)

// Names and texts a hostile (or unlucky) source may hold: spreadsheet
// formulas, a Mermaid directive, comment and entity codes, characters XML
// cannot hold, and ids that are properties of every JavaScript object.
const (
	formulaName = `=HYPERLINK("http://evil.example/","click")`
	mermaidName = `Ann %%{init: {"theme":"dark"}}%% Lee &amp; #35; <b>x</b>`
	controlName = "Bo\u0001 Chen\uFFFE"
)

const hostileRecords = `person · researcher
` + formulaName + `
per_formula
Affiliations (1)
- Acme Corp · role: +cmd|' /C calc'!A0
---
person · researcher
` + mermaidName + `
per_mermaid
---
person · researcher
` + controlName + `
constructor
---
organisation · company
Acme Corp
org_acme
---
source · blog
@SUM(1+1)*cmd|' /C calc'!A0
src_hostile
https://example.com/hostile
authors: ` + formulaName + `; per_mermaid; constructor
published: 2024-01-02
Evidence from this source (2)
- weight0.5
method: m
“-2+3+cmd|' /C calc'!A0”
- weight0.25
method: m
“	tab first”
`

func hostileStore(t *testing.T) *graph.Store {
	t.Helper()
	rd := loader.NewTextReader("hostile.txt", strings.NewReader(hostileRecords), nil)
	st := graph.OpenMemory()
	var batch []claim.Change
	for {
		item, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, item.Change)
	}
	if len(batch) != 5 {
		t.Fatalf("read %d of the 5 hostile records", len(batch))
	}
	if _, err := st.Apply(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	return st
}

func hostileSubgraph(t *testing.T, st *graph.Store) *query.Subgraph {
	t.Helper()
	g, err := query.WholeGraph(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// formulaStart reports a cell a spreadsheet would run as a formula.
func formulaStart(cell string) bool {
	return cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0]))
}

// csvCells reads CSV files back with Python's csv module (what a script
// or a spreadsheet import sees) and returns every cell.
func csvCells(t *testing.T, paths ...string) []string {
	t.Helper()
	py := validator(t, "python3", "python3")
	out := run(t, py, append([]string{"-c", `
import csv, json, sys
cells = []
for p in sys.argv[1:]:
    with open(p, newline="") as f:
        for row in csv.reader(f):
            cells.extend(row)
print(json.dumps(cells))`}, paths...)...)
	var cells []string
	if err := json.Unmarshal([]byte(out), &cells); err != nil {
		t.Fatalf("python's csv output: %v\n%s", err, out)
	}
	return cells
}

// TestCSVNeutralisesFormulas: in export --format csv and in query results
// as CSV, no cell read back by Python's csv module starts a formula but
// numbers; the hostile texts are there behind a "'"; with Raw they are
// there as they are.
func TestCSVNeutralisesFormulas(t *testing.T) {
	st := hostileStore(t)
	g := hostileSubgraph(t, st)
	dir := t.TempDir()
	for _, raw := range []bool{false, true} {
		nodes, edges := filepath.Join(dir, "g.nodes.csv"), filepath.Join(dir, "g.edges.csv")
		var nb, eb bytes.Buffer
		if err := CSV(&nb, &eb, g, raw); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(nodes, nb.Bytes(), 0o644)
		os.WriteFile(edges, eb.Bytes(), 0o644)

		p, err := query.Prepare(context.Background(), st,
			`MATCH (q:Quote)-[:QUOTED_IN]->(s:Source)-[:AUTHORED_BY]->(p:Person) RETURN q.text AS text, s.title AS title, p.name AS name, q.weight - 1 AS negative`)
		if err != nil {
			t.Fatal(err)
		}
		var rb bytes.Buffer
		w := result.NewWriter("csv", &rb, p.Columns(), result.Options{Raw: raw})
		if err := p.Run(context.Background(), st, query.Options{}, func(row []value.Value) error { return w.Row(row) }); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		rows := filepath.Join(dir, "rows.csv")
		os.WriteFile(rows, rb.Bytes(), 0o644)

		cells := csvCells(t, nodes, edges, rows)
		seen := map[string]bool{}
		for _, c := range cells {
			seen[c] = true
			if !raw && formulaStart(c) && c != "-0.5" && c != "-0.75" {
				t.Errorf("a cell starts a formula: %q", c)
			}
		}
		for _, want := range []string{formulaName, "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "\ttab first"} {
			if raw && !seen[want] {
				t.Errorf("raw: %q is not a cell as it is", want)
			}
			if !raw && !seen["'"+want] {
				t.Errorf("%q is not a cell behind a quote", want)
			}
		}
		if !seen["-0.5"] || !seen["-0.75"] {
			t.Errorf("negative numbers were changed: %v", cells)
		}
	}
}

// TestDOTWithControlCharacters: Graphviz's SVG of a name holding
// characters XML cannot hold is well-formed XML (xmllint).
func TestDOTWithControlCharacters(t *testing.T) {
	dot := validator(t, "dot", "graphviz")
	xmllint := validator(t, "xmllint", "libxml2-utils")
	g := hostileSubgraph(t, hostileStore(t))
	path := write(t, "g.dot", func(b *bytes.Buffer) error { return DOT(b, g) })
	svg := filepath.Join(t.TempDir(), "g.svg")
	run(t, dot, "-Tsvg", "-o", svg, path)
	run(t, xmllint, "--noout", svg)
	raw, _ := os.ReadFile(svg)
	if !strings.Contains(string(raw), "Bo Chen") {
		t.Errorf("the name lost more than its control characters")
	}
}

// TestMermaidLabelsAreText renders the export with Mermaid in Chromium:
// each hostile name is shown as the text it is, the directive in it did
// not change the diagram's theme, and no entity was decoded.
func TestMermaidLabelsAreText(t *testing.T) {
	modules := nodeModules(t)
	g := hostileSubgraph(t, hostileStore(t))
	var b bytes.Buffer
	if err := Mermaid(&b, g); err != nil {
		t.Fatal(err)
	}
	dom := mermaidInChromium(t, modules, b.String(), `
mermaid.render("g", text).then(function (r) {
  var div = document.getElementById("out");
  div.innerHTML = r.svg;
  var labels = [];
  div.querySelectorAll("g.node").forEach(function (n) { labels.push(n.textContent.replace(/\s+/g, " ").trim()); });
  document.body.dataset.labels = JSON.stringify(labels);
  document.body.dataset.dark = r.svg.indexOf("#1f2020") >= 0 ? "1" : "0";
}).catch(function (e) { document.body.dataset.error = String(e && e.message || e); });`)
	if e := attr(dom, "data-error"); e != "" {
		t.Fatalf("mermaid rejected the export: %s", e)
	}
	if attr(dom, "data-dark") != "0" {
		t.Errorf("the directive in a name changed the theme")
	}
	var labels []string
	if err := json.Unmarshal([]byte(htmlUnescape(attr(dom, "data-labels"))), &labels); err != nil {
		t.Fatalf("labels: %v\n%.1500s", err, dom)
	}
	all := strings.Join(labels, "\n")
	for _, want := range []string{`Ann %%{init: {"theme":"dark"}}%% Lee &amp; #35; <b>x</b>`, formulaName} {
		if !strings.Contains(all, want) {
			t.Errorf("no label shows %q as text; labels:\n%s", want, all)
		}
	}
}

// TestViewerIdsOutsideThePrototype opens the HTML export at
// #select=__proto__ and other names of Object's properties: no script
// error, and the node whose id is constructor is shown.
func TestViewerIdsOutsideThePrototype(t *testing.T) {
	g := hostileSubgraph(t, hostileStore(t))
	path := write(t, "g.html", func(b *bytes.Buffer) error { return HTML(b, g, "test") })
	for _, frag := range []string{"#select=__proto__", "#select=constructor&search=__proto__", "#select=toString&search=constructor"} {
		dom := chromium(t, "file://"+path+frag)
		if e := attr(dom, "data-error"); e != "" {
			t.Fatalf("%s: script error: %s", frag, e)
		}
		if attr(dom, "data-ready") != "1" {
			t.Fatalf("%s: the viewer did not start", frag)
		}
		if strings.HasPrefix(frag, "#select=constructor") && !strings.Contains(dom, "id: constructor") {
			t.Errorf("%s: the node constructor was not shown", frag)
		}
	}
}

// htmlUnescape undoes the escaping of an attribute in Chromium's dump.
func htmlUnescape(s string) string {
	return strings.NewReplacer("&quot;", `"`, "&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
