package kvstore_test

import (
	"os"
	"testing"

	"claimgraph/graph/suites"
)

// TestMain reports the suites that were skipped: the long ones, and those
// that need PostgreSQL.
func TestMain(m *testing.M) { os.Exit(suites.Main(m)) }
