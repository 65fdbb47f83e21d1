package claim

import (
	"strings"

	"github.com/cayleygraph/quad"
)

// Node labels.
const (
	LabelSource       = "Source"
	LabelPerson       = "Person"
	LabelOrganisation = "Organisation"
	LabelQuote        = "Quote"
	LabelTopic        = "Topic"
	LabelClaim        = "Claim"
)

// Relationship types.
const (
	RelQuotedIn       = "QUOTED_IN"
	RelAuthoredBy     = "AUTHORED_BY"
	RelPublishedBy    = "PUBLISHED_BY"
	RelAffiliatedWith = "AFFILIATED_WITH"
	RelPartOf         = "PART_OF"
	RelInterestedIn   = "INTERESTED_IN"
	RelAbout          = "ABOUT"
	RelSupports       = "SUPPORTS"
	RelContradicts    = "CONTRADICTS"
	RelQualifies      = "QUALIFIES"
)

// Prefix starts every IRI of claimgraph's vocabulary and nodes. "cg" is used
// as an IRI scheme, so "cg:src_x" is an absolute IRI that RDF tools accept.
const Prefix = "cg:"

// Well-known predicates.
var (
	PredType   = quad.IRI("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
	PredEdgeTo = quad.IRI(Prefix + "edge/to")

	// PredHash holds the content hash of the record version stored.
	PredHash = quad.IRI(Prefix + "meta/hash")
	// PredRecord holds the record's canonical JSON, from which the store
	// re-derives its facts when a record it refers to changes.
	PredRecord = quad.IRI(Prefix + "meta/record")
	// PredRef holds each lookup key the record resolved, as RefValue(key).
	PredRef = quad.IRI(Prefix + "meta/ref")
)

// RefValue is how a looked-up key is stored. It differs from the key's own
// value so that resolving a much-referenced name reads only the few quads
// of the records answering to it, not every quad that refers to it.
func RefValue(key string) quad.String { return quad.String("ref:" + key) }

// Key predicates: the names under which a record can be referred to, by rank.
var (
	PredKeyID     = quad.IRI(Prefix + "key/id")
	PredKeyName   = quad.IRI(Prefix + "key/name")
	PredKeyAlias  = quad.IRI(Prefix + "key/alias")
	PredKeyDomain = quad.IRI(Prefix + "key/domain")
)

// KeyRanks orders key predicates from the strongest match to the weakest.
var KeyRanks = []quad.IRI{PredKeyID, PredKeyName, PredKeyAlias, PredKeyDomain}

// Node returns the IRI of the node with the given id.
func Node(id string) quad.IRI { return quad.IRI(Prefix + id) }

// LabelIRI returns the IRI that stands for a node label.
func LabelIRI(label string) quad.IRI { return quad.IRI(Prefix + label) }

// RelIRI returns the predicate of a relationship type.
func RelIRI(typ string) quad.IRI { return quad.IRI(Prefix + typ) }

// PropIRI returns the predicate of a property key.
func PropIRI(key string) quad.IRI { return quad.IRI(Prefix + "prop/" + key) }

// IDOf returns the id of a node IRI, and false for values that are not
// claimgraph nodes.
func IDOf(v quad.Value) (string, bool) {
	iri, ok := v.(quad.IRI)
	if !ok || !strings.HasPrefix(string(iri), Prefix) {
		return "", false
	}
	return string(iri[len(Prefix):]), true
}

// PropKey returns the property key of a property predicate.
func PropKey(p quad.Value) (string, bool) {
	iri, ok := p.(quad.IRI)
	if !ok || !strings.HasPrefix(string(iri), Prefix+"prop/") {
		return "", false
	}
	return string(iri[len(Prefix)+5:]), true
}

// RelType returns the relationship type of a relationship predicate.
func RelType(p quad.Value) (string, bool) {
	id, ok := IDOf(p)
	if !ok || id == "" || id[0] < 'A' || id[0] > 'Z' {
		return "", false
	}
	return id, true
}

// IsMeta reports whether a predicate is bookkeeping rather than a fact of
// the property graph.
func IsMeta(p quad.Value) bool {
	iri, ok := p.(quad.IRI)
	if !ok {
		return false
	}
	s := string(iri)
	return strings.HasPrefix(s, Prefix+"meta/") || strings.HasPrefix(s, Prefix+"key/")
}

// HasEdgeNode reports whether relationships of a type carry properties and
// are therefore stored through an edge node.
func HasEdgeNode(typ string) bool {
	return typ == RelAffiliatedWith || typ == RelInterestedIn
}

// ListProps are the properties whose value is a list. Their items are stored
// as one quad each and read back in sorted order.
var ListProps = map[string]bool{"aliases": true, "domains": true}
