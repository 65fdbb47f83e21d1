package query

// paged is a sparse array indexed by a number of the query index (a
// value's, or a node's NodeRef), in pages allocated as they are touched.
// Numbers of one kind are close (the values are sorted, so a label's node
// ids sort together), and a few pages hold what a query touches; a map
// lookup per row cost a cache miss each.
type paged[T any] struct{ pages [][]T }

// pageLen is how many entries a page holds.
const pageLen = 1024

func (p *paged[T]) get(n uint32) T {
	if i := int(n / pageLen); i < len(p.pages) && p.pages[i] != nil {
		return p.pages[i][n%pageLen]
	}
	var zero T
	return zero
}

func (p *paged[T]) set(n uint32, v T) {
	i := int(n / pageLen)
	if i >= len(p.pages) {
		p.pages = append(p.pages, make([][]T, i+1-len(p.pages))...)
	}
	if p.pages[i] == nil {
		p.pages[i] = make([]T, pageLen)
	}
	p.pages[i][n%pageLen] = v
}
