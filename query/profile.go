package query

import "time"

// Profiled wraps a stage to count the rows it emits and the time spent in
// it, excluding the stages it feeds.
type Profiled struct {
	stage      Operator
	rows       int64
	total      time.Duration
	downstream time.Duration
}

func (p *Profiled) wrap(emit func(Row) error) func(Row) error {
	return func(r Row) error {
		p.rows++
		start := time.Now()
		err := emit(r)
		p.downstream += time.Since(start)
		return err
	}
}

func (p *Profiled) push(x *Exec, r Row, emit func(Row) error) error {
	start := time.Now()
	err := p.stage.push(x, r, p.wrap(emit))
	p.total += time.Since(start)
	return err
}

func (p *Profiled) flush(x *Exec, emit func(Row) error) error {
	start := time.Now()
	err := p.stage.flush(x, p.wrap(emit))
	p.total += time.Since(start)
	return err
}

func (p *Profiled) String() string { return p.stage.String() }
