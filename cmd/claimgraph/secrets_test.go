package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"claimgraph/graph/pgtest"
)

// secret is the password the tests below give; no output may hold it.
const secret = "S3cretPassw0rd"

// commandArgs are arguments that make each command reach its store (or,
// for those without one, run): every command is here, so that a new one
// is tested for leaks too.
func commandArgs(t *testing.T) map[string][][]string {
	seed := filepath.Join("..", "..", "testdata", "000_7e1f6717d204dd7e.txt")
	out := filepath.Join(t.TempDir(), "out")
	return map[string][][]string{
		"init":       {{"init"}},
		"load":       {{"load", seed}},
		"rm":         {{"rm", "src_7e1f6717d204dd7e"}},
		"stats":      {{"stats"}, {"stats", "--format", "json"}},
		"check":      {{"check"}, {"check", "--repair"}},
		"query":      {{"query", "MATCH (n) RETURN count(n)"}},
		"repl":       {{"repl"}},
		"export":     {{"export", "--format", "dot", "-o", out + ".dot"}},
		"dump":       {{"dump"}},
		"gen":        {{"gen", "--sources", "2", "-o", out + "-gen"}},
		"help":       {{"help"}},
		"completion": {{"completion", "bash"}},
	}
}

// run runs the command in this process and returns what it printed.
func run(args []string, stdin string) string {
	var out bytes.Buffer
	Main(args, strings.NewReader(stdin), &out, &out)
	return out.String()
}

// TestSecretsNeverPrinted gives every command a database URL with a
// password — by --db and by $CLAIMGRAPH_DB, reachable or not, parseable
// or not — and its --help too, and requires the password in none of what
// they print.
func TestSecretsNeverPrinted(t *testing.T) {
	urls := []string{
		"postgres://ann:" + secret + "@127.0.0.1:1/kb?sslmode=disable",            // refused
		"postgresql://ann@127.0.0.1:1/kb?password=" + secret + "&sslmode=disable", // as a parameter
		"cockroach://root:" + secret + "@127.0.0.1:1/kb",
		"postgres://ann:" + secret + "@127.0.0.1:notaport/kb", // does not parse
		"postgres://a n:" + secret + "@[::1/kb",               // does not parse either
	}
	checkSecrets(t, urls)
}

// TestSecretsNeverPrintedPostgres is the same on a real server, which
// takes (and here ignores) the password: what commands print on success
// holds no password either.
func TestSecretsNeverPrintedPostgres(t *testing.T) {
	u := pgtest.URL(t)
	with := strings.Replace(u, "://postgres@", "://postgres:"+secret+"@", 1)
	if with == u {
		t.Fatalf("cannot add a password to %s", u)
	}
	checkSecrets(t, []string{with})
}

func checkSecrets(t *testing.T, urls []string) {
	root := newRootCmd(&globalOptions{})
	args := commandArgs(t)
	for _, c := range root.Commands() {
		if _, ok := args[c.Name()]; !ok {
			t.Errorf("command %s has no arguments in commandArgs", c.Name())
		}
	}
	check := func(t *testing.T, what, out string) {
		t.Helper()
		if strings.Contains(out, secret) {
			t.Errorf("%s printed the password:\n%s", what, out)
		}
	}
	for _, u := range urls {
		for name, lists := range args {
			for _, a := range lists {
				withFlag := append(append([]string{}, a...), "--db", u)
				check(t, strings.Join(withFlag, " "), run(withFlag, "RETURN 1;\n"))
				t.Setenv("CLAIMGRAPH_DB", u)
				check(t, "$CLAIMGRAPH_DB "+strings.Join(a, " "), run(a, "RETURN 1;\n"))
				check(t, name+" --help", run([]string{name, "--help"}, ""))
				t.Setenv("CLAIMGRAPH_DB", "")
			}
		}
		t.Setenv("CLAIMGRAPH_DB", u)
		check(t, "--help", run([]string{"--help"}, ""))
		check(t, "an unknown flag", run([]string{"stats", "--nonsense"}, ""))
		t.Setenv("CLAIMGRAPH_DB", "")
	}
}
