package export

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"claimgraph/query"
)

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// GraphML writes GraphML with typed keys. Ids are synthetic (n0, e0) so
// they are always XML-safe; the real ids travel as data.
func GraphML(w io.Writer, g *query.Subgraph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, `<?xml version="1.0" encoding="UTF-8"?>`)
	fmt.Fprintln(bw, `<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">`)
	nkeys, ntypes, ekeys, etypes := subgraphKeys(g)
	fixed := []struct{ id, for_, name, typ string }{
		{"n_id", "node", "id", "string"}, {"n_labels", "node", "labels", "string"},
		{"n_record", "node", "record", "string"}, {"n_colour", "node", "colour", "string"}, {"n_shape", "node", "shape", "string"},
		{"e_type", "edge", "type", "string"}, {"e_record", "edge", "record", "string"}, {"e_highlight", "edge", "highlight", "boolean"},
	}
	for _, k := range fixed {
		fmt.Fprintf(bw, "  <key id=%q for=%q attr.name=%q attr.type=%q/>\n", k.id, k.for_, k.name, k.typ)
	}
	for i, k := range nkeys {
		fmt.Fprintf(bw, "  <key id=\"np%d\" for=\"node\" attr.name=\"p_%s\" attr.type=%q/>\n", i, xmlText(k), ntypes[k])
	}
	for i, k := range ekeys {
		fmt.Fprintf(bw, "  <key id=\"ep%d\" for=\"edge\" attr.name=\"p_%s\" attr.type=%q/>\n", i, xmlText(k), etypes[k])
	}
	fmt.Fprintln(bw, `  <graph id="claimgraph" edgedefault="directed">`)
	ids := map[string]string{}
	data := func(key, val string) { fmt.Fprintf(bw, "      <data key=%q>%s</data>\n", key, xmlText(val)) }
	for i, n := range g.Nodes {
		ids[n.ID] = fmt.Sprintf("n%d", i)
		st := styleOf(n)
		fmt.Fprintf(bw, "    <node id=%q>\n", ids[n.ID])
		data("n_id", n.ID)
		data("n_labels", strings.Join(n.Labels, ":"))
		data("n_record", n.Record)
		data("n_colour", st.Colour)
		data("n_shape", st.Shape)
		for j, k := range nkeys {
			if v, ok := n.Props[k]; ok {
				data(fmt.Sprintf("np%d", j), num(v))
			}
		}
		fmt.Fprintln(bw, "    </node>")
	}
	for i, r := range g.Rels {
		fmt.Fprintf(bw, "    <edge id=\"e%d\" source=%q target=%q>\n", i, ids[r.Start], ids[r.End])
		data("e_type", r.Type)
		data("e_record", r.Record)
		data("e_highlight", fmt.Sprint(commercial(r)))
		for j, k := range ekeys {
			if v, ok := r.Props[k]; ok {
				data(fmt.Sprintf("ep%d", j), num(v))
			}
		}
		fmt.Fprintln(bw, "    </edge>")
	}
	fmt.Fprintln(bw, "  </graph>")
	fmt.Fprintln(bw, "</graphml>")
	return bw.Flush()
}

// GEXF writes GEXF 1.2 for Gephi, with viz colours and sizes.
func GEXF(w io.Writer, g *query.Subgraph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, `<?xml version="1.0" encoding="UTF-8"?>`)
	fmt.Fprintln(bw, `<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:viz="http://www.gexf.net/1.2draft/viz" version="1.2">`)
	fmt.Fprintln(bw, `  <meta><creator>claimgraph</creator></meta>`)
	fmt.Fprintln(bw, `  <graph defaultedgetype="directed" mode="static">`)
	nkeys, ntypes, ekeys, etypes := subgraphKeys(g)
	gexfType := map[string]string{"string": "string", "double": "double", "long": "long", "boolean": "boolean"}
	fmt.Fprintln(bw, `    <attributes class="node">`)
	fmt.Fprintln(bw, `      <attribute id="labels" title="labels" type="string"/>`)
	fmt.Fprintln(bw, `      <attribute id="record" title="record" type="string"/>`)
	for i, k := range nkeys {
		fmt.Fprintf(bw, "      <attribute id=\"np%d\" title=%q type=%q/>\n", i, xmlText(k), gexfType[ntypes[k]])
	}
	fmt.Fprintln(bw, `    </attributes>`)
	fmt.Fprintln(bw, `    <attributes class="edge">`)
	fmt.Fprintln(bw, `      <attribute id="record" title="record" type="string"/>`)
	for i, k := range ekeys {
		fmt.Fprintf(bw, "      <attribute id=\"ep%d\" title=%q type=%q/>\n", i, xmlText(k), gexfType[etypes[k]])
	}
	fmt.Fprintln(bw, `    </attributes>`)
	fmt.Fprintln(bw, `    <nodes>`)
	for i, n := range g.Nodes {
		fmt.Fprintf(bw, "      <node id=\"n%d\" label=\"%s\">\n        <attvalues>\n", i, xmlAttr(caption(n)))
		fmt.Fprintf(bw, "          <attvalue for=\"labels\" value=\"%s\"/>\n", xmlAttr(strings.Join(n.Labels, ":")))
		fmt.Fprintf(bw, "          <attvalue for=\"record\" value=\"%s\"/>\n", xmlAttr(n.Record))
		for j, k := range nkeys {
			if v, ok := n.Props[k]; ok {
				fmt.Fprintf(bw, "          <attvalue for=\"np%d\" value=\"%s\"/>\n", j, xmlAttr(num(v)))
			}
		}
		fmt.Fprintln(bw, "        </attvalues>")
		r, gr, b := rgb(styleOf(n).Colour)
		fmt.Fprintf(bw, "        <viz:color r=\"%d\" g=\"%d\" b=\"%d\"/>\n", r, gr, b)
		size := 10.0
		if wt := weight(n); wt >= 0 {
			size = 5 + 15*wt
		}
		fmt.Fprintf(bw, "        <viz:size value=\"%g\"/>\n      </node>\n", size)
	}
	fmt.Fprintln(bw, `    </nodes>`)
	fmt.Fprintln(bw, `    <edges>`)
	ids := map[string]int{}
	for i, n := range g.Nodes {
		ids[n.ID] = i
	}
	for i, e := range g.Rels {
		fmt.Fprintf(bw, "      <edge id=\"e%d\" source=\"n%d\" target=\"n%d\" label=\"%s\">\n        <attvalues>\n", i, ids[e.Start], ids[e.End], e.Type)
		fmt.Fprintf(bw, "          <attvalue for=\"record\" value=\"%s\"/>\n", xmlAttr(e.Record))
		for j, k := range ekeys {
			if v, ok := e.Props[k]; ok {
				fmt.Fprintf(bw, "          <attvalue for=\"ep%d\" value=\"%s\"/>\n", j, xmlAttr(num(v)))
			}
		}
		fmt.Fprintln(bw, "        </attvalues>")
		if commercial(e) {
			r, gr, b := rgb(HighlightColour)
			fmt.Fprintf(bw, "        <viz:color r=\"%d\" g=\"%d\" b=\"%d\"/>\n        <viz:thickness value=\"3\"/>\n", r, gr, b)
		}
		fmt.Fprintln(bw, "      </edge>")
	}
	fmt.Fprintln(bw, `    </edges>`)
	fmt.Fprintln(bw, `  </graph>`)
	fmt.Fprintln(bw, `</gexf>`)
	return bw.Flush()
}

func xmlAttr(s string) string {
	return strings.NewReplacer(`"`, "&quot;", "\n", "&#10;", "\t", "&#9;", "\r", "&#13;").Replace(xmlText(s))
}

func rgb(hex string) (int, int, int) {
	var r, g, b int
	fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b)
	return r, g, b
}
