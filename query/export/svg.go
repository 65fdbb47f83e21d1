package export

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"

	"claimgraph/query"
)

// nodeSize returns a node's half width and half height: quotes grow with
// their weight.
func nodeSize(n query.SubNode) (float64, float64) {
	w, h := 100.0, 20.0
	if wt := weight(n); wt >= 0 {
		w, h = 80+40*wt, 16+8*wt
	}
	return w, h
}

// shapePath draws a label's shape centred on (x, y).
func shapePath(shape string, x, y, w, h float64) string {
	switch shape {
	case "ellipse":
		return fmt.Sprintf(`<ellipse cx="%.1f" cy="%.1f" rx="%.1f" ry="%.1f"`, x, y, w, h)
	case "hexagon":
		return polygon([][2]float64{{x - w, y}, {x - w + h, y - h}, {x + w - h, y - h}, {x + w, y}, {x + w - h, y + h}, {x - w + h, y + h}})
	case "diamond":
		return polygon([][2]float64{{x - w, y}, {x, y - h}, {x + w, y}, {x, y + h}})
	case "octagon":
		c := h / 2
		return polygon([][2]float64{{x - w + c, y - h}, {x + w - c, y - h}, {x + w, y - c}, {x + w, y + c}, {x + w - c, y + h}, {x - w + c, y + h}, {x - w, y + c}, {x - w, y - c}})
	case "note":
		c := h / 2
		return polygon([][2]float64{{x - w, y - h}, {x + w - c, y - h}, {x + w, y - h + c}, {x + w, y + h}, {x - w, y + h}})
	}
	return fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="3"`, x-w, y-h, 2*w, 2*h)
}

func polygon(pts [][2]float64) string {
	parts := make([]string, len(pts))
	for i, p := range pts {
		parts[i] = fmt.Sprintf("%.1f,%.1f", p[0], p[1])
	}
	return `<polygon points="` + strings.Join(parts, " ") + `"`
}

// SVG renders the subgraph as a standalone SVG image, laid out in process
// (see Layout): no external program is needed.
func SVG(w io.Writer, g *query.Subgraph) error {
	pos := Layout(g)
	width, height := 400.0, 120.0
	for _, p := range pos {
		width, height = math.Max(width, p.X+180), math.Max(height, p.Y+60)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="Helvetica, Arial, sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(bw, `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>`)
	fmt.Fprintf(bw, `<marker id="arrow-hl" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker></defs>`+"\n", HighlightColour)
	nodes := map[string]query.SubNode{}
	for _, n := range g.Nodes {
		nodes[n.ID] = n
	}
	for _, e := range g.Rels {
		a, b := pos[e.Start], pos[e.End]
		aw, _ := nodeSize(nodes[e.Start])
		bw2, _ := nodeSize(nodes[e.End])
		x1, x2 := a.X+aw, b.X-bw2
		if b.X < a.X {
			x1, x2 = a.X-aw, b.X+bw2
		} else if b.X == a.X {
			x1, x2 = a.X, b.X
		}
		colour, marker, width := "#555", "arrow", 1.0
		if commercial(e) {
			colour, marker, width = HighlightColour, "arrow-hl", 3
		}
		fmt.Fprintf(bw, `<g class="edge" data-start="%s" data-end="%s"><title>%s (record %s)</title><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%.0f" marker-end="url(#%s)"/>`,
			xmlAttr(e.Start), xmlAttr(e.End), xmlText(e.Type), xmlText(e.Record), x1, a.Y, x2, b.Y, colour, width, marker)
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" font-size="9" fill="%s" text-anchor="middle">%s</text></g>`+"\n", (x1+x2)/2, (a.Y+b.Y)/2-3, colour, xmlText(e.Type))
	}
	for _, n := range g.Nodes {
		p := pos[n.ID]
		st := styleOf(n)
		hw, hh := nodeSize(n)
		fmt.Fprintf(bw, `<g class="node" data-id="%s"><title>%s (record %s)</title>%s class="shape" fill="%s" stroke="#333"/>`, xmlAttr(n.ID), xmlText(n.ID), xmlText(n.Record), shapePath(st.Shape, p.X, p.Y, hw, hh), st.Colour)
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" font-size="8" text-anchor="middle" fill="#222">%s</text>`, p.X, p.Y-3, xmlText(strings.Join(n.Labels, ":")))
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" font-size="9" text-anchor="middle" fill="#000">%s</text></g>`+"\n", p.X, p.Y+9, xmlText(shorten(caption(n), 30)))
	}
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}
