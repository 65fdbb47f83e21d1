// Package claim is claimgraph's data model: the records (sources, persons,
// organisations, claims) with their validation and canonical form, the
// vocabulary of node labels, relationship types and property keys, the
// mapping from a record to its quads under a resolution of the names it
// refers to, and the N-Quads spelling of those quads.
//
// It is pure: it reads no store and no file. How names resolve to records
// is a Resolver the caller gives; package graph stores the quads and
// resolves the names. It imports only the standard library and Cayley's
// quad package, and must not import any other claimgraph package.
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
// Every quad a record produces carries the record's IRI as its label, so a
// record can be replaced or removed as a whole and every answer traced back
// to the record that produced it. Quads under "cg:meta/" and "cg:key/" are
// bookkeeping: the record's content hash and canonical JSON, the names by
// which other records may refer to it, and the references it made.
package claim
