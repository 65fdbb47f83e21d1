package export

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"

	"claimgraph/query"
)

//go:embed viewer/viewer.js
var viewerJS string

// MaxHTMLNodes is the size up to which the HTML viewer stays responsive;
// larger graphs are still written, with a warning on the page.
const MaxHTMLNodes = 2000

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body { margin: 0; font: 13px Helvetica, Arial, sans-serif; display: flex; height: 100vh; }
#main { flex: 1; display: flex; flex-direction: column; min-width: 0; }
#bar { padding: 6px 10px; border-bottom: 1px solid #ddd; display: flex; gap: 12px; align-items: center; }
#search { width: 260px; padding: 4px; }
#canvas { flex: 1; overflow: hidden; cursor: grab; }
#canvas svg { width: 100%; height: 100%; }
#panel { width: 300px; border-left: 1px solid #ddd; padding: 10px; overflow: auto; }
#panel h2 { font-size: 15px; margin: 0 0 6px; }
#panel dt { font-weight: bold; margin-top: 6px; }
#panel dd { margin: 0 0 0 8px; white-space: pre-wrap; }
.labels { color: #555; }
.warning { color: #a00; }
g.node { cursor: pointer; }
g.dim { opacity: 0.15; }
g.selected .shape { stroke-width: 3px; stroke: #000; }
.legend span { display: inline-block; padding: 1px 6px; margin-right: 4px; border-radius: 3px; }
</style></head>
<body>
<div id="main">
<div id="bar"><input id="search" type="search" placeholder="Search nodes by name, id or label">
<span>{{.Nodes}} nodes, {{.Edges}} relationships</span>
<span class="legend">{{range .Legend}}<span style="background:{{.Colour}}">{{.Label}}</span>{{end}}<span style="color:{{.Highlight}}">— commercial interest</span></span>
{{if .TooBig}}<span class="warning">Large graph: above {{.Max}} nodes the page may be slow; use --format gexf for Gephi.</span>{{end}}
</div>
<div id="canvas">{{.SVG}}</div>
</div>
<div id="panel"><p>Click a node to see its properties and the record it comes from. Scroll to zoom, drag to pan.</p></div>
<script type="application/json" id="graph-data">{{.Data}}</script>
<script>{{.Script}}</script>
</body></html>
`))

// HTML writes one self-contained page that works offline: the laid-out
// SVG, the node details as JSON, and claimgraph's own viewer script.
func HTML(w io.Writer, g *query.Subgraph, title string) error {
	var svg bytes.Buffer
	if err := SVG(&svg, g); err != nil {
		return err
	}
	type nodeData struct {
		Caption string         `json:"caption"`
		Labels  []string       `json:"labels"`
		Record  string         `json:"record"`
		Props   map[string]any `json:"props"`
	}
	nodes := map[string]nodeData{}
	for _, n := range g.Nodes {
		labels := n.Labels
		if labels == nil {
			labels = []string{}
		}
		nodes[n.ID] = nodeData{Caption: caption(n), Labels: labels, Record: n.Record, Props: jsonProps(n.Props)}
	}
	raw, err := json.Marshal(map[string]any{"nodes": nodes})
	if err != nil {
		return err
	}
	type legend struct{ Label, Colour string }
	var leg []legend
	for _, l := range []string{"Quote", "Source", "Claim", "Person", "Organisation", "Topic"} {
		leg = append(leg, legend{l, Styles[l].Colour})
	}
	return page.Execute(w, map[string]any{
		"Title": title, "Nodes": len(g.Nodes), "Edges": len(g.Rels), "Legend": leg, "Highlight": HighlightColour,
		"TooBig": len(g.Nodes) > MaxHTMLNodes, "Max": fmt.Sprint(MaxHTMLNodes),
		"SVG": template.HTML(svg.String()), "Data": template.JS(raw), "Script": template.JS(viewerJS),
	})
}
