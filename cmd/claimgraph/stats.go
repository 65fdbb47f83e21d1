package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/spf13/cobra"
)

func newStatsCmd(g *globalOptions) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Count records, quads, nodes per label and relationships per type",
		Example: `  claimgraph stats
  claimgraph stats --format json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError{fmt.Errorf("unknown --format %q (want text or json)", format)}
			}
			return runStats(cmd.Context(), g, format, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

func runStats(ctx context.Context, g *globalOptions, format string, w io.Writer) error {
	st, err := g.openRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		return enc.Encode(s)
	}
	fmt.Fprintf(w, "store          %s (%s)\nrecords        %d\nquads          %d\n", st.Where(), st.Backend(), s.Records, s.Quads)
	if st.Path() != "" {
		index := "current"
		if !st.HasIndex() {
			index = "none (queries read through Cayley; claimgraph init builds it)"
		}
		fmt.Fprintf(w, "query index    %s\n", index)
	}
	printCounts(w, "nodes", s.Labels)
	printCounts(w, "relationships", s.Relationships)
	return nil
}

func printCounts(w io.Writer, title string, m map[string]int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "%s\n", title)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-16s %d\n", k, m[k])
	}
}
