package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"claimgraph/graph"
	"claimgraph/graph/claim"
)

func newRmCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "rm ID...",
		Short: "Remove records from the store",
		Long: `Rm removes records, with every fact they produced, by record id. Records that
referred to a removed person or organisation by name are re-derived. The exit
status is 1 if any id was not in the store.`,
		Example: "  claimgraph rm src_zuckerberg_open_source_ai per_mark_zuckerberg",
		Args:    minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRm(cmd.Context(), g, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

func runRm(ctx context.Context, g *globalOptions, ids []string, stdout, stderr io.Writer) error {
	st, err := g.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	var changes []claim.Change
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			changes = append(changes, claim.Change{Remove: id})
		}
	}
	res, err := st.Apply(ctx, changes)
	if err != nil {
		return err
	}
	if _, err := st.Index(ctx); err != nil {
		return err
	}
	removed, missing := 0, 0
	for i, oc := range res.Outcomes {
		if oc == graph.Missing {
			missing++
			fmt.Fprintf(stderr, "no record %s in %s\n", changes[i].Remove, st.Where())
			continue
		}
		removed++
	}
	fmt.Fprintf(stdout, "removed %d record(s), %d quads; %d record(s) refreshed\n", removed, res.Deleted-res.Added, len(res.Refreshed))
	if missing > 0 {
		return errFailed
	}
	return nil
}
