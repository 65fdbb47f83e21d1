package export

import (
	"fmt"
	"sort"
	"strings"

	"claimgraph/query"
	"claimgraph/query/value"
)

// Style is the look of one node label, shared by every format.
type Style struct {
	Colour string // fill, #rrggbb
	Shape  string // a Graphviz shape name; other formats map it
}

// Styles gives each label of the vocabulary its look.
var Styles = map[string]Style{
	"Quote":        {"#f4a261", "note"},
	"Source":       {"#2a9d8f", "box"},
	"Person":       {"#e9c46a", "ellipse"},
	"Organisation": {"#8ecae6", "hexagon"},
	"Topic":        {"#8ab17d", "diamond"},
	"Claim":        {"#e76f51", "octagon"},
}

var defaultStyle = Style{"#cccccc", "ellipse"}

// HighlightColour marks commercial interests.
const HighlightColour = "#d62828"

// styleOf returns the style of a node's first known label.
func styleOf(n query.SubNode) Style {
	for _, l := range n.Labels {
		if s, ok := Styles[l]; ok {
			return s
		}
	}
	return defaultStyle
}

// caption is what a node shows: its name, title or text, shortened.
func caption(n query.SubNode) string {
	for _, k := range []string{"name", "title", "text"} {
		if s, ok := n.Props[k].(string); ok && s != "" {
			return shorten(s, 60)
		}
	}
	return n.ID
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// weight returns a quote's weight, or -1.
func weight(n query.SubNode) float64 {
	if w, ok := n.Props["weight"].(float64); ok {
		return w
	}
	return -1
}

// commercial reports whether a relationship is a commercial interest.
func commercial(r query.SubRel) bool {
	return r.Type == "INTERESTED_IN" && r.Props["kind"] == "commercial"
}

// scalar renders a property value as text; lists join with "; ".
func scalar(v value.Value) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []value.Value:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = scalar(x)
		}
		return strings.Join(parts, "; ")
	}
	return value.Text(v)
}

// propKeys returns the property keys used by a set of elements, sorted,
// with the XML/GraphML type of each: double when every value is a number.
func propKeys(props []map[string]value.Value) ([]string, map[string]string) {
	types := map[string]string{}
	for _, p := range props {
		for k, v := range p {
			t := "string"
			switch v.(type) {
			case float64:
				t = "double"
			case int64:
				t = "long"
			case bool:
				t = "boolean"
			}
			if old, ok := types[k]; ok && old != t {
				t = "string"
			}
			types[k] = t
		}
	}
	keys := make([]string, 0, len(types))
	for k := range types {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, types
}

func num(v value.Value) string {
	switch v := v.(type) {
	case float64:
		return fmt.Sprint(v)
	case int64:
		return fmt.Sprint(v)
	case bool:
		return fmt.Sprint(v)
	}
	return scalar(v)
}

// subgraphKeys returns the property keys of the nodes and of the
// relationships of a subgraph, with their types (see propKeys).
func subgraphKeys(g *query.Subgraph) (nkeys []string, ntypes map[string]string, ekeys []string, etypes map[string]string) {
	nodeProps := make([]map[string]value.Value, len(g.Nodes))
	for i, n := range g.Nodes {
		nodeProps[i] = n.Props
	}
	relProps := make([]map[string]value.Value, len(g.Rels))
	for i, r := range g.Rels {
		relProps[i] = r.Props
	}
	nkeys, ntypes = propKeys(nodeProps)
	ekeys, etypes = propKeys(relProps)
	return nkeys, ntypes, ekeys, etypes
}
