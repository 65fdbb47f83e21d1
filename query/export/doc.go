// Package export writes a query's subgraph in the formats visualisation
// tools read: DOT, GraphML, GEXF, Cytoscape.js JSON, CSV, N-Quads,
// JSON-LD and Mermaid. Every format carries labels, relationship types,
// properties and the id of the record behind each element, and uses one
// visual vocabulary (Style): a colour and shape per label, quote weight as
// size, commercial interests highlighted.
package export
