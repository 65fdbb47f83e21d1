// Package query checks, plans and runs claimgraph's query language — a
// strict subset of openCypher — over a graph.Store. Stages run one way:
// syntax.Parse, then Prepare (scoping, semantic checks and planning into a
// pipeline of stages over Cayley shapes), then Run, which streams rows to a
// callback. Explain prints the plan; Profile runs it and reports rows and
// time per stage.
package query
