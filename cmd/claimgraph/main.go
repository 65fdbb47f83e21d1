// Command claimgraph loads claim records into a graph store and answers
// questions about them.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"time"

	"github.com/spf13/cobra"

	"claimgraph/graph"
)

func main() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and something failed: a bad record, a query error
	exitUsage = 2 // the command line was wrong
)

// usageError marks errors in how the command was called.
type usageError struct{ error }

// failed reports that the command has already printed what went wrong.
var errFailed = errors.New("failed")

// globalOptions are the flags every command shares.
type globalOptions struct {
	db      string
	backend string
	wait    time.Duration
	verbose bool
	cpuprof string
	trace   string
	stdin   io.Reader
	stderr  io.Writer
}

// warn prints the store's warnings (a damaged derived file, say).
func (g *globalOptions) warn(msg string) { fmt.Fprintf(g.stderr, "warning: %s\n", msg) }

// Main runs claimgraph with the given arguments and streams and returns the
// exit status. It is the one place where errors become exit codes.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	g := &globalOptions{stdin: stdin, stderr: stderr}
	root := newRootCmd(g)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := execute(ctx, root)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFailed):
		return exitFail
	case isUsage(err):
		fmt.Fprintf(stderr, "claimgraph: %v\n", err)
		fmt.Fprintln(stderr, "Run 'claimgraph --help' for usage.")
		return exitUsage
	default:
		fmt.Fprintf(stderr, "claimgraph: %v\n", err)
		return exitFail
	}
}

// execute runs the command, turning a fault or a panic while it runs into
// an error. Stores are read through memory maps (bolt's file, the query
// index), and a file damaged under a running process (or in a way no
// check at open sees) faults on the read; the command reports that the
// store is damaged and where to look, and the process ends cleanly.
func execute(ctx context.Context, root *cobra.Command) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("reading the store failed (%v): its files may be damaged; claimgraph check --db STORE says which", r)
		}
	}()
	return root.ExecuteContext(ctx)
}

func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u)
}

func newRootCmd(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "claimgraph",
		Short: "A claim-graph knowledge base: sources, authors, organisations, quotes and claims",
		Long: `claimgraph keeps sources, their authors, the organisations behind them and the
quotes that serve as evidence in a graph, and answers chain questions about them,
such as which claims come from commercially interested authors.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildVersion(),
	}
	root.SetVersionTemplate("claimgraph version {{.Version}}\n")
	def := os.Getenv("CLAIMGRAPH_DB")
	if def == "" {
		def = "claimgraph.db"
	}
	root.PersistentFlags().StringVar(&g.db, "db", def, "store: a directory, or a postgres:// or cockroach:// database URL; $CLAIMGRAPH_DB sets the default")
	root.PersistentFlags().Lookup("db").DefValue = graph.Redact(def) // --help shows no password
	root.PersistentFlags().StringVar(&g.backend, "backend", "", "key-value backend of a new store directory: bbolt (default), bolt or leveldb")
	root.PersistentFlags().DurationVar(&g.wait, "wait", 0, "how long to wait for a store that another process is using")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "report progress even when stderr is not a terminal")
	root.PersistentFlags().StringVar(&g.cpuprof, "cpuprofile", "", "write a CPU profile of the command to this file")
	root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentFlags().StringVar(&g.trace, "trace", "", "write an execution trace of the command to this file")
	root.PersistentFlags().MarkHidden("trace")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if queryCommands[cmd.Name()] && os.Getenv("GOGC") == "" {
			// A query allocates short-lived rows over a live heap of
			// caches and mapped index pages; collecting at 3× the live
			// heap instead of 2× made the chain queries 15–30% faster for
			// about 10% more peak memory (docs/performance.md).
			debug.SetGCPercent(200)
		}
		if g.trace != "" {
			f, err := os.Create(g.trace)
			if err != nil {
				return err
			}
			if err := trace.Start(f); err != nil {
				return err
			}
		}
		if g.cpuprof == "" {
			return nil
		}
		f, err := os.Create(g.cpuprof)
		if err != nil {
			return err
		}
		return pprof.StartCPUProfile(f)
	}
	root.PersistentPostRun = func(cmd *cobra.Command, args []string) {
		if g.cpuprof != "" {
			pprof.StopCPUProfile()
		}
		if g.trace != "" {
			trace.Stop()
		}
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newInitCmd(g), newLoadCmd(g), newRmCmd(g), newStatsCmd(g), newGenCmd(), newDumpCmd(g), newQueryCmd(g), newReplCmd(g), newExportCmd(g), newCheckCmd(g))
	return root
}

// queryCommands are the commands whose work is running queries.
var queryCommands = map[string]bool{"query": true, "repl": true, "export": true}

// open opens the store named by --db.
func (g *globalOptions) open(ctx context.Context, create bool) (*graph.Store, error) {
	return graph.Open(ctx, g.db, graph.Options{Backend: g.backend, Wait: g.wait, NoCreate: !create, Warn: g.warn})
}

// openRead opens the store named by --db, which must exist, for commands
// that only read it (see graph.Options.ReadOnly).
func (g *globalOptions) openRead(ctx context.Context) (*graph.Store, error) {
	return graph.Open(ctx, g.db, graph.Options{Wait: g.wait, NoCreate: true, ReadOnly: true, Warn: g.warn})
}

// openReading opens the store named by --db for reads that must see one
// state of it throughout (see graph.Store.ReadLock); done releases both.
func (g *globalOptions) openReading(ctx context.Context) (st *graph.Store, done func(), err error) {
	if st, err = g.openRead(ctx); err != nil {
		return nil, nil, err
	}
	release, err := st.ReadLock(ctx)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, func() { release(); st.Close() }, nil
}

// exactArgs wraps cobra's argument checks so that they count as usage errors.
func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.MinimumNArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return usageError{err}
	}
	return nil
}
