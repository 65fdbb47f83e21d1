// Package suites decides which of claimgraph's test suites run. The fast
// ones always do; the long ones — kill trials, fuzz-sized model runs,
// generated stores of thousands of sources, browsers — run only when
// $CLAIMGRAPH_LONG is 1, as in CI, so that `go test ./...` stays a quick
// inner loop. A package whose tests may skip ends its run with one line
// naming what it skipped and how to run it, even without -v.
//
// It is imported by tests only, and imports nothing of claimgraph's.
package suites

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Env names the variable that turns the long suites on.
const Env = "CLAIMGRAPH_LONG"

// Enabled reports whether the long suites run.
func Enabled() bool { return os.Getenv(Env) == "1" }

var (
	mu      sync.Mutex
	skipped = map[string][]string{} // reason → test names
)

// Long skips the calling test unless the long suites run.
func Long(t testing.TB) {
	t.Helper()
	if !Enabled() {
		Skip(t, "long tests ("+Env+"=1 runs them)")
	}
}

// Skip skips the test for a reason shared by other tests, which the
// package's closing line counts together; -v lists the tests.
func Skip(t testing.TB, reason string) {
	t.Helper()
	mu.Lock()
	skipped[reason] = append(skipped[reason], t.Name())
	mu.Unlock()
	t.Skip("skipped: " + reason)
}

// Main runs the tests of m and reports what they skipped; use it as
// os.Exit(suites.Main(m)), or Wrap(m) where another main runs m.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	report()
	return code
}

// Wrap returns m with Main's report after its run, for a TestMain that
// hands m to another runner (testscript.Main).
func Wrap(m interface{ Run() int }) interface{ Run() int } { return wrapped{m} }

type wrapped struct{ m interface{ Run() int } }

func (w wrapped) Run() int { return Main(w.m) }

func report() {
	mu.Lock()
	defer mu.Unlock()
	if len(skipped) == 0 {
		return
	}
	reasons := make([]string, 0, len(skipped))
	for r := range skipped {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	var parts []string
	for _, r := range reasons {
		parts = append(parts, fmt.Sprintf("%d %s", len(skipped[r]), r))
	}
	fmt.Fprintf(out(), "%s: skipped %s (-v names them)\n", pkgDir(), strings.Join(parts, "; "))
}

// out is where the report goes. Without -v the go command prints nothing of
// a passing package's output, so the line goes to the go command's own
// standard error, where the user sees it beside the "ok" lines.
func out() io.Writer {
	if testing.Verbose() {
		return os.Stdout
	}
	ppid := os.Getppid()
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", ppid)); err == nil && strings.TrimSpace(string(comm)) == "go" {
		if f, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/2", ppid), os.O_WRONLY|os.O_APPEND, 0); err == nil {
			return f
		}
	}
	return os.Stderr
}

// pkgDir names the package under test by its directory in the module: the
// go command runs a test binary in its package's directory.
func pkgDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "?"
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, wd); err == nil {
				return filepath.ToSlash(rel)
			}
			return wd
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd
		}
		dir = parent
	}
}
