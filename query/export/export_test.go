package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"
	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/graph/suites"
	"claimgraph/loader"
	"claimgraph/query"
)

// validatorsMissing is why a test of an export is skipped on a machine
// without the programs that check it.
const validatorsMissing = "tests needing export validators (bash .ci/run installs them)"

// TestMain reports the tests skipped for want of a validator.
func TestMain(m *testing.M) { os.Exit(suites.Main(m)) }

// validator returns the path of an external program that checks an
// export. A developer without it gets a skip that says how to install it;
// in CI (CI=true) a missing validator fails the run.
func validator(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("validator %s is missing in CI (apt-get install %s)", name, pkg)
	}
	t.Logf("validator %s not installed (apt-get install %s)", name, pkg)
	suites.Skip(t, validatorsMissing)
	return ""
}

func corpusStore(t *testing.T) *graph.Store {
	t.Helper()
	changes, err := loader.ReadFiles("../../testdata/000_7e1f6717d204dd7e.txt", "../../testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	st := graph.OpenMemory()
	if _, err := st.Apply(context.Background(), changes); err != nil {
		t.Fatal(err)
	}
	return st
}

func productSubgraph(t *testing.T, st *graph.Store) *query.Subgraph {
	t.Helper()
	src, err := os.ReadFile("../../testdata/queries/product.cypher")
	if err != nil {
		t.Fatal(err)
	}
	p, err := query.Prepare(context.Background(), st, string(src))
	if err != nil {
		t.Fatal(err)
	}
	g, err := p.Subgraph(context.Background(), st, query.Options{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) == 0 || len(g.Rels) == 0 {
		t.Fatalf("the product query bound nothing")
	}
	return g
}

func write(t *testing.T, name string, fn func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := fn(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, prog string, args ...string) string {
	t.Helper()
	out, err := exec.Command(prog, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", prog, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestSubgraphOfProductQuery(t *testing.T) {
	g := productSubgraph(t, corpusStore(t))
	labels := map[string]int{}
	for _, n := range g.Nodes {
		for _, l := range n.Labels {
			labels[l]++
		}
		if n.Record == "" {
			t.Errorf("node %s has no record", n.ID)
		}
	}
	types := map[string]int{}
	for _, r := range g.Rels {
		types[r.Type]++
	}
	// Every element of the chain, anonymous ones included, is there.
	for _, l := range []string{"Quote", "Source", "Person", "Organisation", "Topic"} {
		if labels[l] == 0 {
			t.Errorf("no %s node in the subgraph (labels %v)", l, labels)
		}
	}
	for _, typ := range []string{"QUOTED_IN", "AUTHORED_BY", "AFFILIATED_WITH", "PART_OF", "INTERESTED_IN", "ABOUT"} {
		if types[typ] == 0 {
			t.Errorf("no %s relationship in the subgraph (types %v)", typ, types)
		}
	}
}

func TestDOT(t *testing.T) {
	dot := validator(t, "dot", "graphviz")
	g := productSubgraph(t, corpusStore(t))
	path := write(t, "g.dot", func(b *bytes.Buffer) error { return DOT(b, g) })
	run(t, dot, "-Tsvg", "-o", os.DevNull, path)
	plain := run(t, dot, "-Tplain", path)
	nodes, edges := 0, 0
	for _, line := range strings.Split(plain, "\n") {
		switch {
		case strings.HasPrefix(line, "node "):
			nodes++
		case strings.HasPrefix(line, "edge "):
			edges++
		}
	}
	if nodes != len(g.Nodes) || edges != len(g.Rels) {
		t.Errorf("graphviz read %d nodes and %d edges, want %d and %d", nodes, edges, len(g.Nodes), len(g.Rels))
	}
}

// networkxCounts reads a file with networkx and returns its node and edge
// counts.
func networkxCounts(t *testing.T, reader, path string) (int, int) {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		validator(t, "/usr/bin/python3", "python3-networkx")
	}
	script := "import sys, networkx as nx\ng = nx." + reader + "(sys.argv[1])\nprint(g.number_of_nodes(), g.number_of_edges())"
	out, err := exec.Command(py, "-c", script, path).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "No module named 'networkx'") {
			validator(t, "networkx-for-/usr/bin/python3", "python3-networkx")
		}
		t.Fatalf("networkx %s: %v\n%s", reader, err, out)
	}
	f := strings.Fields(string(out))
	n, _ := strconv.Atoi(f[0])
	e, _ := strconv.Atoi(f[1])
	return n, e
}

func TestGraphML(t *testing.T) {
	xmllint := validator(t, "xmllint", "libxml2-utils")
	g := productSubgraph(t, corpusStore(t))
	path := write(t, "g.graphml", func(b *bytes.Buffer) error { return GraphML(b, g) })
	run(t, xmllint, "--noout", path)
	n, e := networkxCounts(t, "read_graphml", path)
	if n != len(g.Nodes) || e != len(g.Rels) {
		t.Errorf("networkx read %d nodes and %d edges, want %d and %d", n, e, len(g.Nodes), len(g.Rels))
	}
}

func TestGEXF(t *testing.T) {
	xmllint := validator(t, "xmllint", "libxml2-utils")
	g := productSubgraph(t, corpusStore(t))
	path := write(t, "g.gexf", func(b *bytes.Buffer) error { return GEXF(b, g) })
	run(t, xmllint, "--noout", path)
	n, e := networkxCounts(t, "read_gexf", path)
	if n != len(g.Nodes) || e != len(g.Rels) {
		t.Errorf("networkx read %d nodes and %d edges, want %d and %d", n, e, len(g.Nodes), len(g.Rels))
	}
}

// TestNQuadsRoundTrip: the whole graph exported as N-Quads parses with
// rapper and reloads into an empty store as the same graph.
func TestNQuadsRoundTrip(t *testing.T) {
	rapper := validator(t, "rapper", "raptor2-utils")
	st := corpusStore(t)
	g, err := query.WholeGraph(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	qs, err := Quads(context.Background(), st, g)
	if err != nil {
		t.Fatal(err)
	}
	path := write(t, "g.nq", func(b *bytes.Buffer) error { return NQuads(b, qs) })
	out := run(t, rapper, "-i", "nquads", "-c", path)
	if !strings.Contains(out, "returned "+strconv.Itoa(len(qs))+" triples") {
		t.Errorf("rapper: %s (want %d triples)", out, len(qs))
	}
	back := graph.OpenMemory()
	changes, err := loader.ReadFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := back.Apply(context.Background(), changes); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(facts(t, st), facts(t, back)); diff != "" {
		t.Errorf("reloaded graph differs (-original +reloaded):\n%s", diff)
	}
}

func facts(t *testing.T, st *graph.Store) []string {
	var out []string
	st.Quads(context.Background(), func(q quad.Quad) error {
		if !claim.IsMeta(q.Predicate) {
			out = append(out, claim.FormatQuad(q))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func TestCytoscapeJSONLDCSVMermaid(t *testing.T) {
	st := corpusStore(t)
	g := productSubgraph(t, st)
	var cy struct {
		Elements struct {
			Nodes []map[string]any `json:"nodes"`
			Edges []map[string]any `json:"edges"`
		} `json:"elements"`
	}
	var b bytes.Buffer
	if err := Cytoscape(&b, g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b.Bytes(), &cy); err != nil {
		t.Fatal(err)
	}
	if len(cy.Elements.Nodes) != len(g.Nodes) || len(cy.Elements.Edges) != len(g.Rels) {
		t.Errorf("cytoscape: %d nodes %d edges, want %d %d", len(cy.Elements.Nodes), len(cy.Elements.Edges), len(g.Nodes), len(g.Rels))
	}
	qs, err := Quads(context.Background(), st, g)
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := JSONLD(&b, qs); err != nil {
		t.Fatal(err)
	}
	var ld []map[string]any
	if err := json.Unmarshal(b.Bytes(), &ld); err != nil || len(ld) == 0 {
		t.Fatalf("json-ld: %v (%d graphs)", err, len(ld))
	}
	var nb, eb bytes.Buffer
	if err := CSV(&nb, &eb, g, false); err != nil {
		t.Fatal(err)
	}
	nrows, _ := csv.NewReader(&nb).ReadAll()
	erows, _ := csv.NewReader(&eb).ReadAll()
	if len(nrows) != len(g.Nodes)+1 || len(erows) != len(g.Rels)+1 {
		t.Errorf("csv: %d node rows %d edge rows, want %d %d (with headers)", len(nrows), len(erows), len(g.Nodes)+1, len(g.Rels)+1)
	}
	b.Reset()
	if err := Mermaid(&b, g); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(b.String(), " -->|"); got != len(g.Rels) {
		t.Errorf("mermaid has %d edges, want %d", got, len(g.Rels))
	}
}

// TestSVG: the in-process rendering is well-formed XML with one shape per
// node and one line per relationship.
func TestSVG(t *testing.T) {
	xmllint := validator(t, "xmllint", "libxml2-utils")
	g := productSubgraph(t, corpusStore(t))
	path := write(t, "g.svg", func(b *bytes.Buffer) error { return SVG(b, g) })
	run(t, xmllint, "--noout", path)
	raw, _ := os.ReadFile(path)
	if n := strings.Count(string(raw), `<g class="node" `); n != len(g.Nodes) {
		t.Errorf("%d node groups, want %d", n, len(g.Nodes))
	}
	if n := strings.Count(string(raw), "<line "); n != len(g.Rels) {
		t.Errorf("%d lines, want %d", n, len(g.Rels))
	}
}
