package main

import (
	"bufio"
	"context"
	"io"

	"github.com/cayleygraph/quad"
	"github.com/spf13/cobra"

	"claimgraph/graph/claim"
)

func newDumpCmd(g *globalOptions) *cobra.Command {
	var facts bool
	cmd := &cobra.Command{
		Use:   "dump",
		Short: "Write every quad of the store as N-Quads",
		Long: `Dump writes every stored quad as N-Quads on standard output, each labelled with
the record that produced it. The output loads into claimgraph (or any RDF tool)
again. With --facts, bookkeeping quads (cg:meta/, cg:key/) are left out.`,
		Example: "  claimgraph dump > kb.nq",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDump(cmd.Context(), g, facts, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&facts, "facts", false, "leave out bookkeeping quads")
	return cmd
}

func runDump(ctx context.Context, g *globalOptions, facts bool, w io.Writer) error {
	st, done, err := g.openReading(ctx)
	if err != nil {
		return err
	}
	defer done()
	bw := bufio.NewWriter(w)
	err = st.Quads(ctx, func(q quad.Quad) error {
		if facts && claim.IsMeta(q.Predicate) {
			return nil
		}
		bw.WriteString(claim.FormatQuad(q))
		return bw.WriteByte('\n')
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}
