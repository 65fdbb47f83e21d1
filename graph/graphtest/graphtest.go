// Package graphtest holds what the store's tests share: records read from
// files or from text, stores of every kind opened for a test, batches
// applied, a store's quads dumped and its bookkeeping verified. Tests
// only; it must not be imported by the product.
package graphtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/graph/pgtest"
	"claimgraph/loader"
)

// ReadChanges reads every record of the given files (or directories).
func ReadChanges(t testing.TB, paths ...string) []claim.Change {
	t.Helper()
	changes, err := loader.ReadFiles(paths...)
	if err != nil {
		t.Fatal(err)
	}
	return changes
}

// ParseText reads records from record text given inline.
func ParseText(t testing.TB, text string) []claim.Change {
	t.Helper()
	rd := loader.NewTextReader("test.txt", strings.NewReader(text), nil)
	var out []claim.Change
	for {
		item, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, item.Change)
	}
}

// Apply writes changes as one batch, failing the test on an error.
func Apply(t testing.TB, st *graph.Store, changes ...claim.Change) graph.Result {
	t.Helper()
	res, err := st.Apply(context.Background(), changes)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Dump returns every quad of the store as sorted N-Quads lines; with
// facts set, bookkeeping quads are left out.
func Dump(t testing.TB, st *graph.Store, facts bool) []string {
	t.Helper()
	var out []string
	err := st.Quads(context.Background(), func(q quad.Quad) error {
		if !facts || !claim.IsMeta(q.Predicate) {
			out = append(out, claim.FormatQuad(q))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// NewStore opens a new empty store of a kind: a key-value backend in a
// temporary directory, or "postgres", a fresh database (skipped without a
// server; see pgtest). It returns the store and where it is.
func NewStore(t testing.TB, kind string) (*graph.Store, string) {
	t.Helper()
	loc := filepath.Join(t.TempDir(), "kb.db")
	if kind == "postgres" {
		loc = pgtest.URL(t)
	}
	st, err := graph.Open(context.Background(), loc, graph.Options{Backend: kind})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, loc
}

// Verify fails the test if the store's own bookkeeping is inconsistent.
func Verify(t testing.TB, st *graph.Store) {
	t.Helper()
	if err := st.Verify(context.Background()); err != nil {
		t.Error(err)
	}
}

var (
	names   = []string{"Ann Lee", "Bo Chen", "Cy Dee", "Dee Fox"}
	aliases = []string{"Annie", "Bo", "Doc", "CD"}
	orgs    = []string{"Acme Corp", "Beta Labs", "Gamma Inc"}
	domains = []string{"acme.com", "beta.org", "gamma.io", "news.acme.com"}
	topics  = []string{"AI regulation", "open-source AI", "Climate"}
)

func pick(rng *rand.Rand, list []string, n int) []string {
	var out []string
	for _, i := range rng.Perm(len(list))[:n] {
		out = append(out, list[i])
	}
	return out
}

// RandomRecord returns a random version of the record with the given id;
// references between records use names, aliases, ids and domains, so
// replacements and removals keep changing what other records resolve to.
func RandomRecord(rng *rand.Rand, id string) string {
	var b strings.Builder
	switch id[:4] {
	case "per_":
		fmt.Fprintf(&b, "person · researcher\n%s\n%s\naliases: %s\n", names[rng.Intn(len(names))], id, strings.Join(pick(rng, aliases, rng.Intn(3)), "; "))
		aff := pick(rng, append(append([]string{}, orgs...), "org_1"), rng.Intn(3))
		fmt.Fprintf(&b, "Affiliations (%d)\n", len(aff))
		for _, a := range aff {
			fmt.Fprintf(&b, "- %s · role: r%d\n", a, rng.Intn(3))
		}
	case "org_":
		fmt.Fprintf(&b, "organisation · company\n%s\n%s\ndomains: %s\n", orgs[rng.Intn(len(orgs))], id, strings.Join(pick(rng, domains, rng.Intn(3)), "; "))
		if rng.Intn(2) == 0 {
			fmt.Fprintf(&b, "part of: %s\n", orgs[rng.Intn(len(orgs))])
		}
		in := pick(rng, topics, rng.Intn(3))
		fmt.Fprintf(&b, "Interests (%d)\n", len(in))
		for _, t := range in {
			fmt.Fprintf(&b, "- %s · topic: %s\n", []string{"commercial", "strategic"}[rng.Intn(2)], t)
		}
	default:
		fmt.Fprintf(&b, "source · blog\nTitle %d\n%s\nhttps://%s/p\n", rng.Intn(9), id, domains[rng.Intn(len(domains))])
		who := pick(rng, append(append([]string{}, names...), aliases...), 1+rng.Intn(3))
		fmt.Fprintf(&b, "authors: %s\ntopics: %s\n", strings.Join(who, "; "), strings.Join(pick(rng, topics, rng.Intn(3)), "; "))
		n := 1 + rng.Intn(3)
		fmt.Fprintf(&b, "Evidence from this source (%d)\n", n)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "- weight0.%d\nmethod: m%d\n“quote %d”\n", rng.Intn(10), rng.Intn(2), rng.Intn(4))
		}
	}
	return b.String()
}

// RandomBatch returns a batch of one to four random loads and removals
// of the records with the given ids.
func RandomBatch(t testing.TB, rng *rand.Rand, ids []string) []claim.Change {
	var batch []claim.Change
	for _, id := range pick(rng, ids, 1+rng.Intn(4)) {
		if rng.Intn(4) == 0 {
			batch = append(batch, claim.Change{Remove: id})
		} else {
			batch = append(batch, ParseText(t, RandomRecord(rng, id))...)
		}
	}
	return batch
}
