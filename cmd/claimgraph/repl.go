package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chzyer/readline"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"claimgraph/graph"
	"claimgraph/loader"
	"claimgraph/query"
	"claimgraph/query/value"
)

type replOptions struct {
	*globalOptions
	load            []string
	continueOnError bool
	format          string
	timeout         time.Duration
	maxRows         int64
	maxInter        int64
	maxMemory       byteSize
	raw             bool
}

func newReplCmd(g *globalOptions) *cobra.Command {
	o := &replOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "repl",
		Short: "Explore the store interactively",
		Long: `Repl reads queries and meta-commands. Statements end with ";" and may run over
several lines; meta-commands start with ":" and end at the end of the line (:help
lists them). Ctrl-C cancels a running query or load, or clears the line; Ctrl-D
leaves. History is kept in $XDG_STATE_HOME/claimgraph/history (or
~/.local/state/claimgraph/history; $CLAIMGRAPH_HISTORY overrides it).

When standard input is not a terminal, repl runs it as a script: no prompts,
results on stdout, errors on stderr with their line and column, and exit status 1
if a statement failed (the script stops there unless --continue-on-error).`,
		Example: `  claimgraph repl --load testdata/000_7e1f6717d204dd7e.txt --load testdata/corpus
  claimgraph repl < queries.cypher`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !contains(queryFormats, o.format) {
				return usageError{fmt.Errorf("unknown --format %q (want one of %v)", o.format, queryFormats)}
			}
			// Ctrl-C belongs to the running statement, not to the session.
			ctx := context.WithoutCancel(cmd.Context())
			return runRepl(ctx, o, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringArrayVar(&o.load, "load", nil, "load these files or directories first (repeatable)")
	cmd.Flags().BoolVar(&o.continueOnError, "continue-on-error", false, "in a script, go on after a failed statement")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 0, "stop each query after this long (0: no limit; Ctrl-C stops any); :timeout changes it")
	cmd.Flags().Int64Var(&o.maxRows, "max-rows", 0, "stop a query that returns more rows (0: no limit)")
	cmd.Flags().Int64Var(&o.maxInter, "max-intermediate", 0, "stop a query whose steps produce more rows in all (0: no limit)")
	o.maxMemory = query.DefaultMaxMemory
	cmd.Flags().Var(&o.maxMemory, "max-memory", memoryHelp)
	cmd.Flags().StringVar(&o.format, "format", "table", "result format: table, json, jsonl, csv or tsv")
	cmd.Flags().BoolVar(&o.raw, "raw", false, rawHelp)
	return cmd
}

// session is one REPL: the open store and the settings meta-commands change.
type session struct {
	o       *replOptions
	st      *graph.Store
	stdout  io.Writer
	stderr  io.Writer
	format  string
	timing  bool
	timeout time.Duration
	params  map[string]value.Value
	running func() // cancels the running statement, if any
	line    int    // script mode: first line of the statement being run
}

func runRepl(ctx context.Context, o *replOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	// Read-only between loads: other processes may read the store while
	// the session waits for input (see session.load).
	st, err := graph.Open(ctx, o.db, graph.Options{Backend: o.backend, Wait: o.wait, ReadOnly: true})
	if err != nil {
		return err
	}
	s := &session{o: o, st: st, stdout: stdout, stderr: stderr, format: o.format, timing: true, timeout: o.timeout, params: map[string]value.Value{}}
	defer func() {
		if s.st != nil {
			s.st.Close()
		}
	}()
	if len(o.load) > 0 {
		if err := s.load(ctx, o.load); err != nil && !errors.Is(err, errFailed) {
			return err
		}
	}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return s.interactive(ctx, f)
	}
	return s.script(ctx, stdin)
}

// statementEnd returns the index just past the first ";" outside strings
// and comments, or -1.
func statementEnd(text string) int {
	var quote rune
	for i := 0; i < len(text); i++ {
		c := rune(text[i])
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '/' && i+1 < len(text) && text[i+1] == '/':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case c == ';':
			return i + 1
		}
	}
	return -1
}

// script runs statements read from r without prompts.
func (s *session) script(ctx context.Context, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), loader.MaxLine)
	var pending strings.Builder
	start, n, failed := 0, 0, false
	run := func(stmt string, line int) bool {
		s.line = line
		if err := s.exec(ctx, stmt); err != nil {
			failed = true
			if !errors.Is(err, errFailed) {
				fmt.Fprintf(s.stderr, "<stdin>:%d: %v\n", line, err)
			}
			return s.o.continueOnError
		}
		return true
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		if pending.Len() == 0 {
			t := strings.TrimSpace(line)
			if t == "" {
				continue
			}
			start = n
			if strings.HasPrefix(t, ":") {
				if !run(t, n) {
					return errFailed
				}
				continue
			}
		}
		pending.WriteString(line + "\n")
		for _, stmt := range takeStatements(&pending) {
			if strings.TrimSpace(stmt) != ";" && !run(stmt, start) {
				return errFailed
			}
			start = n
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if strings.TrimSpace(pending.String()) != "" {
		if !run(pending.String(), start) {
			return errFailed
		}
	}
	if failed {
		return errFailed
	}
	return nil
}

func historyPath() string {
	if p := os.Getenv("CLAIMGRAPH_HISTORY"); p != "" {
		return p
	}
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	dir = filepath.Join(dir, "claimgraph")
	if os.MkdirAll(dir, 0o755) != nil {
		return ""
	}
	return filepath.Join(dir, "history")
}

const (
	prompt     = "claimgraph> "
	contPrompt = "       ...> "
)

// interactive reads statements with line editing, history and completion.
func (s *session) interactive(ctx context.Context, tty *os.File) error {
	var pending strings.Builder
	c := &completer{s: s, pending: &pending}
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 prompt,
		HistoryFile:            historyPath(),
		DisableAutoSaveHistory: true,
		HistorySearchFold:      true,
		AutoComplete:           c,
		InterruptPrompt:        "^C",
		EOFPrompt:              ":quit",
		Stdin:                  tty,
		Stdout:                 s.stdout,
		Stderr:                 s.stderr,
	})
	if err != nil {
		return err
	}
	// readline's Close waits for its reader, which sits in a read of the
	// terminal until the next key; the terminal is already out of raw mode
	// between lines, so closing need not hold up the exit.
	defer func() { go rl.Close() }()
	fmt.Fprintln(s.stdout, `claimgraph: type a query ending in ";", or :help`)
	for {
		if pending.Len() > 0 {
			rl.SetPrompt(contPrompt)
		} else {
			rl.SetPrompt(prompt)
		}
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			pending.Reset() // Ctrl-C drops the line, or the statement being typed
			continue
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if pending.Len() == 0 && strings.HasPrefix(strings.TrimSpace(line), ":") {
			rl.SaveHistory(strings.TrimSpace(line))
			if err := s.exec(ctx, strings.TrimSpace(line)); errors.Is(err, errQuit) {
				return nil
			} else if err != nil && !errors.Is(err, errFailed) {
				fmt.Fprintln(s.stderr, err)
			}
			continue
		}
		if pending.Len() == 0 && strings.TrimSpace(line) == "" {
			continue
		}
		pending.WriteString(line + "\n")
		for _, stmt := range takeStatements(&pending) {
			stmt = strings.TrimSpace(stmt)
			// A statement over several lines is one history entry.
			rl.SaveHistory(strings.Join(strings.Fields(stmt), " "))
			if err := s.exec(ctx, stmt); err != nil && !errors.Is(err, errFailed) {
				fmt.Fprintln(s.stderr, err)
			}
		}
	}
}

// takeStatements removes the complete statements (ending in ";") from the
// front of pending and returns them; an unfinished one stays.
func takeStatements(pending *strings.Builder) []string {
	var out []string
	text := pending.String()
	for {
		end := statementEnd(text)
		if end < 0 {
			break
		}
		out = append(out, text[:end])
		text = strings.TrimLeft(text[end:], " \t")
	}
	pending.Reset()
	if strings.TrimSpace(text) != "" {
		pending.WriteString(text)
	}
	return out
}

var errQuit = errors.New("quit")

// cancellable runs fn with a context that Ctrl-C cancels.
func cancellable(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-sig:
			cancel()
		case <-done:
		}
	}()
	return fn(ctx)
}

// exec runs one statement: a meta-command or a query.
func (s *session) exec(ctx context.Context, stmt string) error {
	if s.st == nil {
		// Let go of for a load, and not opened again (another process
		// took it meanwhile): try again.
		st, err := s.o.openRead(ctx)
		if err != nil {
			fmt.Fprintln(s.stderr, err)
			return errFailed
		}
		s.st = st
	}
	if strings.HasPrefix(stmt, ":") {
		return s.meta(ctx, stmt)
	}
	return s.query(ctx, stmt)
}

func (s *session) query(ctx context.Context, src string) error {
	qo := &queryOptions{globalOptions: s.o.globalOptions, format: s.format, timeout: s.timeout, timeoutName: ":timeout",
		maxRows: s.o.maxRows, maxInter: s.o.maxInter, maxHops: query.DefaultMaxHops, maxMemory: s.o.maxMemory, raw: s.o.raw}
	if s.line > 0 {
		qo.where, qo.firstLine = "<stdin>", s.line
	}
	start := time.Now()
	err := cancellable(ctx, func(ctx context.Context) error {
		return execQuery(ctx, s.st, qo, src, s.params, s.stdout, s.stderr)
	})
	if s.timing && s.line == 0 && err == nil {
		fmt.Fprintf(s.stdout, "time: %v\n", time.Since(start).Round(10*time.Microsecond))
	}
	return err
}

func (s *session) load(ctx context.Context, paths []string) error {
	lo := &loadOptions{globalOptions: s.o.globalOptions, batch: 2000}
	files, err := expand(paths, lo, s.stderr)
	if err != nil {
		fmt.Fprintln(s.stderr, err)
		return errFailed
	}
	if s.st.ReadOnly() {
		// Held for writing for the load alone, then for reading again.
		s.st.Close()
		if s.st, err = s.o.open(ctx, true); err != nil {
			s.st = nil // (exec opens it again)
			fmt.Fprintln(s.stderr, err)
			return errFailed
		}
		defer func() {
			s.st.Close()
			if s.st, err = s.o.openRead(ctx); err != nil {
				s.st = nil
			}
		}()
	}
	return cancellable(ctx, func(ctx context.Context) error {
		return loadFiles(ctx, s.st, lo, files, s.stderr)
	})
}

const replHelp = `Statements end with ";". Meta-commands:
  :help                       this text
  :schema                     labels, relationship types and property keys, with counts
  :load PATH...               load record files or directories (Ctrl-C stops)
  :explain QUERY              print the plan of QUERY
  :profile QUERY              run QUERY and print rows and time per step
  :param NAME VALUE           set $NAME (typed by VALUE: 42, 0.5, true, null, [1,2], or text)
  :params                     list parameters
  :export FORMAT FILE QUERY   write the subgraph QUERY matches (formats as claimgraph export)
  :format table|json|jsonl|csv|tsv
  :timing on|off              print the time each query takes
  :timeout DURATION|off       stop each query after DURATION (e.g. 10s)
  :quit                       leave (Ctrl-D too)
Ctrl-C cancels a running query or load, or clears the line. See docs/query.md.`

func (s *session) meta(ctx context.Context, line string) error {
	fields := strings.Fields(line)
	cmd, args := strings.ToLower(fields[0]), fields[1:]
	rest := strings.TrimSpace(strings.TrimPrefix(line, fields[0]))
	fail := func(format string, a ...any) error {
		fmt.Fprintf(s.stderr, format+"\n", a...)
		return errFailed
	}
	switch cmd {
	case ":help", ":h", ":?":
		fmt.Fprintln(s.stdout, replHelp)
	case ":quit", ":q", ":exit":
		return errQuit
	case ":schema":
		return s.schema(ctx)
	case ":load":
		if len(args) == 0 {
			return fail(":load needs one or more paths")
		}
		return s.load(ctx, args)
	case ":explain", ":profile":
		if rest == "" {
			return fail("%s needs a query", cmd)
		}
		return s.query(ctx, strings.ToUpper(cmd[1:])+" "+strings.TrimSuffix(rest, ";"))
	case ":param":
		if len(args) < 2 {
			return fail("usage: :param NAME VALUE")
		}
		name := strings.TrimPrefix(args[0], "$")
		v, err := paramValue(strings.TrimSpace(strings.TrimPrefix(rest, args[0])))
		if err != nil {
			return fail("%s: %v", cmd, err)
		}
		s.params[name] = v
	case ":params":
		names := make([]string, 0, len(s.params))
		for n := range s.params {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			v := s.params[n]
			text := value.Text(v)
			if str, ok := v.(string); ok {
				text = strconv.Quote(str)
			}
			fmt.Fprintf(s.stdout, "$%s = %s\n", n, text)
		}
	case ":format":
		if len(args) != 1 || !contains(queryFormats, args[0]) {
			return fail("usage: :format table|json|jsonl|csv|tsv")
		}
		s.format = args[0]
	case ":timeout":
		if len(args) != 1 {
			return fail("usage: :timeout DURATION|off")
		}
		if args[0] == "off" {
			s.timeout = 0
			break
		}
		d, err := time.ParseDuration(args[0])
		if err != nil || d <= 0 {
			return fail("usage: :timeout DURATION|off (a duration such as 10s or 2m)")
		}
		s.timeout = d
	case ":timing":
		if len(args) != 1 || (args[0] != "on" && args[0] != "off") {
			return fail("usage: :timing on|off")
		}
		s.timing = args[0] == "on"
	case ":export":
		if len(args) < 3 {
			return fail("usage: :export FORMAT FILE QUERY")
		}
		src := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(rest, args[0]), " "))
		src = strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(src, args[1])), ";")
		return s.export(ctx, args[0], args[1], src)
	default:
		return fail("unknown meta-command %s (:help lists them)", fields[0])
	}
	return nil
}

func (s *session) schema(ctx context.Context) error {
	st, err := s.st.Stats(ctx)
	if err != nil {
		return err
	}
	counts, err := s.st.Counts(ctx)
	if err != nil {
		return err
	}
	printCounts(s.stdout, "labels (nodes)", st.Labels)
	printCounts(s.stdout, "relationship types", st.Relationships)
	props := map[string]int{}
	for k, v := range counts.Properties {
		if v > 0 {
			props[k] = v
		}
	}
	printCounts(s.stdout, "property keys (values)", props)
	return nil
}

func (s *session) export(ctx context.Context, format, file, src string) error {
	if !contains(exportFormats, format) {
		fmt.Fprintf(s.stderr, "unknown export format %q (want one of %v)\n", format, exportFormats)
		return errFailed
	}
	eo := &exportOptions{globalOptions: s.o.globalOptions, format: format, out: file}
	qo := &queryOptions{globalOptions: s.o.globalOptions}
	return cancellable(ctx, func(ctx context.Context) error {
		plan, err := query.Prepare(ctx, s.st, src)
		if err != nil {
			return qo.reportQueryError(s.stderr, src, err)
		}
		release, err := s.st.ReadLock(ctx)
		if err != nil {
			return err
		}
		defer release()
		g, err := plan.Subgraph(ctx, s.st, query.Options{Params: s.params}, 0)
		if err != nil {
			return qo.reportRunError(s.stderr, src, err)
		}
		if err := writeExport(ctx, s.st, eo, g, s.stdout); err != nil {
			return err
		}
		fmt.Fprintf(s.stdout, "exported %d nodes and %d relationships to %s\n", len(g.Nodes), len(g.Rels), file)
		return nil
	})
}
