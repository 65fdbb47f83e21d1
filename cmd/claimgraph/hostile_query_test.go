package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestREPLSurvivesHostileQueries: a session given a query nested 100,000
// deep, one over the memory budget and one over its timeout reports each
// with its message and answers the next statement.
func TestREPLSurvivesHostileQueries(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kb.db")
	var out bytes.Buffer
	if code := Main([]string{"load", "--db", db, "../../testdata/corpus", "../../testdata/000_7e1f6717d204dd7e.txt"}, nil, &out, &out); code != exitOK {
		t.Fatalf("load: %s", out.String())
	}
	script := "RETURN " + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000) + " AS x;\n" +
		"MATCH (a), (b) RETURN size(collect(a.id + b.id)) AS n;\n" +
		":timeout 1ns\nMATCH (a), (b) RETURN count(*) AS n;\n:timeout off\n" +
		"RETURN 41 + 1 AS answer;\n"
	out.Reset()
	Main([]string{"repl", "--db", db, "--continue-on-error", "--max-memory", "1MiB"}, strings.NewReader(script), &out, &out)
	text := out.String()
	for _, want := range []string{
		"<stdin>:1:264: expressions nested deeper than 256",
		"query stopped: more than 1 MiB of rows held",
		"query stopped: it ran longer than :timeout 1ns",
		"answer\n------\n42\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%.3000s", want, text)
		}
	}
	if len(text) > 20000 {
		t.Errorf("the session printed %d bytes: the deep query's line was not cut", len(text))
	}
}

// TestExportObeysLimits: export stops at --timeout and at --max-memory
// with the messages of query.
func TestExportObeysLimits(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kb.db")
	var out bytes.Buffer
	if code := Main([]string{"load", "--db", db, "../../testdata/corpus"}, nil, &out, &out); code != exitOK {
		t.Fatalf("load: %s", out.String())
	}
	for args, want := range map[string]string{
		"--timeout 1ns --all":              "query stopped: it ran longer than --timeout 1ns",
		"--timeout 1ns MATCH (n) RETURN n": "query stopped: it ran longer than --timeout 1ns",
		"--max-memory 100KiB MATCH (a), (b) WITH a, b ORDER BY a.id RETURN a, b": "query stopped: more than 100 KiB",
		"--max-rows 3 MATCH (n) RETURN n":                                        "query stopped: more than 3 result rows",
	} {
		fields := strings.Fields(args)
		flags, q := fields[:2], strings.Join(fields[2:], " ")
		argv := append([]string{"export", "--db", db, "--format", "dot", "-o", filepath.Join(t.TempDir(), "g.dot")}, flags...)
		if q == "--all" {
			argv = append(argv, "--all")
		} else {
			argv = append(argv, q)
		}
		out.Reset()
		if code := Main(argv, nil, &out, &out); code == exitOK || !strings.Contains(out.String(), want) {
			t.Errorf("export %s: exit %d, want %q:\n%s", args, code, want, out.String())
		}
	}
}
