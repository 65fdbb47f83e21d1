package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newInitCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Create an empty store (the first load does it too)",
		Long: `Init creates an empty store at --db: a directory, or the schema in a PostgreSQL or
CockroachDB database, so that a database administrator can create it ahead of
the first load. An existing store keeps its records; if it is an embedded store
without its query index (after an interrupted load, say), init builds it.`,
		Example: `  claimgraph init --db kb.db --backend leveldb
  claimgraph init --db postgres://claimgraph@db.example.org/kb`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.open(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer st.Close()
			start := time.Now()
			built, err := st.Index(cmd.Context())
			if err != nil {
				return err
			}
			indexed := ""
			if built && !st.Empty() {
				indexed = fmt.Sprintf("; query index built in %.2fs", time.Since(start).Seconds())
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "store %s (%s) is ready%s\n", st.Where(), st.Backend(), indexed)
			return st.Close()
		},
	}
}
