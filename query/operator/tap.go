package operator

import "claimgraph/query/value"

// Tap hands every value of every row that passes to Add, and passes the
// row on.
type Tap struct {
	Streaming
	Add func(value.Value)
}

func (s *Tap) push(x *Exec, r Row, emit func(Row) error) error {
	for _, v := range r {
		s.Add(v)
	}
	return emit(r)
}

func (s *Tap) String() string { return "Tap" }
