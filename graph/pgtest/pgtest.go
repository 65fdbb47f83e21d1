// Package pgtest gives tests a fresh PostgreSQL database of their own on
// the server named by $CLAIMGRAPH_TEST_POSTGRES, and skips them, saying
// how to run them, when it is not set.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"claimgraph/graph/suites"
)

// Env names the variable holding the URL of a PostgreSQL server (any
// database on it) whose user may create databases.
const Env = "CLAIMGRAPH_TEST_POSTGRES"

// Skip is why a PostgreSQL test is skipped: it names what runs it.
const Skip = "tests needing PostgreSQL (set $" + Env + `; eval "$(scripts/pg-start.sh)" starts one)`

var serial atomic.Int64

// Server returns the server URL, or skips the test.
func Server(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		suites.Skip(t, Skip)
	}
	return u
}

// URL creates an empty database for the test, dropped when it ends, and
// returns its URL.
func URL(t testing.TB) string {
	t.Helper()
	u, drop, err := NewDatabase(Server(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Error(err)
		}
	})
	return u
}

// NewDatabase creates an empty database on the server and returns its URL
// and a function that drops it.
func NewDatabase(server string) (string, func() error, error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %v", Env, err)
	}
	name := fmt.Sprintf("cgtest_%d_%d", os.Getpid(), serial.Add(1))
	admin, err := sql.Open("pgx", server)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %v", Env, err)
	}
	ctx := context.Background()
	for _, s := range []string{"DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name} {
		if _, err := admin.ExecContext(ctx, s); err != nil {
			admin.Close()
			return "", nil, fmt.Errorf("PostgreSQL at $%s: %v", Env, err)
		}
	}
	drop := func() error {
		defer admin.Close()
		// WITH (FORCE) ends the connections a failed test left open.
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop test database %s: %v", name, err)
		}
		return nil
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}
