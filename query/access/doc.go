// Package access is how a running query reads the store: nodes by label,
// a node's labels and properties, its relationships by type and
// direction, and the records behind them, through the store's query index
// where it has one, else through Cayley's shapes, with caches bounded per
// query and batched reads for stores on a database server.
//
// It imports package graph and package value; it knows nothing of plans
// or operators, and must not import the other query packages.
package access
