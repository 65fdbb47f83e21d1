package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgraph/graph"
	"claimgraph/loader"
)

func TestCompletion(t *testing.T) {
	st := graph.OpenMemory()
	changes, err := loader.ReadFiles("../../testdata/000_7e1f6717d204dd7e.txt", "../../testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(t.Context(), changes); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "sources.txt"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	var pending strings.Builder
	c := &completer{s: &session{st: st}, pending: &pending}
	cases := []struct {
		line string
		want []string
	}{
		{"MATCH (p:Pe", []string{"Person"}},
		{"MATCH (p)-[:AUTH", []string{"AUTHORED_BY"}},
		{"MATCH (p)-[:AFFILIATED_WITH|PART", []string{"PART_OF"}},
		{"MATCH (q:Quote) RETURN q.wei", []string{"weight"}},
		{"MATCH (q:Quote) RETURN q.i", []string{"id", "ingest_git_sha", "ingest_method", "ingest_tool", "ingest_url_read", "ingested_at"}},
		{"MATCH (quote:Quote) WITH quote AS qq RETURN q", []string{"qq", "quote"}},
		{"match (n) ret", []string{"RETURN"}},
		{"RETURN toLo", []string{"toLower("}},
		{":sch", []string{":schema"}},
		{":load " + filepath.Join(dir, "s"), []string{filepath.Join(dir, "sources.txt"), filepath.Join(dir, "sub") + "/"}},
	}
	for _, tc := range cases {
		cands, n := c.Do([]rune(tc.line), len([]rune(tc.line)))
		word := tc.line[len(tc.line)-n:]
		var got []string
		for _, cand := range cands {
			got = append(got, word+string(cand))
		}
		// Completions keep the case the user typed for the part typed.
		for i := range got {
			got[i] = strings.ToLower(got[i][:len(word)]) + got[i][len(word):]
		}
		for i := range tc.want {
			tc.want[i] = strings.ToLower(tc.want[i][:len(word)]) + tc.want[i][len(word):]
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.line, diff)
		}
	}
}
