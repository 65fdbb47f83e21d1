package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"claimgraph/graph/claim"
)

// TestDependentsOfChangedResolution: a write reads and derives again only
// the stored records that look up a name whose resolution it changes. A
// person sharing a name with a stored author but losing to her (a later
// id) changes none of her sources and reads none of them; one that wins
// (an earlier id) re-derives every one; removing the winner again
// re-derives them back.
func TestDependentsOfChangedResolution(t *testing.T) {
	person := func(id string) string {
		return fmt.Sprintf("person · researcher\nAnn Lee\n%s\n", id)
	}
	var sources strings.Builder
	var ids []string
	for i := range 30 {
		id := fmt.Sprintf("src_ann_%02d", i)
		ids = append(ids, id)
		fmt.Fprintf(&sources, "source · blog\nPost %d\n%s\nauthors: Ann Lee\nEvidence from this source (1)\n- weight0.5\nmethod: m\n“quote %d”\n---\n", i, id, i)
	}
	for _, backend := range []string{"bbolt", "leveldb", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			st, _ := newStore(t, backend)
			apply(t, st, parseText(t, person("per_ann_m"))...)
			apply(t, st, parseText(t, sources.String())...)
			authored := func() string {
				t.Helper()
				var by []string
				for _, l := range dump(t, st, false) {
					if strings.Contains(l, "AUTHORED_BY") {
						by = append(by, l)
					}
				}
				return strings.Join(by, "\n")
			}
			before := authored()
			if !strings.Contains(before, "per_ann_m") {
				t.Fatalf("sources not authored by per_ann_m:\n%s", before)
			}

			read := st.Rederived()
			res := apply(t, st, parseText(t, person("per_ann_z"))...)
			if n := st.Rederived() - read; n != 0 || len(res.Refreshed) != 0 {
				t.Errorf("a person losing the name to the stored one: %d records read again, %d refreshed; want none", n, len(res.Refreshed))
			}
			if after := authored(); after != before {
				t.Errorf("authors changed:\n%s\nwant:\n%s", after, before)
			}

			read = st.Rederived()
			res = apply(t, st, parseText(t, person("per_ann_a"))...)
			if n := st.Rederived() - read; n != len(ids) {
				t.Errorf("a person winning the name: %d records read again, want %d", n, len(ids))
			}
			if got := slices.Sorted(slices.Values(res.Refreshed)); !slices.Equal(got, ids) {
				t.Errorf("refreshed %v, want %v", got, ids)
			}
			if after := authored(); strings.Contains(after, "per_ann_m") || strings.Count(after, "per_ann_a") != len(ids) {
				t.Errorf("after a winning person, authors:\n%s", after)
			}

			res = apply(t, st, claim.Change{Remove: "per_ann_a"})
			if got := slices.Sorted(slices.Values(res.Refreshed)); !slices.Equal(got, ids) {
				t.Errorf("removing the winner refreshed %v, want %v", got, ids)
			}
			if after := authored(); after != before {
				t.Errorf("after removing the winner, authors:\n%s\nwant:\n%s", after, before)
			}
		})
	}
}
