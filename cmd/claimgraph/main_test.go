package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"claimgraph/graph"
	"claimgraph/graph/pgtest"
	"claimgraph/graph/suites"
)

// TestMain lets the test binary act as the claimgraph command, both for
// testscript scripts and for the child processes of the kill test.
func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	testscript.Main(suites.Wrap(m), map[string]func(){
		"claimgraph": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// asMainEnv makes the test binary run as claimgraph, for child processes.
const asMainEnv = "CLAIMGRAPH_TEST_AS_MAIN"

// TestScripts runs testdata/script/*.txtar against the real command.
// Scripts find the repository's testdata under $TESTDATA.
func TestScripts(t *testing.T) {
	t.Run(graph.DefaultBackend, func(t *testing.T) { runScripts(t, "") })
	// The same scripts with the default store ($CLAIMGRAPH_DB) a fresh
	// PostgreSQL database per script.
	t.Run("postgres", func(t *testing.T) { runScripts(t, pgtest.Server(t)) })
}

func runScripts(t *testing.T, postgres string) {
	td, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join(td, "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("TESTDATA", td)
			// $STORE is what messages call the default store.
			env.Setenv("STORE", "claimgraph.db")
			if postgres != "" {
				url, drop, err := pgtest.NewDatabase(postgres)
				if err != nil {
					return err
				}
				env.Defer(func() {
					if err := drop(); err != nil {
						env.T().Fatal(err)
					}
				})
				env.Setenv("CLAIMGRAPH_DB", url)
				env.Setenv("STORE", url)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// sort FILE sorts the lines of a file in place, so that outputs
			// whose order depends on the store compare.
			"sort": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: sort FILE")
				}
				lines := strings.Split(strings.TrimSuffix(ts.ReadFile(args[0]), "\n"), "\n")
				sort.Strings(lines)
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
			},
		},
	})
}
