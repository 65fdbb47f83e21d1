// Package value holds the values of claimgraph's query language — null,
// booleans, integers, floats, strings, lists, maps, nodes, relationships
// and paths — with Cypher's equality, comparison, ordering and truth, the
// keys that group equal values, and their renderings as text and JSON.
//
// It is the bottom of the query stages: every other query package may
// import it, and it imports none of them (only package graph, for the
// number a node has in the store's query index).
package value
