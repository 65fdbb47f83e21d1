// Package syntax owns the grammar of claimgraph's query language, a strict
// subset of openCypher: the participle grammar is also the syntax tree.
// Every node carries its position, so later stages report errors exactly
// as the parser does. Parse turns text into a *Query; Error renders an
// error with the offending line and a caret.
package syntax
