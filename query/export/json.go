package export

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cayleygraph/quad"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/query"
	"claimgraph/query/result"
	"claimgraph/query/value"
)

// Cytoscape writes Cytoscape.js elements JSON.
func Cytoscape(w io.Writer, g *query.Subgraph) error {
	type el struct {
		Data    map[string]any `json:"data"`
		Classes string         `json:"classes,omitempty"`
	}
	var doc struct {
		Elements struct {
			Nodes []el `json:"nodes"`
			Edges []el `json:"edges"`
		} `json:"elements"`
	}
	doc.Elements.Nodes, doc.Elements.Edges = []el{}, []el{}
	for _, n := range g.Nodes {
		d := map[string]any{"id": n.ID, "labels": n.Labels, "record": n.Record, "caption": caption(n),
			"colour": styleOf(n).Colour, "shape": styleOf(n).Shape, "properties": jsonProps(n.Props)}
		doc.Elements.Nodes = append(doc.Elements.Nodes, el{Data: d, Classes: strings.Join(n.Labels, " ")})
	}
	for i, r := range g.Rels {
		d := map[string]any{"id": fmt.Sprintf("e%d", i), "source": r.Start, "target": r.End, "type": r.Type,
			"record": r.Record, "properties": jsonProps(r.Props)}
		cls := r.Type
		if commercial(r) {
			cls += " commercial"
		}
		doc.Elements.Edges = append(doc.Elements.Edges, el{Data: d, Classes: cls})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(doc)
}

func jsonProps(p map[string]value.Value) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		out[k] = value.JSON(v)
	}
	return out
}

// CSV writes the nodes and the edges as two CSV documents, each cell
// neutralised for spreadsheets (result.SafeCell) unless raw.
func CSV(nodes, edges io.Writer, g *query.Subgraph, raw bool) error {
	safe := func(row []string) []string {
		if !raw {
			for i, c := range row {
				row[i] = result.SafeCell(c)
			}
		}
		return row
	}
	nkeys, _, ekeys, _ := subgraphKeys(g)
	nw := csv.NewWriter(nodes)
	nw.Write(safe(append([]string{"id", "labels", "record"}, nkeys...)))
	for _, n := range g.Nodes {
		row := []string{n.ID, strings.Join(n.Labels, ":"), n.Record}
		for _, k := range nkeys {
			row = append(row, scalar(n.Props[k]))
		}
		nw.Write(safe(row))
	}
	nw.Flush()
	if err := nw.Error(); err != nil {
		return err
	}
	ew := csv.NewWriter(edges)
	ew.Write(safe(append([]string{"source", "target", "type", "record"}, ekeys...)))
	for _, r := range g.Rels {
		row := []string{r.Start, r.End, r.Type, r.Record}
		for _, k := range ekeys {
			row = append(row, scalar(r.Props[k]))
		}
		ew.Write(safe(row))
	}
	ew.Flush()
	return ew.Error()
}

// Quads returns the facts behind the subgraph — labels, properties and
// relationships, edge nodes included — each labelled with its record.
func Quads(ctx context.Context, st *graph.Store, g *query.Subgraph) ([]quad.Quad, error) {
	var out []quad.Quad
	keep := func(q quad.Quad) {
		if q.Predicate == claim.PredType {
			out = append(out, q)
		} else if _, ok := claim.PropKey(q.Predicate); ok {
			out = append(out, q)
		}
	}
	for _, n := range g.Nodes {
		if err := st.FactsOf(ctx, n.ID, keep); err != nil {
			return nil, err
		}
	}
	for _, r := range g.Rels {
		end := r.End
		if r.Edge != "" {
			end = r.Edge
			err := st.FactsOf(ctx, r.Edge, func(q quad.Quad) { out = append(out, q) })
			if err != nil {
				return nil, err
			}
		}
		out = append(out, quad.Quad{Subject: claim.Node(r.Start), Predicate: claim.RelIRI(r.Type), Object: claim.Node(end), Label: claim.Node(r.Record)})
	}
	lines := map[string]quad.Quad{}
	for _, q := range out {
		lines[claim.FormatQuad(q)] = q
	}
	keys := make([]string, 0, len(lines))
	for k := range lines {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out = out[:0]
	for _, k := range keys {
		out = append(out, lines[k])
	}
	return out, nil
}

// NQuads writes quads as N-Quads.
func NQuads(w io.Writer, qs []quad.Quad) error {
	bw := bufio.NewWriter(w)
	for _, q := range qs {
		bw.WriteString(claim.FormatQuad(q))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

const xsd = "http://www.w3.org/2001/XMLSchema#"

// JSONLD writes quads as expanded JSON-LD: one named graph per record,
// one node object per subject, so a JSON-LD processor gives back the same
// quads.
func JSONLD(w io.Writer, qs []quad.Quad) error {
	type nodeObj = map[string]any
	graphs := map[string]map[string]nodeObj{}
	var graphOrder []string
	for _, q := range qs {
		gname := string(q.Label.(quad.IRI))
		subj := string(q.Subject.(quad.IRI))
		if graphs[gname] == nil {
			graphs[gname] = map[string]nodeObj{}
			graphOrder = append(graphOrder, gname)
		}
		obj := graphs[gname][subj]
		if obj == nil {
			obj = nodeObj{"@id": subj}
			graphs[gname][subj] = obj
		}
		if q.Predicate == claim.PredType {
			types, _ := obj["@type"].([]string)
			obj["@type"] = append(types, string(q.Object.(quad.IRI)))
			continue
		}
		pred := string(q.Predicate.(quad.IRI))
		vals, _ := obj[pred].([]any)
		obj[pred] = append(vals, jsonldValue(q.Object))
	}
	var doc []any
	for _, gname := range graphOrder {
		subjects := make([]string, 0, len(graphs[gname]))
		for s := range graphs[gname] {
			subjects = append(subjects, s)
		}
		sort.Strings(subjects)
		var nodes []any
		for _, s := range subjects {
			nodes = append(nodes, graphs[gname][s])
		}
		doc = append(doc, map[string]any{"@id": gname, "@graph": nodes})
	}
	if doc == nil {
		doc = []any{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(doc)
}

func jsonldValue(v quad.Value) any {
	switch v := v.(type) {
	case quad.IRI:
		return map[string]any{"@id": string(v)}
	case quad.String:
		return map[string]any{"@value": string(v)}
	case quad.LangString:
		return map[string]any{"@value": string(v.Value), "@language": v.Lang}
	case quad.TypedString:
		return map[string]any{"@value": string(v.Value), "@type": string(v.Type)}
	}
	// Numbers and booleans keep their exact lexical form and datatype.
	term := claim.FormatTerm(v)
	lex, dt, _ := strings.Cut(term, "^^")
	return map[string]any{"@value": strings.Trim(lex, `"`), "@type": strings.Trim(dt, "<>")}
}
