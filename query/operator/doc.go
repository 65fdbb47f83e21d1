// Package operator holds the physical operators a query plan is made of
// and runs them: node scans and seeks by id, expansions (fixed and
// variable length, and folded into the aggregation after them), filters,
// projections, aggregations, DISTINCT, ORDER BY, SKIP and LIMIT, OPTIONAL
// MATCH, UNWIND and paths, with the evaluation of the compiled
// expressions they carry (Eval) and the limits of a run.
//
// Rows stream from operator to operator through Run; only the operators
// that must (aggregation, sorting, DISTINCT, batches on a database server)
// hold rows. The planner in package query builds the operators; this
// package reads the store only through package access, calls functions
// through package function, and must not import package query.
package operator
