package operator

import "time"

// Profiled wraps a stage to count the rows it emits and the time spent in
// it, excluding the stages it feeds.
type Profiled struct {
	Stage      Operator
	Rows       int64
	Total      time.Duration
	Downstream time.Duration
}

func (p *Profiled) wrap(emit func(Row) error) func(Row) error {
	return func(r Row) error {
		p.Rows++
		start := time.Now()
		err := emit(r)
		p.Downstream += time.Since(start)
		return err
	}
}

func (p *Profiled) push(x *Exec, r Row, emit func(Row) error) error {
	start := time.Now()
	err := p.Stage.push(x, r, p.wrap(emit))
	p.Total += time.Since(start)
	return err
}

func (p *Profiled) flush(x *Exec, emit func(Row) error) error {
	start := time.Now()
	err := p.Stage.flush(x, p.wrap(emit))
	p.Total += time.Since(start)
	return err
}

func (p *Profiled) String() string { return p.Stage.String() }
