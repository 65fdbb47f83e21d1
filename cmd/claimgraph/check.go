package main

import (
	"claimgraph/graph"
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newCheckCmd(g *globalOptions) *cobra.Command {
	var repair bool
	cmd := &cobra.Command{
		Use:   "check [--repair]",
		Short: "Verify a whole store; --repair builds again what can be built",
		Long: `Check verifies the store at --db, as PRAGMA integrity_check or bbolt check do: the
backend's own check of its file, the saved counts against a recount of the quads,
the query index and its bases against their checksums, and the index against the
quads it copies; in PostgreSQL, every value's reference count and the counts table.
It prints each problem with the file at fault and exits 1 if there is any.

--repair builds again what the store derives from its quads — the counts and the
query index — whatever the check found, and checks again. Damage to the quads themselves (the store of
record) cannot be repaired: restore the store from a copy, or load the records
into a new store.`,
		Example: `  claimgraph check --db kb.db
  claimgraph check --db kb.db --repair`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, w := cmd.Context(), cmd.ErrOrStderr()
			open := g.openRead
			if repair {
				open = func(ctx context.Context) (*graph.Store, error) { return g.open(ctx, false) }
			}
			st, err := open(ctx)
			if err != nil {
				fmt.Fprintf(w, "%v\n", err)
				return errFailed
			}
			defer st.Close()
			start := time.Now()
			problems, err := st.Check(ctx)
			if err != nil {
				return err
			}
			if repair {
				for _, p := range problems {
					fmt.Fprintf(w, "found: %s\n", p)
				}
				if err := st.Repair(ctx); err != nil {
					return fmt.Errorf("repair: %w", err)
				}
				fmt.Fprintf(w, "repaired: the counts and the query index were built again from the store; checking again\n")
				if problems, err = st.Check(ctx); err != nil {
					return err
				}
			}
			for _, p := range problems {
				fmt.Fprintln(w, p)
			}
			if len(problems) > 0 {
				fmt.Fprintf(w, "store %s: %d problem(s) in %.2fs\n", st.Where(), len(problems), time.Since(start).Seconds())
				return errFailed
			}
			fmt.Fprintf(w, "store %s (%s): ok in %.2fs\n", st.Where(), st.Backend(), time.Since(start).Seconds())
			return nil
		},
	}
	cmd.Flags().BoolVar(&repair, "repair", false, "build the counts and the query index again, then check again")
	return cmd
}
