// Package graph owns claimgraph's data model: the vocabulary of node labels,
// relationship types and properties, the mapping from records to quads, the
// resolution of references between records, and the store that holds them.
//
// A record (a source, person, organisation or claim, or a group of raw quads
// read from N-Quads) is the unit of writing. Every quad a record produces
// carries the record's IRI as its Cayley label, so a record can be replaced
// or removed as a whole and every answer traced back to the record that
// produced it.
//
// Nodes are IRIs "cg:<id>" where id is the record id (src_…, per_…, org_…,
// clm_…), a derived id (top_… for topics, <source id>#<n> for quotes) or the
// id of a relationship that carries properties. Labels are rdf:type edges to
// "cg:<Label>", relationships are quads whose predicate is "cg:<TYPE>", and
// properties are quads whose predicate is "cg:prop/<key>". Relationships
// that carry properties (AFFILIATED_WITH, INTERESTED_IN) are stored through
// an edge node: (a)-[cg:TYPE]->(edge)-[cg:edge/to]->(b), with the
// properties on the edge node, so two such relationships between the same
// pair of nodes stay two relationships, as in Cypher.
//
// Quads under "cg:meta/" and "cg:key/" are bookkeeping: the record's content
// hash and canonical JSON, the names by which other records may refer to it,
// and the references it made. They let a load be idempotent and let the
// store re-resolve dependent records whatever the order of loading.
//
// Cayley's storage packages are imported only by this package.
package graph
