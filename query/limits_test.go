package query

import (
	"context"
	"errors"
	"testing"
	"time"

	"claimgraph/query/value"
)

// TestMemoryBudget: every place a query holds rows — collect, grouping,
// DISTINCT (as a clause and in an aggregate), ORDER BY, a cartesian
// product's rescanned nodes — counts against Limits.MaxMemory, and a run
// past it stops with a LimitError in bytes; without the limit the same
// queries finish. The corpus's cartesian square is 49,729 rows.
func TestMemoryBudget(t *testing.T) {
	st := loadStore(t, "memory", "../testdata/000_7e1f6717d204dd7e.txt", "../testdata/corpus")
	for _, src := range []string{
		`MATCH (a), (b) RETURN size(collect(a.id + b.id)) AS n`,
		`MATCH (a), (b) RETURN a.id + b.id AS k, count(*) AS n`,
		`MATCH (a), (b) RETURN DISTINCT a.id + b.id AS k`,
		`MATCH (a), (b) RETURN count(DISTINCT a.id + b.id) AS n`,
		`MATCH (a), (b) RETURN a.id + b.id AS k ORDER BY k`,
		`MATCH (a), (b) WITH a.id + b.id AS k ORDER BY k DESC RETURN count(k) AS n`,
	} {
		run := func(max int64) (int, error) {
			p, err := Prepare(context.Background(), st, src)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			rows := 0
			err = p.Run(context.Background(), st, Options{Limits: Limits{MaxMemory: max}}, func([]value.Value) error { rows++; return nil })
			return rows, err
		}
		if rows, err := run(0); err != nil || rows == 0 {
			t.Errorf("%s without a budget: %d rows, %v", src, rows, err)
		}
		_, err := run(1 << 20)
		var le *LimitError
		if !errors.As(err, &le) || !le.Bytes || le.Flag != "--max-memory" {
			t.Errorf("%s with 1 MiB: %v, want the memory budget's error", src, err)
		} else if le.Error() != "query stopped: more than 1 MiB of rows held (sorted, grouped, collected or kept distinct) (raise the limit with --max-memory)" {
			t.Errorf("message: %s", le)
		}
	}
}

// TestPrepareWithinTimeout: parsing and planning count against the
// context's deadline; a query text near the longest allowed gives up when
// the deadline passes, not after it has been parsed.
func TestPrepareWithinTimeout(t *testing.T) {
	st := loadStore(t, "memory", "../testdata/000_7e1f6717d204dd7e.txt")
	src := "MATCH (s:Source) WHERE s.id IN ["
	for len(src) < 900<<10 {
		src += "'src_aaaaaaaa',"
	}
	src += "'x'] RETURN s.id"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Prepare(ctx, st, src)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the deadline", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("gave up after %v", d)
	}
}
