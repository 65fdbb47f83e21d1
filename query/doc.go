// Package query compiles and runs claimgraph's query language — a strict
// subset of openCypher — over a graph.Store. Stages run one way:
// syntax.Parse; then Prepare, which checks the query (scopes, variables,
// the store's vocabulary, with positioned errors and warnings) and plans
// it into a pipeline of the operators of package operator, choosing where
// each pattern starts and folding what can be folded; then Run, which
// streams rows to a callback. Explain prints the plan; Profile runs it and
// reports rows and time per stage; Subgraph returns what a run bound, for
// exports.
//
// It must not import the exports (query/export), the output formats
// (query/result), the loader or the command.
package query
