package export

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgraph/graph/claim"
	"claimgraph/graph/suites"
	"claimgraph/loader"
)

// nodeModules returns the directory where .ci/run installs the npm
// validators (jsonld, cytoscape, mermaid): .ci/node/node_modules, or
// $CLAIMGRAPH_NODE_MODULES.
func nodeModules(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CLAIMGRAPH_NODE_MODULES")
	if dir == "" {
		dir, _ = filepath.Abs("../../.ci/node/node_modules")
	}
	if _, err := os.Stat(filepath.Join(dir, "jsonld")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("npm validators missing in CI: %v (cd .ci/node && npm install)", err)
		}
		t.Log("npm validators not installed (cd .ci/node && npm install --no-package-lock)")
		suites.Skip(t, validatorsMissing)
	}
	return dir
}

func node(t *testing.T, modules, script string, args ...string) string {
	t.Helper()
	bin := validator(t, "node", "nodejs")
	path := filepath.Join(t.TempDir(), "check.js")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	return string(out)
}

// chromium renders a page headless and returns its DOM after scripts ran.
func chromium(t *testing.T, url string) string {
	t.Helper()
	bin := validator(t, "chromium", "chromium")
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=5000", "--dump-dom", url}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

var bodyAttr = regexp.MustCompile(`<body([^>]*)>`)

func attr(dom, name string) string {
	m := bodyAttr.FindStringSubmatch(dom)
	if m == nil {
		return ""
	}
	a := regexp.MustCompile(name + `="([^"]*)"`).FindStringSubmatch(m[1])
	if a == nil {
		return ""
	}
	return a[1]
}

// TestHTMLInChromium: the page renders offline with every node and edge,
// no script error, and its search and selection work.
func TestHTMLInChromium(t *testing.T) {
	g := productSubgraph(t, corpusStore(t))
	path := write(t, "g.html", func(b *bytes.Buffer) error { return HTML(b, g, "test") })
	dom := chromium(t, "file://"+path+"#search=meta%20platforms&select=org_meta")
	if e := attr(dom, "data-error"); e != "" {
		t.Fatalf("script error: %s", e)
	}
	if attr(dom, "data-ready") != "1" {
		t.Fatalf("the viewer did not start:\n%.2000s", dom)
	}
	if n := attr(dom, "data-nodes"); n != strconv.Itoa(len(g.Nodes)) {
		t.Errorf("page shows %s nodes, want %d", n, len(g.Nodes))
	}
	if n := attr(dom, "data-edges"); n != strconv.Itoa(len(g.Rels)) {
		t.Errorf("page shows %s edges, want %d", n, len(g.Rels))
	}
	if n := attr(dom, "data-matches"); n != "1" {
		t.Errorf("search for Meta Platforms matched %q nodes, want 1", n)
	}
	if !strings.Contains(dom, "record: org_meta") {
		t.Errorf("selecting org_meta did not show its record")
	}
}

// TestMermaidParses runs the Mermaid parser on the export, in Chromium.
func TestMermaidParses(t *testing.T) {
	modules := nodeModules(t)
	g := productSubgraph(t, corpusStore(t))
	var b bytes.Buffer
	if err := Mermaid(&b, g); err != nil {
		t.Fatal(err)
	}
	dom := mermaidInChromium(t, modules, b.String(), `
mermaid.parse(text).then(function (r) { document.body.dataset.ok = r ? "1" : "0"; })
  .catch(function (e) { document.body.dataset.error = String(e && e.message || e); });`)
	if e := attr(dom, "data-error"); e != "" {
		t.Fatalf("mermaid rejected the export: %s", e)
	}
	if attr(dom, "data-ok") != "1" {
		t.Fatalf("mermaid did not parse the export:\n%.1500s", dom)
	}
}

// mermaidInChromium renders a page that loads Mermaid, initialised, with
// the diagram's text in the variable text, then runs script; it returns
// the DOM. The text travels as JSON (<, > and & as \u escapes, so the
// script element cannot end early), and the page declares UTF-8, without
// which Mermaid's own script is read wrongly and its labels keep their
// entity placeholders.
func mermaidInChromium(t *testing.T, modules, diagram, script string) string {
	t.Helper()
	text, _ := json.Marshal(diagram)
	page := `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><div id="out"></div><script src="file://` + filepath.Join(modules, "mermaid/dist/mermaid.min.js") + `"></script>
<script type="application/json" id="src">` + string(text) + `</script>
<script>
mermaid.initialize({startOnLoad: false, theme: "default"});
var text = JSON.parse(document.getElementById("src").textContent);
` + script + `
</script></body></html>`
	path := filepath.Join(t.TempDir(), "mermaid.html")
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	return chromium(t, "file://"+path)
}

// TestCytoscapeLoads loads the JSON into Cytoscape.js (headless, in node).
func TestCytoscapeLoads(t *testing.T) {
	modules := nodeModules(t)
	g := productSubgraph(t, corpusStore(t))
	path := write(t, "g.json", func(b *bytes.Buffer) error { return Cytoscape(b, g) })
	out := node(t, modules, `
const cytoscape = require("cytoscape");
const doc = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const cy = cytoscape({headless: true, elements: doc.elements});
console.log(cy.nodes().length, cy.edges().length);`, path)
	want := strconv.Itoa(len(g.Nodes)) + " " + strconv.Itoa(len(g.Rels))
	if strings.TrimSpace(out) != want {
		t.Errorf("cytoscape loaded %q, want %q", strings.TrimSpace(out), want)
	}
}

// TestJSONLDExpandsToSameQuads: the npm jsonld processor turns the
// JSON-LD export into exactly the quads of the N-Quads export.
func TestJSONLDExpandsToSameQuads(t *testing.T) {
	modules := nodeModules(t)
	st := corpusStore(t)
	g := productSubgraph(t, st)
	qs, err := Quads(context.Background(), st, g)
	if err != nil {
		t.Fatal(err)
	}
	path := write(t, "g.jsonld", func(b *bytes.Buffer) error { return JSONLD(b, qs) })
	out := node(t, modules, `
const jsonld = require("jsonld");
const doc = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
jsonld.toRDF(doc, {format: "application/n-quads"}).then(nq => process.stdout.write(nq))
  .catch(e => { console.error(e); process.exit(1); });`, path)
	nq := filepath.Join(t.TempDir(), "fromjsonld.nq")
	os.WriteFile(nq, []byte(out), 0o644)
	changes, err := loader.ReadFiles(nq)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		for _, q := range c.Quads.Quads {
			got = append(got, claim.FormatQuad(q))
		}
	}
	var want []string
	for _, q := range qs {
		want = append(want, claim.FormatQuad(q))
	}
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("jsonld's quads differ from the export's (-export +jsonld):\n%s", diff)
	}
}
