package query

// Tap records the graph values of every row that passes.
type Tap struct {
	Streaming
	b *subgraphBuilder
}

func (s *Tap) push(x *Exec, r Row, emit func(Row) error) error {
	for _, v := range r {
		s.b.add(v)
	}
	return emit(r)
}

func (s *Tap) String() string { return "Tap" }
