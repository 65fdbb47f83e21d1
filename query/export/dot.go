package export

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"claimgraph/query"
)

// dotString quotes a string for DOT. Characters XML cannot hold (C0
// controls other than tab and newline, U+FFFE, U+FFFF) are dropped:
// Graphviz passes them into its SVG, which is then not well-formed.
func dotString(s string) string {
	s = xmlChars(s)
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	s = strings.ReplaceAll(s, "\n", `\n`)
	return `"` + s + `"`
}

// DOT writes the subgraph for Graphviz: chains read left to right.
func DOT(w io.Writer, g *query.Subgraph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph claimgraph {")
	fmt.Fprintln(bw, `  rankdir=LR;`)
	fmt.Fprintln(bw, `  node [style="filled", fontname="Helvetica", fontsize=10];`)
	fmt.Fprintln(bw, `  edge [fontname="Helvetica", fontsize=8];`)
	for _, n := range g.Nodes {
		st := styleOf(n)
		label := strings.Join(n.Labels, ":") + "\n" + caption(n)
		attrs := fmt.Sprintf("label=%s, shape=%s, fillcolor=%s, tooltip=%s",
			dotString(label), st.Shape, dotString(st.Colour), dotString("record: "+n.Record))
		if wt := weight(n); wt >= 0 {
			attrs += fmt.Sprintf(", width=%s", strconv.FormatFloat(0.75+wt, 'f', 2, 64))
		}
		fmt.Fprintf(bw, "  %s [%s];\n", dotString(n.ID), attrs)
	}
	for _, r := range g.Rels {
		attrs := fmt.Sprintf("label=%s, tooltip=%s", dotString(r.Type), dotString("record: "+r.Record))
		if commercial(r) {
			attrs += fmt.Sprintf(`, color=%s, penwidth=3, fontcolor=%s`, dotString(HighlightColour), dotString(HighlightColour))
		}
		fmt.Fprintf(bw, "  %s -> %s [%s];\n", dotString(r.Start), dotString(r.End), attrs)
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

// Mermaid writes a Mermaid flowchart.
func Mermaid(w io.Writer, g *query.Subgraph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "flowchart LR")
	ids := map[string]string{}
	for i, n := range g.Nodes {
		ids[n.ID] = "n" + strconv.Itoa(i)
		text := strings.Join(n.Labels, ":") + ": " + caption(n)
		open, closeB := "[", "]"
		switch styleOf(n).Shape {
		case "ellipse":
			open, closeB = "([", "])"
		case "hexagon":
			open, closeB = "{{", "}}"
		case "diamond":
			open, closeB = "{", "}"
		}
		fmt.Fprintf(bw, "  %s%s\"%s\"%s\n", ids[n.ID], open, mermaidText(text), closeB)
	}
	for i, r := range g.Rels {
		fmt.Fprintf(bw, "  %s -->|\"%s\"| %s\n", ids[r.Start], mermaidText(r.Type), ids[r.End])
		if commercial(r) {
			fmt.Fprintf(bw, "  linkStyle %d stroke:%s,stroke-width:3px\n", i, HighlightColour)
		}
	}
	for label, st := range Styles {
		fmt.Fprintf(bw, "  classDef %s fill:%s\n", label, st.Colour)
	}
	for _, n := range g.Nodes {
		if len(n.Labels) > 0 {
			if _, ok := Styles[n.Labels[0]]; ok {
				fmt.Fprintf(bw, "  class %s %s\n", ids[n.ID], n.Labels[0])
			}
		}
	}
	return bw.Flush()
}

// xmlChars drops the characters XML 1.0 cannot hold.
func xmlChars(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF:
			return -1
		}
		return r
	}, s)
}

// mermaidText escapes text for a quoted Mermaid label, so that data can
// only ever be text: Mermaid reads "%%{…}%%" anywhere as a directive and
// "%%" as a comment, decodes "#…;" and "&…;" entity codes, takes a label
// between backquotes as Markdown and ends it at a quote. Each of those
// characters is written as a numeric entity code, which Mermaid decodes
// to the character itself; line breaks and controls become spaces.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case strings.ContainsRune("%#&\"`<>|{}[]()", r):
			fmt.Fprintf(&b, "#%d;", r)
		case r < 0x20 || r == 0x7F || r == 0xFFFE || r == 0xFFFF:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
