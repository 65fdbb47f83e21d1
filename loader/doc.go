// Package loader reads record files — the record text format, JSON and
// JSON Lines, N-Quads and N-Triples — into graph changes, one record at a
// time. Every problem is reported with the file, line and column it was
// found at; a bad record is reported and skipped, and reading goes on with
// the next one. The loader never opens a store.
package loader
