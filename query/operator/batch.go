package operator

import (
	"claimgraph/query/value"
)

// batched runs one on each row, on a store that batches after gathering
// rows and reading the properties of every node and relationship in them
// at once (stages that evaluate expressions read them as they go).
func (x *Exec) batched(s Operator, r Row, emit func(Row) error, one func(*Exec, Row, func(Row) error) error) error {
	if !x.Reader.Store().Batches() {
		return one(x, r, emit)
	}
	if rows := x.gather(s, r); rows != nil {
		return x.runBatch(rows, emit, one)
	}
	return nil
}

// flushBatch runs one on the rows a stage gathered.
func (x *Exec) flushBatch(s Operator, emit func(Row) error, one func(*Exec, Row, func(Row) error) error) error {
	return x.runBatch(x.gathered(s), emit, one)
}

// batchRows is how many rows a stage gathers on a store that reads many
// nodes at once cheaper than one by one.
const batchRows = 512

// gather keeps a copy of r (upstream stages may reuse their row) among the
// rows stage s is gathering, and returns them all once there are
// batchRows of them.
func (x *Exec) gather(s Operator, r Row) []Row {
	if x.pending == nil {
		x.pending = map[Operator][]Row{}
	}
	rows := append(x.pending[s], append(Row(nil), r...))
	if len(rows) < batchRows {
		x.pending[s] = rows
		return nil
	}
	delete(x.pending, s)
	return rows
}

// gathered returns, and forgets, the rows stage s has gathered.
func (x *Exec) gathered(s Operator) []Row {
	rows := x.pending[s]
	delete(x.pending, s)
	return rows
}

func (x *Exec) runBatch(rows []Row, emit func(Row) error, one func(*Exec, Row, func(Row) error) error) error {
	if len(rows) == 0 {
		return nil
	}
	var ids []string
	for _, r := range rows {
		for _, v := range r {
			switch v := v.(type) {
			case value.Node:
				ids = append(ids, v.ID)
			case value.Rel:
				if v.Edge != "" {
					ids = append(ids, v.Edge)
				}
			}
		}
	}
	if err := x.Reader.PrefetchProps(ids); err != nil {
		return err
	}
	for _, r := range rows {
		if err := one(x, r, emit); err != nil {
			return err
		}
	}
	return nil
}
