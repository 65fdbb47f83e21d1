package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"claimgraph/graph"
	"claimgraph/query"
	"claimgraph/query/export"
	"claimgraph/query/value"
)

var exportFormats = []string{"dot", "svg", "html", "graphml", "gexf", "cytoscape", "csv", "nquads", "jsonld", "mermaid"}

type exportOptions struct {
	*globalOptions
	limits     queryOptions // --timeout and the limits of a query
	file       string
	format     string
	out        string
	neighbours int
	all        bool
	params     []string
	raw        bool
}

func newExportCmd(g *globalOptions) *cobra.Command {
	o := &exportOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "export [QUERY] --format F [-o FILE]",
		Short: "Export the subgraph a query matches, for visualisation tools",
		Long: `Export runs a query and writes every node and relationship its patterns bound
(named or anonymous, paths included) with labels, properties and record ids, in a
format visualisation tools read: dot (Graphviz), svg (rendered in process), html
(one offline page: pan, zoom, search, details on click), graphml (yEd, Gephi, Cytoscape),
gexf (Gephi), cytoscape (Cytoscape.js JSON), csv (PREFIX.nodes.csv and
PREFIX.edges.csv, needs -o PREFIX), nquads (reloads into claimgraph), jsonld or
mermaid. --neighbours N adds the nodes within N hops; --all exports the whole graph.`,
		Example: `  claimgraph export -f testdata/queries/product.cypher --format dot -o product.dot
  claimgraph export --all --format nquads -o kb.nq`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{errors.New("export takes one QUERY argument (quote it)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !contains(exportFormats, o.format) {
				return usageError{fmt.Errorf("unknown --format %q (want one of %v)", o.format, exportFormats)}
			}
			if o.format == "csv" && o.out == "" {
				return usageError{errors.New("--format csv writes two files: give -o PREFIX")}
			}
			src := ""
			if !o.all {
				qo := &queryOptions{globalOptions: g, file: o.file}
				var err error
				if src, err = qo.source(args); err != nil {
					return err
				}
			} else if len(args) > 0 || o.file != "" {
				return usageError{errors.New("--all exports the whole graph: give no query")}
			}
			params, err := parseParams(o.params)
			if err != nil {
				return usageError{err}
			}
			return runExport(cmd.Context(), o, src, params, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&o.file, "file", "f", "", "read the query from FILE")
	cmd.Flags().StringVar(&o.format, "format", "", fmt.Sprintf("output format: one of %v", exportFormats))
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "write to FILE (default: standard output)")
	cmd.Flags().IntVar(&o.neighbours, "neighbours", 0, "add the nodes within N hops of the matched ones")
	cmd.Flags().BoolVar(&o.all, "all", false, "export the whole graph")
	cmd.Flags().StringArrayVar(&o.params, "param", nil, "set $NAME for the query: NAME=VALUE")
	cmd.Flags().BoolVar(&o.raw, "raw", false, rawHelp)
	cmd.Flags().DurationVar(&o.limits.timeout, "timeout", 30*time.Second, "stop the query and the export after this long (0 for no limit)")
	cmd.Flags().Int64Var(&o.limits.maxRows, "max-rows", 0, "stop after the query returns this many rows (0 for no limit)")
	cmd.Flags().Int64Var(&o.limits.maxInter, "max-intermediate", 0, "stop after the plan's steps produce this many rows in all (0 for no limit)")
	cmd.Flags().IntVar(&o.limits.maxHops, "max-hops", query.DefaultMaxHops, "hops an unbounded variable-length relationship (*, *1..) may take")
	o.limits.maxMemory = query.DefaultMaxMemory
	cmd.Flags().Var(&o.limits.maxMemory, "max-memory", memoryHelp)
	return cmd
}

func runExport(ctx context.Context, o *exportOptions, src string, params map[string]value.Value, stdout, stderr io.Writer) error {
	qo := &o.limits
	qo.globalOptions = o.globalOptions
	if qo.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, qo.timeout)
		defer cancel()
	}
	softMemoryLimit(qo.maxMemory)
	// The subgraph and the facts written for it are read as of one moment.
	st, done, err := o.openReading(ctx)
	if err != nil {
		return err
	}
	defer done()
	var g *query.Subgraph
	if o.all {
		g, err = query.WholeGraph(ctx, st)
	} else {
		plan, perr := query.Prepare(ctx, st, src)
		if perr != nil {
			return qo.reportQueryError(stderr, src, perr)
		}
		g, err = plan.Subgraph(ctx, st, query.Options{Params: params, Limits: qo.limits()}, o.neighbours)
		if err != nil {
			return qo.reportRunError(stderr, src, err)
		}
	}
	if err != nil {
		return qo.reportRunError(stderr, src, err)
	}
	if err := writeExport(ctx, st, o, g, stdout); err != nil {
		return qo.reportRunError(stderr, src, err)
	}
	if o.out != "" {
		fmt.Fprintf(stderr, "exported %d nodes and %d relationships as %s\n", len(g.Nodes), len(g.Rels), o.format)
	}
	return nil
}

func writeExport(ctx context.Context, st *graph.Store, o *exportOptions, g *query.Subgraph, stdout io.Writer) error {
	if o.format == "csv" {
		nodes, err := os.Create(o.out + ".nodes.csv")
		if err != nil {
			return err
		}
		defer nodes.Close()
		edges, err := os.Create(o.out + ".edges.csv")
		if err != nil {
			return err
		}
		defer edges.Close()
		return export.CSV(nodes, edges, g, o.raw)
	}
	w := stdout
	if o.out != "" {
		f, err := os.Create(o.out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	switch o.format {
	case "dot":
		return export.DOT(w, g)
	case "svg":
		return export.SVG(w, g)
	case "html":
		return export.HTML(w, g, "claimgraph")
	case "graphml":
		return export.GraphML(w, g)
	case "gexf":
		return export.GEXF(w, g)
	case "cytoscape":
		return export.Cytoscape(w, g)
	case "mermaid":
		return export.Mermaid(w, g)
	}
	qs, err := export.Quads(ctx, st, g)
	if err != nil {
		return err
	}
	if o.format == "jsonld" {
		return export.JSONLD(w, qs)
	}
	return export.NQuads(w, qs)
}
