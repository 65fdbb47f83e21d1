// Package graph is the store of a claim graph: it opens (and creates) a
// store on disk, in memory or in PostgreSQL, writes batches of records as
// their quads (package claim derives them), re-derives the records whose
// references a batch changes, keeps counts and the durable lists that let a
// stopped write finish, and answers the reads that queries make, through
// the query index where a store has one.
//
// A record is the unit of writing: every quad a record produces carries
// the record's IRI as its Cayley label, so a record can be replaced or
// removed as a whole. The resolution of references between records makes
// the graph depend only on which records are stored, whatever the order of
// loading.
//
// Cayley's storage packages are imported only by this package and its
// sub-packages. It must not import the query language (package query and
// below), the loader or the command.
package graph
