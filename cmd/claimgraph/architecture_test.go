package main

import (
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
)

// layers says which of claimgraph's packages each package may import (its
// non-test code; the rules are docs/architecture.md's). Imports go one
// way: from the command down to the data model. A package that is not
// listed fails the test, so a new package takes its place here first.
var layers = map[string][]string{
	"cmd/claimgraph": {"*"},

	"loader":     {"graph/claim"},
	"loader/gen": {},

	"query":            {"graph", "graph/claim", "query/syntax", "query/value", "query/function", "query/access", "query/operator"},
	"query/operator":   {"query/syntax", "query/value", "query/function", "query/access"},
	"query/syntax":     {},
	"query/value":      {"graph"},
	"query/function":   {"query/value"},
	"query/access":     {"graph", "graph/claim", "query/value"},
	"query/result":     {"query/value"},
	"query/export":     {"graph", "graph/claim", "query", "query/result", "query/value"},
	"query/querytest":  {"graph", "graph/pgtest", "loader", "query", "query/value"},
	"graph":            {"graph/claim", "graph/kvstore", "graph/sqlstore", "graph/queryindex"},
	"graph/claim":      {},
	"graph/kvstore":    {"graph/boltmap", "graph/levelkv"},
	"graph/sqlstore":   {"graph/claim"},
	"graph/queryindex": {"graph/boltmap", "graph/levelkv"},
	"graph/boltmap":    {},
	"graph/levelkv":    {},
	"graph/pgtest":     {"graph/suites"},
	"graph/graphtest":  {"graph", "graph/claim", "graph/pgtest", "loader"},
	"graph/suites":     {},
}

// TestArchitecture checks every package's imports against layers.
func TestArchitecture(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "claimgraph/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], "claimgraph/")
		seen[pkg] = true
		allowed, ok := layers[pkg]
		if !ok {
			t.Errorf("package %s has no place in the layers (cmd/claimgraph/architecture_test.go, docs/architecture.md)", pkg)
			continue
		}
		if slices.Contains(allowed, "*") {
			continue
		}
		for _, imp := range fields[1:] {
			dep, own := strings.CutPrefix(imp, "claimgraph/")
			if own && !slices.Contains(allowed, dep) {
				t.Errorf("%s imports %s; it may import only %v", pkg, dep, allowed)
			}
		}
	}
	var gone []string
	for pkg := range layers {
		if !seen[pkg] {
			gone = append(gone, pkg)
		}
	}
	sort.Strings(gone)
	if len(gone) > 0 {
		t.Errorf("layers lists packages that do not exist: %v", gone)
	}
}
