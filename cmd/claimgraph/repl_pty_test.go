package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
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
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		out := s.out.String()
		s.mu.Unlock()
		if i := strings.Index(out[s.seen:], text); i >= 0 {
			s.seen += i + len(text)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.t.Fatalf("timed out waiting for %q; output since last match:\n%s", text, s.out.String()[s.seen:])
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
