package export

import (
	"sort"

	"claimgraph/query"
)

// rank places labels in columns so that chains read left to right:
// Quote → Source (and Claim) → Person → Organisation → Topic.
var rank = map[string]int{"Quote": 0, "Source": 1, "Claim": 1, "Person": 2, "Organisation": 3, "Topic": 4}

// Point is a node's place in a layout, its centre in pixels.
type Point struct{ X, Y float64 }

// Layout gives each node of a subgraph a place: one column per rank, and
// within a column an order that follows the neighbours in the columns
// beside it (two barycentre sweeps), which keeps chains straight and
// edges short.
func Layout(g *query.Subgraph) map[string]Point {
	const colWidth, rowHeight = 280.0, 56.0
	cols := map[int][]string{}
	rankOf := map[string]int{}
	for _, n := range g.Nodes {
		r := 2
		for _, l := range n.Labels {
			if x, ok := rank[l]; ok {
				r = x
				break
			}
		}
		rankOf[n.ID] = r
		cols[r] = append(cols[r], n.ID)
	}
	neighbours := map[string][]string{}
	for _, e := range g.Rels {
		neighbours[e.Start] = append(neighbours[e.Start], e.End)
		neighbours[e.End] = append(neighbours[e.End], e.Start)
	}
	var ranks []int
	for r := range cols {
		ranks = append(ranks, r)
	}
	sort.Ints(ranks)
	pos := map[string]float64{}
	order := func(r int) {
		for i, id := range cols[r] {
			pos[id] = float64(i)
		}
	}
	for _, r := range ranks {
		order(r)
	}
	sweep := func(rs []int) {
		for _, r := range rs {
			ids := cols[r]
			bary := map[string]float64{}
			for _, id := range ids {
				sum, n := 0.0, 0
				for _, nb := range neighbours[id] {
					if rankOf[nb] != r {
						sum += pos[nb]
						n++
					}
				}
				if n > 0 {
					bary[id] = sum / float64(n)
				} else {
					bary[id] = pos[id]
				}
			}
			sort.SliceStable(ids, func(i, j int) bool { return bary[ids[i]] < bary[ids[j]] })
			order(r)
		}
	}
	reversed := make([]int, len(ranks))
	for i, r := range ranks {
		reversed[len(ranks)-1-i] = r
	}
	for i := 0; i < 2; i++ {
		sweep(ranks)
		sweep(reversed)
	}
	tallest := 0
	for _, ids := range cols {
		tallest = max(tallest, len(ids))
	}
	out := map[string]Point{}
	for col, r := range ranks {
		ids := cols[r]
		offset := float64(tallest-len(ids)) * rowHeight / 2 // centre shorter columns
		for i, id := range ids {
			out[id] = Point{X: 120 + float64(col)*colWidth, Y: 40 + offset + float64(i)*rowHeight}
		}
	}
	return out
}
