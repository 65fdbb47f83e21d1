package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"claimgraph/graph"
	"claimgraph/graph/claim"
	"claimgraph/loader"
)

type loadOptions struct {
	*globalOptions
	format string
	strict bool
	batch  int
	limits loader.Limits
	// skipped counts what the paths' directories hold that is not read
	// (see expand), for the summary's warnings
	skipped int
}

func newLoadCmd(g *globalOptions) *cobra.Command {
	o := &loadOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "load PATH...",
		Short: "Load record files into the store",
		Long: `Load reads record files and writes their records into the store, creating it if
needed. PATH is a file, a directory (searched recursively for .txt, .rec, .json,
.jsonl, .ndjson, .nq and .nt files, optionally gzipped) or - for standard input.

Each record is written atomically. Loading the same input again changes nothing;
a record whose id is already stored with other content replaces it completely.
A bad record is reported with its file, line and column and skipped; the exit
status is then 1. With --strict, nothing is written unless every record is good.`,
		Example: `  claimgraph load testdata/
  claimgraph load --db kb.db sources.txt persons.json
  cat records.jsonl | claimgraph load --format jsonl -`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.format != "" && !contains(loader.Formats, o.format) {
				return usageError{fmt.Errorf("unknown --format %q (want one of %v)", o.format, loader.Formats)}
			}
			if o.batch < 1 {
				return usageError{errors.New("--batch must be at least 1")}
			}
			return runLoad(cmd.Context(), o, args, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "", "input format: text, json, jsonl, nquads or ntriples (default: from the file extension; text for stdin)")
	cmd.Flags().BoolVar(&o.strict, "strict", false, "write nothing unless every record is good")
	cmd.Flags().IntVar(&o.batch, "batch", 2000, "records per write transaction")
	cmd.Flags().IntVar(&o.limits.MaxLine, "max-line", loader.MaxLine, "longest line accepted, in bytes")
	cmd.Flags().IntVar(&o.limits.MaxRecord, "max-record", loader.MaxRecord, "largest record accepted in the text format, in bytes")
	return cmd
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// loadRun carries one invocation's state. Reading and parsing run in one
// goroutine and writing in another, so a load keeps both cores busy; the
// reader owns seen, failed and warns, the writer owns counts, quads and
// refresh.
type batch struct {
	changes []claim.Change
	mark    int64 // progress mark of the batch's last record
}

type loadRun struct {
	o       *loadOptions
	st      *graph.Store
	stderr  io.Writer
	prog    *progress
	batches chan batch
	pending []claim.Change
	seen    map[string]loader.Pos
	counts  map[graph.Outcome]int
	failed  int
	warns   int
	quads   int
	refresh int
	indexed time.Duration // building the query index took
}

func runLoad(ctx context.Context, o *loadOptions, paths []string, stderr io.Writer) error {
	files, err := expand(paths, o, stderr)
	if err != nil {
		return err
	}
	st, err := o.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	return loadFiles(ctx, st, o, files, stderr)
}

// expand lists the files to load (see loader.Expand), warning of what a
// directory holds that is not read; the load's summary counts them.
func expand(paths []string, o *loadOptions, stderr io.Writer) ([]string, error) {
	o.skipped = 0
	return loader.Expand(paths, func(path, why string) {
		o.skipped++
		fmt.Fprintf(stderr, "%s: warning: skipped: %s (only regular files in a directory are read)\n", path, why)
	})
}

// loadFiles loads files into an open store and prints the summary; see
// the load command.
func loadFiles(ctx context.Context, st *graph.Store, o *loadOptions, files []string, stderr io.Writer) error {
	start := time.Now()
	r := &loadRun{o: o, st: st, stderr: stderr, seen: map[string]loader.Pos{}, counts: map[graph.Outcome]int{}, warns: o.skipped}
	r.prog = newProgress(stderr, files, o.verbose)
	r.batches = make(chan batch, 2)
	interrupt := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readErr := make(chan error, 1)
	go func() {
		defer close(r.batches)
		readErr <- r.read(ctx, files)
	}()
	var writeErr error
	for b := range r.batches {
		if writeErr == nil && ctx.Err() != nil {
			writeErr = ctx.Err()
		}
		if writeErr == nil {
			if writeErr = r.write(ctx, b); writeErr != nil {
				cancel()
			}
		}
	}
	rerr := <-readErr
	r.prog.done()
	// Ctrl-C stops reading or writing between batches, or aborts the
	// batch being written; either way what was written is whole records.
	interrupted := interrupt.Err() != nil
	switch {
	case writeErr != nil && !interrupted:
		return writeErr
	case rerr != nil && !errors.Is(rerr, context.Canceled):
		return rerr
	case o.strict && r.failed > 0:
		fmt.Fprintf(stderr, "nothing written: %d record(s) failed and --strict is set\n", r.failed)
		return errFailed
	}
	if !interrupted {
		if err := r.index(interrupt); err != nil && interrupt.Err() == nil {
			return err
		}
		// Ctrl-C while indexing leaves the store without an index:
		// queries read through Cayley until the next load builds it.
		interrupted = interrupt.Err() != nil
	}
	r.summary(time.Since(start))
	if interrupted {
		fmt.Fprintln(stderr, "interrupted: the records written so far are complete; run the load again to finish")
		return errFailed
	}
	if r.failed > 0 {
		return errFailed
	}
	return nil
}

// read parses every file and sends batches of records to the writer. With
// --strict, it sends nothing unless every record was good.
func (r *loadRun) read(ctx context.Context, files []string) error {
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		r.prog.file(i, f)
		if err := r.file(ctx, f); err != nil {
			return err
		}
	}
	if r.o.strict && r.failed > 0 {
		return nil
	}
	return r.send(ctx, true)
}

// send hands the pending records to the writer in batches; unless all is
// set, a partial last batch stays pending.
func (r *loadRun) send(ctx context.Context, all bool) error {
	for len(r.pending) >= r.o.batch || all && len(r.pending) > 0 {
		n := min(len(r.pending), r.o.batch)
		select {
		case r.batches <- batch{r.pending[:n:n], r.prog.mark()}:
		case <-ctx.Done():
			return ctx.Err()
		}
		r.pending = r.pending[n:]
	}
	return nil
}

func (r *loadRun) file(ctx context.Context, name string) error {
	var in io.Reader = r.o.stdin
	display := name
	if name == "-" {
		display = "<stdin>"
	} else {
		f, err := openInterruptible(ctx, name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
		// Ctrl-C also ends a read waiting on a FIFO or a device.
		defer context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Now()) })()
	}
	in = loader.WithContext(ctx, in)
	format := r.o.format
	if format == "" {
		if format = loader.FormatOf(name); format == "" {
			format = "text"
		}
	}
	rd, closer, err := loader.NewReaderLimits(display, format, r.prog.count(in), r.warn, r.o.limits)
	if err != nil {
		return err
	}
	defer closer.Close()
	for {
		item, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		var le *loader.Error
		if errors.As(err, &le) {
			r.fail(le.Error())
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err() // the read was cut short by Ctrl-C
			}
			return fmt.Errorf("%s: %w", display, err)
		}
		id := item.Change.ID()
		if first, dup := r.seen[id]; dup {
			r.fail(fmt.Sprintf("%s: duplicate record id %q: already read at %s in this load", item.Pos, id, first))
			continue
		}
		r.seen[id] = item.Pos
		r.pending = append(r.pending, item.Change)
		r.prog.record()
		if !r.o.strict {
			if err := r.send(ctx, false); err != nil {
				return err
			}
		}
	}
}

// openInterruptible opens a file as os.Open does, but gives up at Ctrl-C:
// opening a FIFO waits for a writer, which may never come. (The opening
// left behind closes what it opens, if a writer comes after all.)
func openInterruptible(ctx context.Context, name string) (*os.File, error) {
	if st, err := os.Stat(name); err != nil || st.Mode().IsRegular() {
		return os.Open(name)
	}
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		f, err := os.Open(name)
		done <- opened{f, err}
	}()
	select {
	case o := <-done:
		return o.f, o.err
	case <-ctx.Done():
		go func() {
			if o := <-done; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

func (r *loadRun) fail(msg string) {
	r.failed++
	r.prog.println(msg)
}

func (r *loadRun) warn(w loader.Warning) {
	r.warns++
	r.prog.println(w.String())
}

func (r *loadRun) write(ctx context.Context, b batch) error {
	res, err := r.st.Apply(ctx, b.changes)
	if err != nil {
		return err
	}
	r.prog.written(b.mark)
	for _, oc := range res.Outcomes {
		r.counts[oc]++
	}
	r.quads += res.Added
	r.refresh += len(res.Refreshed)
	return nil
}

// index builds the store's query index, which the load's writes removed
// (see graph.Store.Index), so that the next query reads from it.
func (r *loadRun) index(ctx context.Context) error {
	start := time.Now()
	if r.prog.bar != nil {
		fmt.Fprint(r.stderr, "building the query index…")
	}
	built, err := r.st.Index(ctx)
	if r.prog.bar != nil {
		fmt.Fprint(r.stderr, "\r\033[K")
	}
	if built && !r.st.Empty() {
		r.indexed = time.Since(start)
	}
	return err
}

func (r *loadRun) summary(elapsed time.Duration) {
	c := r.counts
	total := c[graph.Added] + c[graph.Replaced] + c[graph.Unchanged]
	if total > 0 && c[graph.Added] == 0 && c[graph.Replaced] == 0 && r.refresh == 0 && r.failed == 0 {
		fmt.Fprintf(r.stderr, "nothing changed: all %d records were already loaded (%d warnings, %.2fs)\n", total, r.warns, elapsed.Seconds())
		return
	}
	rate := float64(r.quads) / elapsed.Seconds()
	indexed := ""
	if r.indexed > 0 {
		indexed = fmt.Sprintf(", query index built in %.2fs", r.indexed.Seconds())
	}
	fmt.Fprintf(r.stderr, "%d added, %d replaced, %d unchanged, %d failed, %d refreshed, %d warnings; %d quads written in %.2fs (%.0f quads/s%s)\n",
		c[graph.Added], c[graph.Replaced], c[graph.Unchanged], r.failed, r.refresh, r.warns, r.quads, elapsed.Seconds(), rate, indexed)
}
