package sqlstore

import (
	"testing"

	cgraph "github.com/cayleygraph/cayley/graph"
)

// TestSQLURLs covers what can be checked of the SQL backends without a
// server, CockroachDB's included: which URLs name a database, which of
// Cayley's backends each opens, the address handed to the driver, and
// the password kept out of messages.
func TestSQLURLs(t *testing.T) {
	for _, c := range []struct{ db, flavor, addr string }{
		{"postgres://u@h/kb", "postgres", "postgres://u@h/kb"},
		{"postgresql://u:pw@h:5433/kb?sslmode=disable", "postgres", "postgresql://u:pw@h:5433/kb?sslmode=disable"},
		{"cockroach://root@h:26257/kb?sslmode=verify-full", "cockroach", "postgresql://root@h:26257/kb?sslmode=verify-full"},
		{"CockroachDB://root@h/kb", "cockroach", "postgresql://root@h/kb"},
		{"kb.db", "", ""},
		{"/data/postgres/kb", "", ""},
		{"mysql://u@h/kb", "", ""},
	} {
		flavor, addr, ok := sqlFlavor(c.db)
		if flavor != c.flavor || addr != c.addr || ok != (c.flavor != "") || IsURL(c.db) != ok {
			t.Errorf("%s: got %q %q %v", c.db, flavor, addr, ok)
		}
		if ok && !cgraph.IsRegistered(flavor) {
			t.Errorf("Cayley's %s backend is not registered", flavor)
		}
	}
	if got := Redact("postgres://ann:secret@h/kb?x=1"); got != "postgres://ann:xxxxx@h/kb?x=1" {
		t.Errorf("redact: %s", got)
	}
	if got := Redact("postgres://ann@h/kb"); got != "postgres://ann@h/kb" {
		t.Errorf("redact without a password: %s", got)
	}
}
