package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/google/go-cmp/cmp"

	"claimgraph/graph/suites"
	"claimgraph/loader/gen"
)

// ptySession drives `claimgraph repl` under a real pseudo-terminal.
type ptySession struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	seen int // output before this offset has been matched already
	done chan struct{}
}

func startRepl(t *testing.T, db, history string, args ...string) *ptySession {
	t.Helper()
	cmd := child(append([]string{"repl", "--db", db}, args...)...)
	cmd.Env = append(cmd.Env, "CLAIMGRAPH_HISTORY="+history, "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	s := &ptySession{t: t, cmd: cmd, tty: tty, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		tty.Close()
	})
	s.expect(prompt)
	return s
}

func (s *ptySession) send(keys string) {
	s.t.Helper()
	if _, err := s.tty.Write([]byte(keys)); err != nil {
		s.t.Fatal(err)
	}
}

// expect waits for text to appear in the output after what was matched so far.
func (s *ptySession) expect(text string) {
	s.t.Helper()
	s.waitFor(strconv.Quote(text), func(out string) int {
		if i := strings.Index(out, text); i >= 0 {
			return i + len(text)
		}
		return -1
	})
}

// expectMatch waits for output that matches re, like expect.
func (s *ptySession) expectMatch(re *regexp.Regexp) {
	s.t.Helper()
	s.waitFor(re.String(), func(out string) int {
		if loc := re.FindStringIndex(out); loc != nil {
			return loc[1]
		}
		return -1
	})
}

// waitFor waits until find finds what is wanted in the output since the
// last match, and moves past it; find returns where it ends, or -1.
func (s *ptySession) waitFor(what string, find func(out string) int) {
	s.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		out := s.out.String()
		s.mu.Unlock()
		if end := find(out[s.seen:]); end >= 0 {
			s.seen += end
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.t.Fatalf("timed out waiting for %s; output since last match:\n%s", what, s.out.String()[s.seen:])
}

func (s *ptySession) exit() {
	s.t.Helper()
	s.send("\x04") // Ctrl-D on an empty line
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.t.Fatal("repl did not exit on Ctrl-D")
	}
	if err := s.cmd.Wait(); err != nil {
		s.t.Fatalf("repl exited with %v", err)
	}
}

// TestReplInteractive drives the REPL as a person would: tab completion,
// a statement over two lines, Ctrl-C cancelling a long query and clearing
// a half-typed line, errors that do not end the session, and history
// across restarts.
func TestReplInteractive(t *testing.T) {
	if testing.Short() {
		t.Skip("pty test skipped in -short mode")
	}
	dir := t.TempDir()
	db, history := filepath.Join(dir, "kb.db"), filepath.Join(dir, "history")
	s := startRepl(t, db, history, "--load", "../../testdata/000_7e1f6717d204dd7e.txt", "--load", "../../testdata/corpus")

	// Completion of a label, then of a relationship type.
	s.send("MATCH (p:Pers\t")
	s.expect("Person")
	s.send(")<-[:AUTHO\t")
	s.expect("AUTHORED_BY")
	s.send("]-(s) RETURN count(*) AS n;\r")
	s.expect("59")
	s.expect("(1 row)")
	s.expect(prompt)

	// A statement over two lines: continuation prompt, one history entry.
	s.send("RETURN 40 +\r")
	s.expect(contPrompt)
	s.send("2 AS answer;\r")
	s.expect("42")
	s.expect(prompt)

	// Errors are reported and the session goes on.
	s.send("MATCH (n RETURN n;\r")
	s.expect(`unexpected "RETURN": expected ")"`)
	s.expect(prompt)

	// Ctrl-C cancels a long query; the session goes on.
	s.send("MATCH (a), (b), (c), (d), (e) RETURN count(*);\r")
	time.Sleep(700 * time.Millisecond)
	s.send("\x03")
	s.expect("query cancelled")
	s.expect(prompt)
	s.send("RETURN 7 AS seven;\r")
	s.expect("seven")
	s.expect(prompt)

	// Ctrl-C on a half-typed statement clears it.
	s.send("MATCH (broken\r")
	s.expect(contPrompt)
	s.send("\x03")
	s.expect(prompt)
	s.send("RETURN 8 AS eight;\r")
	s.expect("eight")
	s.expect(prompt)
	s.exit()

	raw, err := os.ReadFile(history)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "RETURN 40 + 2 AS answer;\n") {
		t.Errorf("history lacks the two-line statement as one entry:\n%s", raw)
	}

	// History survives a restart: Up twice brings back the statement
	// before last.
	s = startRepl(t, db, history)
	s.send("\x1b[A\x1b[A\r")
	s.expect("seven")
	s.expect(prompt)
	s.exit()
}

var runawayStore = flag.String("runaway.store", "", "store for TestReplRunawayQuery (default: a generated 2,000-source store), e.g. a 100k store")

// procStatus returns a field of a process's /proc status in kB: VmHWM is
// the peak resident set, RssAnon and RssFile the current one split into
// the process's own memory and mapped files (the store, for bolt).
func procStatus(t *testing.T, pid int, field string) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return kb
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// TestReplRunawayQuery runs a cartesian product of five unconstrained
// patterns in the REPL under each limit: the limit stops it with its
// message, and the session answers the next query. The elapsed times and
// the REPL's peak memory are logged; on a 100k store:
// go test ./cmd/claimgraph -run Runaway -v -runaway.store /tmp/q100k.db
func TestReplRunawayQuery(t *testing.T) {
	suites.Long(t)
	if testing.Short() {
		t.Skip("pty test skipped in -short mode")
	}
	dir := t.TempDir()
	db := *runawayStore
	if db == "" {
		db = filepath.Join(dir, "kb.db")
		corpus := filepath.Join(dir, "corpus")
		if err := gen.Write(corpus, gen.Config{Sources: 2000, Seed: 3}); err != nil {
			t.Fatal(err)
		}
		if out, err := child("load", "--db", db, corpus).CombinedOutput(); err != nil {
			t.Fatalf("load: %v\n%s", err, out)
		}
	}
	const runaway = "MATCH (a), (b), (c), (d), (e) RETURN count(*);\r"
	var s *ptySession
	peak := 0
	for _, limit := range []struct {
		flags        []string
		set, message string
	}{
		{nil, ":timeout 2s\r", "query stopped: it ran longer than :timeout 2s"},
		{[]string{"--max-intermediate", "2000000"}, ":timing off\r", "query stopped: more than 2000000 intermediate rows (raise the limit with --max-intermediate)"},
	} {
		if s != nil {
			s.exit()
		}
		s = startRepl(t, db, filepath.Join(dir, "history"), limit.flags...)
		s.send(limit.set)
		s.expect(prompt)
		start := time.Now()
		s.send(runaway)
		s.expect(limit.message)
		stopped := time.Since(start)
		s.expect(prompt)
		start = time.Now()
		s.send("RETURN 7 AS seven;\r")
		s.expect("seven")
		s.expect(prompt)
		t.Logf("%s %s: stopped after %v; next query answered in %v", strings.Join(limit.flags, " "), strings.TrimSpace(limit.set), stopped.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		// A guard against a hang, not a measurement.
		if stopped > 80*time.Second {
			t.Errorf("the limit took %v to stop the query", stopped)
		}
		pid := s.cmd.Process.Pid
		peak = max(peak, procStatus(t, pid, "RssAnon"))
		t.Logf("REPL memory: peak RSS %d MiB; now %d MiB own, %d MiB of mapped files", procStatus(t, pid, "VmHWM")/1024, procStatus(t, pid, "RssAnon")/1024, procStatus(t, pid, "RssFile")/1024)
	}
	if peak > 1<<20 {
		t.Errorf("REPL holds %d MiB of its own after the query: memory is not bounded by the limits", peak/1024)
	}
	s.exit()
}

// TestReplLoadCancel cancels a :load with Ctrl-C half-way: the session
// goes on and queries the store, which holds whole records only, each as
// an uninterrupted load writes it; loading again completes it.
func TestReplLoadCancel(t *testing.T) {
	suites.Long(t)
	if testing.Short() {
		t.Skip("pty test skipped in -short mode")
	}
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus")
	// Three batches of records: Ctrl-C goes once the first is written
	// (the progress bar has moved), while the second is being written,
	// however fast the machine.
	if err := gen.Write(corpus, gen.Config{Sources: 4000, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "ref.db")
	if out, err := child("load", "--db", ref, corpus).CombinedOutput(); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	want := byRecord(t, ref)

	db := filepath.Join(dir, "kb.db")
	s := startRepl(t, db, filepath.Join(dir, "history"))
	s.send(":load " + corpus + "\r")
	s.expectMatch(regexp.MustCompile(`\b[1-9][0-9]?% `))
	s.send("\x03")
	s.expect("interrupted: the records written so far are complete")
	s.expect(prompt)
	s.send("MATCH (s:Source) RETURN count(s) AS sources;\r")
	s.expect("sources")
	s.expect(prompt)
	s.exit()

	got := byRecord(t, db)
	for id, qs := range got {
		if diff := cmp.Diff(want[id], qs); diff != "" {
			t.Fatalf("record %q is not whole after the cancelled :load (-uninterrupted +cancelled):\n%s", id, diff)
		}
	}
	t.Logf("the cancelled :load wrote %d of %d records", len(got), len(want))
	if len(got) == 0 || len(got) == len(want) {
		t.Error("the :load wrote none or all of its records before Ctrl-C; the test proved nothing")
	}
	s = startRepl(t, db, filepath.Join(dir, "history"))
	s.send(":load " + corpus + "\r")
	s.expect(prompt)
	s.exit()
	if diff := cmp.Diff(want, byRecord(t, db)); diff != "" {
		t.Errorf("loading again did not complete the store:\n%s", diff)
	}
}
