package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"claimgraph/graph"
	"claimgraph/query"
	"claimgraph/query/result"
	"claimgraph/query/syntax"
	"claimgraph/query/value"
)

type queryOptions struct {
	*globalOptions
	// where names the query's source in messages: "query" by default; the
	// REPL's script mode gives "<stdin>" and the statement's first line.
	where     string
	firstLine int
	file      string
	format    string
	params    []string
	timeout   time.Duration
	// timeoutName is what sets the timeout, for messages: "--timeout"
	// unless the REPL's ":timeout".
	timeoutName string
	maxRows     int64
	maxInter    int64
	maxHops     int
	maxMemory   byteSize
	raw         bool // CSV cells as they are (see result.SafeCell)
}

// limits are the run's limits the options set.
func (o *queryOptions) limits() query.Limits {
	return query.Limits{MaxRows: o.maxRows, MaxIntermediate: o.maxInter, MaxHops: o.maxHops, MaxMemory: int64(o.maxMemory)}
}

// memoryHelp describes --max-memory, which query, repl and export share.
const memoryHelp = "stop a query whose sorted, grouped, collected and distinct rows hold more than this (an estimate; 0 for no limit)"

var queryFormats = result.Formats

// rawHelp describes --raw, which query, repl and export share.
const rawHelp = "write CSV cells as they are: by default a cell a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR, and not a number) gets a leading '"

func newQueryCmd(g *globalOptions) *cobra.Command {
	o := &queryOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "query [QUERY]",
		Short: "Run a query in claimgraph's Cypher subset",
		Long: `Query runs one query, given as an argument, with -f FILE, or on standard input.
The language is a strict subset of openCypher (see docs/query.md). Prefix a query
with EXPLAIN to print its plan, or PROFILE to run it and print rows and time per
step. The exit status is 0 on success, 1 on a query error, 2 on a usage error.`,
		Example: `  claimgraph query 'MATCH (s:Source)<-[:QUOTED_IN]-(q) RETURN s.title, count(q) AS quotes ORDER BY quotes DESC LIMIT 3'
  claimgraph query --param id=src_zuckerberg_open_source_ai 'MATCH (q:Quote)-[:QUOTED_IN]->(:Source {id: $id}) RETURN q.weight, q.text'
  claimgraph query -f product.cypher --format json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{errors.New("query takes one QUERY argument (quote it)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := o.source(args)
			if err != nil {
				return err
			}
			if o.format == "" {
				o.format = "tsv"
				if isTerminal(cmd.OutOrStdout()) {
					o.format = "table"
				}
			}
			if !contains(queryFormats, o.format) {
				return usageError{fmt.Errorf("unknown --format %q (want one of %v)", o.format, queryFormats)}
			}
			params, err := parseParams(o.params)
			if err != nil {
				return usageError{err}
			}
			return runQuery(cmd.Context(), o, src, params, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&o.file, "file", "f", "", "read the query from FILE")
	cmd.Flags().StringVar(&o.format, "format", "", "output: table (default on a terminal), json, jsonl, csv or tsv (default otherwise)")
	cmd.Flags().BoolVar(&o.raw, "raw", false, rawHelp)
	cmd.Flags().StringArrayVar(&o.params, "param", nil, "set $NAME for the query: NAME=VALUE, typed by the value (42, 0.5, true, null, [1,2] or text)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 30*time.Second, "stop the query after this long (0 for no limit)")
	cmd.Flags().Int64Var(&o.maxRows, "max-rows", 0, "stop after returning this many rows (0 for no limit)")
	cmd.Flags().Int64Var(&o.maxInter, "max-intermediate", 0, "stop after the plan's steps produce this many rows in all (0 for no limit)")
	cmd.Flags().IntVar(&o.maxHops, "max-hops", query.DefaultMaxHops, "hops an unbounded variable-length relationship (*, *1..) may take")
	o.maxMemory = query.DefaultMaxMemory
	cmd.Flags().Var(&o.maxMemory, "max-memory", memoryHelp)
	return cmd
}

// softMemoryLimit asks the collector to keep the heap near what a query
// may hold plus room for the store's caches: the budget counts estimated
// bytes of values, and a collector running at its usual pace lets the
// heap grow to three times what is live (GOGC=200 in queries) first.
func softMemoryLimit(budget byteSize) {
	if budget > 0 {
		debug.SetMemoryLimit(int64(budget) + int64(budget)/2 + 256<<20)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (o *queryOptions) source(args []string) (string, error) {
	switch {
	case o.file != "" && len(args) > 0:
		return "", usageError{errors.New("give the query either as an argument or with -f, not both")}
	case o.file != "":
		b, err := os.ReadFile(o.file)
		return string(b), err
	case len(args) == 1:
		return args[0], nil
	}
	b, err := io.ReadAll(o.stdin)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", usageError{errors.New("no query: give one as an argument, with -f FILE, or on standard input")}
	}
	return string(b), nil
}

// parseParams reads NAME=VALUE pairs. A value that parses as JSON (a
// number, true, false, null, a list or a map) has that type; anything
// else is a string, NaN and Infinity included (JSON has no such numbers).
// A JSON number no float can hold (1e400) is an error.
func parseParams(list []string) (map[string]value.Value, error) {
	out := map[string]value.Value{}
	for _, p := range list {
		name, val, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("--param %q: want NAME=VALUE", p)
		}
		v, err := paramValue(val)
		if err != nil {
			return nil, fmt.Errorf("--param %s: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}

func paramValue(s string) (value.Value, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil && !dec.More() {
		if _, isString := v.(string); !isString {
			return fromJSON(v)
		}
	}
	return s, nil
}

func fromJSON(v any) (value.Value, error) {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, fmt.Errorf("the number %s is out of range", v)
		}
		return f, nil
	case []any:
		out := make([]value.Value, len(v))
		for i, x := range v {
			var err error
			if out[i], err = fromJSON(x); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out := map[string]value.Value{}
		for k, x := range v {
			var err error
			if out[k], err = fromJSON(x); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

func runQuery(ctx context.Context, o *queryOptions, src string, params map[string]value.Value, stdout, stderr io.Writer) error {
	st, err := o.openRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return execQuery(ctx, st, o, src, params, stdout, stderr)
}

// execQuery prepares and runs one query on an open store and writes its
// result; errors are printed with the query line and a caret, and come
// back as errFailed.
func execQuery(ctx context.Context, st *graph.Store, o *queryOptions, src string, params map[string]value.Value, stdout, stderr io.Writer) error {
	softMemoryLimit(o.maxMemory)
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	plan, err := query.Prepare(ctx, st, src)
	if err != nil {
		return o.reportQueryError(stderr, src, err)
	}
	for _, w := range plan.Warnings() {
		fmt.Fprintf(stderr, "%s: warning: %s\n", o.position(w.Pos), w.Msg)
		fmt.Fprintln(stderr, indent(syntax.Snippet(src, w.Pos)))
	}
	if plan.Mode() == "EXPLAIN" {
		fmt.Fprint(stdout, plan.Explain())
		return nil
	}
	out := result.NewWriter(o.format, stdout, plan.Columns(), result.Options{Raw: o.raw})
	opts := query.Options{Params: params, Describe: true, Limits: o.limits()}
	start := time.Now()
	var prof []query.StageProfile
	if plan.Mode() == "PROFILE" {
		prof, err = plan.Profile(ctx, st, opts, out.Row)
	} else {
		err = plan.Run(ctx, st, opts, out.Row)
	}
	if ferr := out.Close(); err == nil {
		err = ferr
	}
	if err != nil {
		return o.reportRunError(stderr, src, err)
	}
	if prof != nil {
		fmt.Fprintf(stdout, "\nprofile (%d rows in %v):\n", out.Rows(), time.Since(start).Round(time.Microsecond))
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "step\trows\ttime")
		for _, p := range prof {
			fmt.Fprintf(tw, "%s\t%d\t%v\n", strings.ReplaceAll(p.Stage, "\n", " "), p.Rows, p.Time.Round(time.Microsecond))
		}
		tw.Flush()
	}
	return nil
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

// position names a place in the query, as "query:LINE:COL" or, in a
// script, "<stdin>:LINE:COL" counting the script's lines.
func (o *queryOptions) position(p lexer.Position) string {
	where := o.where
	if where == "" {
		where = "query"
	}
	return fmt.Sprintf("%s:%d:%d", where, p.Line+max(o.firstLine-1, 0), p.Column)
}

// reportQueryError prints a positioned error with the query line and a
// caret under the column, and returns errFailed.
func (o *queryOptions) reportQueryError(w io.Writer, src string, err error) error {
	var se *syntax.Error
	if errors.As(err, &se) {
		fmt.Fprintf(w, "%s: %s\n%s\n", o.position(se.Pos), se.Msg, indent(syntax.Snippet(src, se.Pos)))
		return errFailed
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return o.reportRunError(w, src, err) // while parsing or planning
	}
	return err
}

func (o *queryOptions) reportRunError(w io.Writer, src string, err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		name := o.timeoutName
		if name == "" {
			name = "--timeout"
		}
		fmt.Fprintf(w, "query stopped: it ran longer than %s %v\n", name, o.timeout)
		return errFailed
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(w, "query cancelled")
		return errFailed
	}
	var le *query.LimitError
	if errors.As(err, &le) {
		fmt.Fprintln(w, le)
		return errFailed
	}
	return o.reportQueryError(w, src, err)
}
