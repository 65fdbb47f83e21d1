package graph_test

import (
	"path/filepath"
	"strings"
	"testing"

	"claimgraph/graph"
	"claimgraph/graph/claim"
)

// facts loads records into a memory store and returns its property-graph
// quads as N-Quads lines without labels, for containment checks.
func facts(t *testing.T, changes ...claim.Change) map[string]bool {
	t.Helper()
	st := graph.OpenMemory()
	apply(t, st, changes...)
	out := map[string]bool{}
	for _, l := range dump(t, st, true) {
		// drop the label: "<s> <p> <o> <label> ." → "<s> <p> <o>"
		l = strings.TrimSuffix(l, " .")
		l = l[:strings.LastIndex(l, " ")]
		out[l] = true
	}
	return out
}

func rel(s, typ, o string) string { return "<cg:" + s + "> <cg:" + typ + "> <cg:" + o + ">" }
func prop(s, key, lit string) string {
	return "<cg:" + s + "> <cg:prop/" + key + "> " + lit
}
func typed(s, label string) string {
	return "<cg:" + s + "> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <cg:" + label + ">"
}

func check(t *testing.T, got map[string]bool, want []string, absent []string) {
	t.Helper()
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing fact %s", w)
		}
	}
	for _, a := range absent {
		for g := range got {
			if strings.Contains(g, a) {
				t.Errorf("unexpected fact %s (matches %q)", g, a)
			}
		}
	}
}

const person = `person · executive
Mark Zuckerberg
per_mark_zuckerberg
aliases: Zuck; Mark Elliot Zuckerberg
Affiliations (1)
- Meta Platforms · role: chief executive officer · since: 2004
Notes
Founder of Facebook.
`

const org = `organisation · company
Meta Platforms
org_meta
https://about.meta.com
aliases: Meta; Facebook
domains: meta.com; fb.com; facebook.com
part of: 
Interests (2)
- commercial · topic: open-source AI · note: Llama is Meta's model family
- strategic · topic: AI regulation
`

func TestSpecRules(t *testing.T) {
	cases := []struct {
		name   string
		text   string
		want   []string
		absent []string
	}{{
		name: "authors split on commas and 'and' when there is no semicolon",
		text: "source · paper\nT\nsrc_a\nauthors: Ann Lee, Bo Chen and Cy Dee\nEvidence from this source (1)\n- weight0.5\nmethod: m · locator: l\n“q”\n",
		want: []string{rel("src_a", "AUTHORED_BY", "per_ann_lee"), rel("src_a", "AUTHORED_BY", "per_bo_chen"), rel("src_a", "AUTHORED_BY", "per_cy_dee"),
			typed("per_bo_chen", "Person"), prop("per_bo_chen", "name", `"Bo Chen"`)},
	}, {
		name: "authors split on semicolons only when present",
		text: "source · paper\nT\nsrc_a\nauthors: Lee, Ann; Chen and Sons\n",
		want: []string{rel("src_a", "AUTHORED_BY", "per_lee_ann"), rel("src_a", "AUTHORED_BY", "per_chen_and_sons")},
	}, {
		name:   "author resolves by alias, case-insensitively, to the person record",
		text:   "source · blog\nT\nsrc_a\nauthors: zuck\n---\n" + person,
		want:   []string{rel("src_a", "AUTHORED_BY", "per_mark_zuckerberg")},
		absent: []string{"per_zuck"},
	}, {
		name: "publisher inferred from a sub-domain of an organisation's domain",
		text: "source · blog\nT\nsrc_a\nhttps://about.fb.com/news/x\n---\n" + org,
		want: []string{rel("src_a", "PUBLISHED_BY", "org_meta")},
	}, {
		name: "explicit publisher by alias wins over the URL",
		text: "source · blog\nT\nsrc_a\nhttps://example.org/x\npublisher: facebook\n---\n" + org,
		want: []string{rel("src_a", "PUBLISHED_BY", "org_meta")},
	}, {
		name:   "no publisher and no matching domain: no PUBLISHED_BY",
		text:   "source · blog\nT\nsrc_a\nhttps://example.org/x\n---\n" + org,
		absent: []string{"PUBLISHED_BY"},
	}, {
		name: "affiliation with properties through an edge node; org by name",
		text: person + "---\n" + org,
		want: []string{rel("per_mark_zuckerberg", "AFFILIATED_WITH", "per_mark_zuckerberg/aff1"),
			"<cg:per_mark_zuckerberg/aff1> <cg:edge/to> <cg:org_meta>",
			prop("per_mark_zuckerberg/aff1", "role", `"chief executive officer"`),
			prop("per_mark_zuckerberg/aff1", "since", `"2004"`),
			prop("per_mark_zuckerberg", "aliases", `"Zuck"`), prop("per_mark_zuckerberg", "aliases", `"Mark Elliot Zuckerberg"`)},
	}, {
		name: "interests: kind and note on the edge, topic by slug; empty part of is no edge",
		text: org,
		want: []string{rel("org_meta", "INTERESTED_IN", "org_meta/int1"), "<cg:org_meta/int1> <cg:edge/to> <cg:top_open_source_ai>",
			prop("org_meta/int1", "kind", `"commercial"`), prop("org_meta/int2", "kind", `"strategic"`),
			typed("top_ai_regulation", "Topic"), prop("top_ai_regulation", "name", `"AI regulation"`),
			prop("org_meta", "domains", `"fb.com"`), prop("org_meta", "url", `"https://about.meta.com"`)},
		absent: []string{"PART_OF"},
	}, {
		name: "part of by alias",
		text: "organisation · lab\nFAIR\norg_fair\npart of: Meta\n---\n" + org,
		want: []string{rel("org_fair", "PART_OF", "org_meta")},
	}, {
		name: "quotes without topics are about the source's topics; own topics replace them",
		text: "source · blog\nT\nsrc_a\ntopics: AI Safety; open-source AI\nEvidence from this source (2)\n- weight0.5\nmethod: m\n“one”\n- weight1\nmethod: m · topics: Climate\n“two”\n",
		want: []string{rel("src_a#1", "ABOUT", "top_ai_safety"), rel("src_a#1", "ABOUT", "top_open_source_ai"),
			rel("src_a#2", "ABOUT", "top_climate"), rel("src_a", "ABOUT", "top_ai_safety"),
			rel("src_a#1", "QUOTED_IN", "src_a"), prop("src_a#2", "weight", `"1"^^<http://www.w3.org/2001/XMLSchema#double>`)},
		absent: []string{rel("src_a#2", "ABOUT", "top_ai_safety")},
	}, {
		name: "topics are case-insensitive",
		text: "source · blog\nT\nsrc_a\ntopics: AI regulation\n---\nsource · blog\nU\nsrc_b\ntopics: ai REGULATION\n",
		want: []string{rel("src_a", "ABOUT", "top_ai_regulation"), rel("src_b", "ABOUT", "top_ai_regulation")},
	}, {
		name: "claims by id and by text, with stances; default supports",
		text: "claim · descriptive\nOpen weights are cheaper\nclm_cheap\ntopics: open-source AI\n---\n" +
			"source · blog\nT\nsrc_a\nEvidence from this source (3)\n- weight0.5\nmethod: m · claim: clm_cheap · stance: contradicts\n“one”\n" +
			"- weight0.5\nmethod: m · claim: open weights are CHEAPER\n“two”\n- weight0.5\nmethod: m · claim: Something new · stance: qualifies\n“three”\n",
		want: []string{rel("src_a#1", "CONTRADICTS", "clm_cheap"), rel("src_a#2", "SUPPORTS", "clm_cheap"),
			rel("src_a#3", "QUALIFIES", "clm_something_new"), typed("clm_something_new", "Claim"),
			prop("clm_something_new", "text", `"Something new"`), rel("clm_cheap", "ABOUT", "top_open_source_ai"),
			prop("clm_cheap", "subtype", `"descriptive"`)},
	}, {
		name: "unknown keys are kept as properties; intake keys are mapped",
		text: "source · blog\nT\nsrc_a\nlicense: CC-BY\nIntake provenance\n- method\n- httpx\n- url read\n- https://x.org\nEvidence from this source (1)\n- weight0.5\nmethod: m · page: 4\n“q”\n",
		want: []string{prop("src_a", "license", `"CC-BY"`), prop("src_a", "ingest_method", `"httpx"`),
			prop("src_a", "ingest_url_read", `"https://x.org"`), prop("src_a#1", "page", `"4"`)},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check(t, facts(t, parseText(t, c.text)...), c.want, c.absent)
		})
	}
}

// TestEdgeCorpus checks what corpus/README.md says must hold for each edge file.
func TestEdgeCorpus(t *testing.T) {
	edge := func(name string) map[string]bool {
		return facts(t, readChanges(t, filepath.Join(root, "corpus", "edge", name))...)
	}
	count := func(f map[string]bool, sub string) int {
		n := 0
		for k := range f {
			if strings.Contains(k, sub) {
				n++
			}
		}
		return n
	}
	t.Run("E01 CRLF, commas and 'and'", func(t *testing.T) {
		f := edge("E01_crlf_authors_commas_and.txt")
		check(t, f, []string{rel("src_edge_crlf_dair_statement", "AUTHORED_BY", "per_timnit_gebru"),
			rel("src_edge_crlf_dair_statement", "AUTHORED_BY", "per_emily_m_bender"),
			rel("src_edge_crlf_dair_statement", "AUTHORED_BY", "per_angelina_mcmillan_major"),
			rel("src_edge_crlf_dair_statement", "AUTHORED_BY", "per_margaret_mitchell")}, []string{`\r`})
		if n := count(f, "<cg:QUOTED_IN>"); n != 2 {
			t.Errorf("got %d quotes, want 2", n)
		}
		if n := count(f, "<cg:AUTHORED_BY>"); n != 4 {
			t.Errorf("got %d authors, want 4", n)
		}
	})
	t.Run("E02 BOM and accents", func(t *testing.T) {
		f := edge("E02_bom_accented_names.txt")
		check(t, f, []string{rel("src_edge_bom_bubeck_podcast", "AUTHORED_BY", "per_sebastien_bubeck"),
			rel("src_edge_bom_bubeck_podcast", "AUTHORED_BY", "per_ashley_llorens"), typed("per_cedric_o", "Person"),
			prop("src_edge_bom_bubeck_podcast", "kind", `"blog"`)}, []string{"\ufeff"})
		recs := readChanges(t, filepath.Join(root, "corpus", "edge", "E02_bom_accented_names.txt"))
		recs = append(recs, parseText(t, "source · blog\nT\nsrc_x\nauthors: Cedric O\n")...)
		cedric := facts(t, recs...)
		check(t, cedric, []string{rel("src_x", "AUTHORED_BY", "per_cedric_o")}, nil)
	})
	t.Run("E03 multi-line quotes, no final newline", func(t *testing.T) {
		f := edge("E03_multiline_quotes_no_final_newline.txt")
		check(t, f, []string{prop("src_edge_multiline_sparks#1", "text",
			`"We demonstrate that, beyond its mastery of language, GPT-4 can solve novel and difficult\ntasks that span mathematics, coding, vision, medicine, law, psychology and more,\nwithout needing any special prompting."`)}, nil)
		if n := count(f, "<cg:AUTHORED_BY>"); n != 13 {
			t.Errorf("got %d authors, want 13", n)
		}
		if n := count(f, "<cg:QUOTED_IN>"); n != 2 {
			t.Errorf("got %d quotes, want 2", n)
		}
	})
	t.Run("E04 straight quotes and ellipses", func(t *testing.T) {
		f := edge("E04_straight_quotes_and_ellipses.txt")
		check(t, f, []string{prop("src_edge_straight_quotes_coke#2", "text", `"Coke's efforts to engage the public health community on obesity thus far..."`)},
			[]string{"<cg:src_edge_ellipsis_aramco_summary> <cg:AUTHORED_BY>"})
		if n := count(f, "<cg:QUOTED_IN>"); n != 3 {
			t.Errorf("got %d quotes, want 3", n)
		}
		if n := count(f, "<cg:Source>"); n != 2 {
			t.Errorf("got %d sources, want 2", n)
		}
		if n := count(f, "transition plan… the promised"); n != 1 {
			t.Errorf("the page's … was not kept (%d facts hold it)", n)
		}
	})
	t.Run("E05 locators verbatim", func(t *testing.T) {
		f := edge("E05_locators_with_quotes_and_parens.txt")
		check(t, f, []string{prop("src_edge_locator_afr#1", "locator", `"'Key Points' box (bullet 3, \"What’s needed is transparency, not a licensing regime\"), above the lede"`),
			prop("src_edge_locator_afr#2", "locator", `"paragraph after Ng's “massively, colossally dumb idea [of] policy proposals” (quote 1 of 2, i.e. before ‘he said’)"`)}, nil)
	})
	t.Run("E06 missing URL line", func(t *testing.T) {
		f := edge("E06_missing_url_line.txt")
		check(t, f, []string{rel("src_edge_no_url_clegg_radio4", "AUTHORED_BY", "per_nick_clegg")}, []string{"prop/url"})
		if n := count(f, "<cg:QUOTED_IN>"); n != 2 {
			t.Errorf("got %d quotes, want 2", n)
		}
	})
}
