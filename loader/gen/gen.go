// Package gen generates large, realistic claim corpora in the record text
// format, deterministically from a seed: organisations with "part of"
// chains and interests, persons affiliated with them, claims, and sources
// whose authorship follows a Zipf-like law with 2–8 quotes each.
package gen

import (
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
)

// Config sizes a corpus. Persons, organisations and claims scale with
// Sources when left zero.
type Config struct {
	Sources int
	Seed    int64
}

var (
	words = strings.Fields(`open weights regulation safety alignment compute data privacy labour
		energy health sugar tobacco climate fuel vaccine nutrition benchmark model chip cloud
		copyright liability audit risk market research funding trial evidence policy`)
	methods = []string{"primary_testimony", "expert_estimate", "secondary_report", "opinion", "statistic"}
	kinds   = []string{"commercial", "commercial", "financial", "strategic", "ideological", "regulatory"}
	stances = []string{"supports", "supports", "contradicts", "qualifies"}
)

func topicName(i int) string {
	return fmt.Sprintf("%s %s", words[i%len(words)], words[(i/len(words)+i+3)%len(words)])
}
func title(r *rand.Rand) string {
	n := 3 + r.Intn(5)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = words[r.Intn(len(words))]
	}
	return strings.ToUpper(parts[0][:1]) + strings.Join(parts, " ")[1:]
}

// Write writes the corpus into dir as organisations.txt, persons.txt,
// claims.txt and sources_NNNN.txt files of 1,000 sources each.
func Write(dir string, c Config) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r := rand.New(rand.NewSource(c.Seed))
	nOrg := max(5, c.Sources/50)
	nPer := max(10, c.Sources/5)
	nClaim := max(5, c.Sources/10)
	nTopic := max(8, min(200, c.Sources/20))
	write := func(name string, fn func(io.Writer)) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		fn(f)
		return f.Close()
	}
	err := write("organisations.txt", func(w io.Writer) {
		for i := 0; i < nOrg; i++ {
			sep(w, i)
			fmt.Fprintf(w, "organisation · company\nOrganisation %d\norg_g%d\nhttps://www.org%d.example\n", i, i, i)
			fmt.Fprintf(w, "aliases: Org%d\ndomains: org%d.example\n", i, i)
			if i > 0 && r.Intn(10) < 3 {
				fmt.Fprintf(w, "part of: Organisation %d\n", r.Intn(i))
			}
			n := 1 + r.Intn(3)
			fmt.Fprintf(w, "Interests (%d)\n", n)
			for j := 0; j < n; j++ {
				fmt.Fprintf(w, "- %s · topic: %s · note: generated\n", kinds[r.Intn(len(kinds))], topicName(r.Intn(nTopic)))
			}
		}
	})
	if err != nil {
		return err
	}
	err = write("persons.txt", func(w io.Writer) {
		for i := 0; i < nPer; i++ {
			sep(w, i)
			fmt.Fprintf(w, "person · researcher\nPerson %d\nper_g%d\naliases: P%d\n", i, i, i)
			n := 1 + r.Intn(2)
			fmt.Fprintf(w, "Affiliations (%d)\n", n)
			for j := 0; j < n; j++ {
				fmt.Fprintf(w, "- Organisation %d · role: staff · since: %d\n", r.Intn(nOrg), 2000+r.Intn(25))
			}
		}
	})
	if err != nil {
		return err
	}
	err = write("claims.txt", func(w io.Writer) {
		for i := 0; i < nClaim; i++ {
			sep(w, i)
			fmt.Fprintf(w, "claim · descriptive\nClaim %d: %s\nclm_g%d\ntopics: %s\n", i, title(r), i, topicName(r.Intn(nTopic)))
		}
	})
	if err != nil {
		return err
	}
	zipf := rand.NewZipf(r, 1.2, 4, uint64(nPer-1))
	for chunk := 0; chunk*1000 < c.Sources; chunk++ {
		err := write(fmt.Sprintf("sources_%04d.txt", chunk), func(w io.Writer) {
			for i := chunk * 1000; i < min(c.Sources, (chunk+1)*1000); i++ {
				source(w, r, zipf, i, nOrg, nClaim, nTopic)
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func sep(w io.Writer, i int) {
	if i > 0 {
		fmt.Fprintln(w, "---")
	}
}

func source(w io.Writer, r *rand.Rand, zipf *rand.Zipf, i, nOrg, nClaim, nTopic int) {
	sep(w, i%1000)
	fmt.Fprintf(w, "source · %s\n%s\nsrc_g%d\n", []string{"blog", "paper", "news", "report"}[r.Intn(4)], title(r), i)
	fmt.Fprintf(w, "https://www.org%d.example/p/%d\n", r.Intn(nOrg), i)
	authors := map[uint64]bool{}
	for n := 1 + r.Intn(3); len(authors) < n; {
		authors[zipf.Uint64()] = true
	}
	var names []string
	for a := range authors {
		if r.Intn(5) == 0 {
			names = append(names, fmt.Sprintf("P%d", a))
		} else {
			names = append(names, fmt.Sprintf("Person %d", a))
		}
	}
	sortStrings(names)
	fmt.Fprintf(w, "authors: %s\npublished: %d-%02d-%02d\naccessed: 2026-11-26\n", strings.Join(names, "; "), 2015+r.Intn(11), 1+r.Intn(12), 1+r.Intn(28))
	fmt.Fprintf(w, "topics: %s; %s\n", topicName(r.Intn(nTopic)), topicName(r.Intn(nTopic)))
	fmt.Fprintf(w, "Notes\nGenerated source %d.\n", i)
	n := 2 + r.Intn(7)
	fmt.Fprintf(w, "Evidence from this source (%d)\n", n)
	for j := 0; j < n; j++ {
		fmt.Fprintf(w, "- weight%.2f\nmethod: %s · locator: paragraph %d", r.Float64(), methods[r.Intn(len(methods))], j+1)
		if r.Intn(4) == 0 {
			fmt.Fprintf(w, " · topics: %s", topicName(r.Intn(nTopic)))
		}
		if r.Intn(3) == 0 {
			fmt.Fprintf(w, " · claim: clm_g%d · stance: %s", r.Intn(nClaim), stances[r.Intn(len(stances))])
		}
		fmt.Fprintf(w, "\n“%s, said the author of source %d.”\n", title(r), i)
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
