package access

// Paged is a sparse array indexed by a number of the query index (a
// value's, or a node's NodeRef), in pages allocated as they are touched.
// Numbers of one kind are close (the values are sorted, so a label's node
// ids sort together), and a few pages hold what a query touches; a map
// lookup per row cost a cache miss each.
type Paged[T any] struct{ pages [][]T }

// pageLen is how many entries a page holds.
const pageLen = 1024

// Get returns the entry of n, or the zero value.
func (p *Paged[T]) Get(n uint32) T {
	if i := int(n / pageLen); i < len(p.pages) && p.pages[i] != nil {
		return p.pages[i][n%pageLen]
	}
	var zero T
	return zero
}

// Set sets the entry of n.
func (p *Paged[T]) Set(n uint32, v T) {
	i := int(n / pageLen)
	if i >= len(p.pages) {
		p.pages = append(p.pages, make([][]T, i+1-len(p.pages))...)
	}
	if p.pages[i] == nil {
		p.pages[i] = make([]T, pageLen)
	}
	p.pages[i][n%pageLen] = v
}

// Each calls fn with every entry of the pages touched, zero values included.
func (p *Paged[T]) Each(fn func(T)) {
	for _, page := range p.pages {
		for _, v := range page {
			fn(v)
		}
	}
}
