package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadme runs the README's examples: every "$ " command of its console
// blocks, in order, in the repository's root with a fresh store as the
// default ($CLAIMGRAPH_DB), through sh with claimgraph on the PATH, and
// compares what it prints (standard output and error together) with the
// lines below it. Durations and rates, which no two runs share, are
// compared as placeholders.
func TestReadme(t *testing.T) {
	if n := runExamples(t, "README.md", false); n < 5 {
		t.Fatalf("the README shows %d examples, want at least 5", n)
	}
}

// TestDocExamples runs the console examples of the reference pages in
// docs/ as TestReadme runs the README's, each page on a fresh store
// holding the bundled data, as the pages say.
func TestDocExamples(t *testing.T) {
	for _, page := range []string{"docs/cli.md", "docs/query.md"} {
		t.Run(page, func(t *testing.T) {
			if n := runExamples(t, page, true); n == 0 {
				t.Fatalf("%s shows no console example", page)
			}
		})
	}
}

// runExamples runs the console examples of a page of the repository and
// returns how many it ran.
func runExamples(t *testing.T, page string, bundled bool) int {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(root, page))
	if err != nil {
		t.Fatal(err)
	}
	examples := consoleExamples(string(text))
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	wrapper := "#!/bin/sh\n" + asMainEnv + "=1 exec '" + os.Args[0] + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "claimgraph"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(command string) []byte {
		cmd := exec.Command("sh", "-c", command)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "CLAIMGRAPH_DB="+filepath.Join(tmp, "kb.db"), "HOME="+tmp)
		// A failing command's status is not compared: the pages show
		// errors by what they print.
		out, _ := cmd.CombinedOutput()
		return out
	}
	if bundled {
		run("claimgraph load testdata/000_7e1f6717d204dd7e.txt testdata/corpus")
	}
	for _, ex := range examples {
		out := run(ex.command)
		if diff := cmp.Diff(normaliseOutput(ex.output), normaliseOutput(string(out))); diff != "" {
			t.Errorf("%s line %d: %s: output differs from the page (-page +got):\n%s", page, ex.line, ex.command, diff)
		}
	}
	return len(examples)
}

// example is one command of the README and what it prints.
type example struct {
	line    int // of the command, in the README
	command string
	output  string
}

// consoleExamples reads the commands of the README's console blocks. A
// command runs on over several lines while a quote it opened is open.
func consoleExamples(readme string) []example {
	var out []example
	in := false
	var cur *example
	lines := strings.Split(readme, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case !in && l == "```console":
			in = true
			continue
		case in && l == "```":
			in = false
			cur = nil
			continue
		case !in:
			continue
		}
		if cmd, ok := strings.CutPrefix(l, "$ "); ok {
			out = append(out, example{line: i + 1, command: cmd})
			cur = &out[len(out)-1]
			for strings.Count(cur.command, "\"")%2 == 1 && i+1 < len(lines) {
				i++
				cur.command += "\n" + lines[i]
			}
			continue
		}
		if cur != nil {
			cur.output += l + "\n"
		}
	}
	return out
}

var (
	durations = regexp.MustCompile(`\b\d+(\.\d+)?(ms|µs|s)\b`)
	rates     = regexp.MustCompile(`\b\d+ quads/s\b`)
)

func normaliseOutput(s string) string {
	s = durations.ReplaceAllString(s, "<time>")
	return rates.ReplaceAllString(s, "<rate> quads/s")
}
