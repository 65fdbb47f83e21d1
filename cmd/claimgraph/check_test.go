package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"claimgraph/graph"
)

// TestCheckCommand: check passes a good store; names a damaged query
// index, which --repair builds again; and names a bolt file cut short,
// which it cannot repair. Each failing check exits 1.
func TestCheckCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kb.db")
	var out bytes.Buffer
	cg := func(args ...string) int {
		out.Reset()
		return Main(append(args, "--db", db), nil, &out, &out)
	}
	if code := cg("load", "../../testdata/corpus"); code != exitOK {
		t.Fatalf("load: %s", out.String())
	}
	if code := cg("check"); code != exitOK || !strings.Contains(out.String(), "(bbolt): ok in") {
		t.Fatalf("check of a good store: exit %d\n%s", code, out.String())
	}
	index := filepath.Join(db, graph.IndexFile)
	raw, _ := os.ReadFile(index)
	raw[len(raw)/2] ^= 0x10
	os.WriteFile(index, raw, 0o644)
	if code := cg("check"); code != exitFail || !strings.Contains(out.String(), index+": query index "+index+": damaged: checksum") ||
		!strings.Contains(out.String(), "claimgraph check --repair builds it again") {
		t.Errorf("check of a damaged index: exit %d\n%s", code, out.String())
	}
	if code := cg("check", "--repair"); code != exitOK || !strings.Contains(out.String(), "repaired:") {
		t.Errorf("check --repair: exit %d\n%s", code, out.String())
	}
	if code := cg("check"); code != exitOK {
		t.Errorf("check after the repair: exit %d\n%s", code, out.String())
	}
	bolt := filepath.Join(db, "data", "indexes.bolt")
	os.Truncate(bolt, 64<<10) // bbolt grows its file ahead of its pages: cut into them
	if code := cg("check", "--repair"); code != exitFail || !strings.Contains(out.String(), "store file "+bolt+" is damaged") {
		t.Errorf("check of a bolt file cut short: exit %d\n%s", code, out.String())
	}
}
