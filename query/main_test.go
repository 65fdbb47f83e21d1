package query

import (
	"os"
	"testing"

	"claimgraph/graph/suites"
)

// TestMain reports the suites that were skipped: those that need
// PostgreSQL, and the long ones.
func TestMain(m *testing.M) { os.Exit(suites.Main(m)) }
