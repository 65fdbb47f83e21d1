package graph_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
	"claimgraph/graph/claim"
)

// TestFormats: the small graph in testdata/formats is written in every
// input format; each must load to the same graph as the record text. With
// -update the other formats are regenerated from small.txt.
func TestFormats(t *testing.T) {
	dir := filepath.Join(root, "formats")
	text := readChanges(t, filepath.Join(dir, "small.txt"))
	st := graph.OpenMemory()
	apply(t, st, text...)
	want := dump(t, st, true)
	if *update {
		writeFormats(t, dir, text, want)
	}
	for _, name := range []string{"small.json", "small.jsonl", "small.nq", "small.nq.gz"} {
		t.Run(name, func(t *testing.T) {
			got := graph.OpenMemory()
			apply(t, got, readChanges(t, filepath.Join(dir, name))...)
			if diff := cmp.Diff(want, dump(t, got, true)); diff != "" {
				t.Errorf("%s loads to another graph than small.txt (-txt +%s):\n%s", name, name, diff)
			}
		})
	}
	t.Run("small.nt", func(t *testing.T) {
		// N-Triples carry no record ids: compare the triples alone.
		got := graph.OpenMemory()
		apply(t, got, readChanges(t, filepath.Join(dir, "small.nt"))...)
		if diff := cmp.Diff(stripLabels(want), stripLabels(dump(t, got, true))); diff != "" {
			t.Errorf("small.nt loads to other triples (-txt +nt):\n%s", diff)
		}
	})
}

var labelRE = regexp.MustCompile(` <cg:[a-z0-9_]+> \.$`)

// stripLabels drops the graph labels and the duplicates that leaves (a
// topic is described by every record that names it).
func stripLabels(lines []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lines {
		l = labelRE.ReplaceAllString(l, " .")
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

func writeFormats(t *testing.T, dir string, text []claim.Change, facts []string) {
	var recs []*claim.Record
	var jsonl bytes.Buffer
	for _, c := range text {
		recs = append(recs, c.Record)
		b, _ := json.Marshal(c.Record)
		jsonl.Write(append(b, '\n'))
	}
	arr, _ := json.MarshalIndent(recs, "", "  ")
	nq := strings.Join(facts, "\n") + "\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(nq))
	zw.Close()
	files := map[string][]byte{
		"small.json": append(arr, '\n'), "small.jsonl": jsonl.Bytes(), "small.nq": []byte(nq),
		"small.nq.gz": gz.Bytes(), "small.nt": []byte(strings.Join(stripLabels(facts), "\n") + "\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
