package claim

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cayleygraph/quad"
)

// Resolver finds the record that a reference names. Keys have the form
// "<namespace>:<slug>" (person:, org:, claim:) or "domain:<host>".
type Resolver interface {
	Lookup(key string) (id string, ok bool)
}

// facts accumulates the quads of one record and the keys it looked up.
type facts struct {
	label quad.Value
	quads []quad.Quad
	refs  map[string]bool
	res   Resolver
}

func (f *facts) add(s, p, o quad.Value) {
	f.quads = append(f.quads, quad.Quad{Subject: s, Predicate: p, Object: o, Label: f.label})
}

func (f *facts) prop(n quad.Value, key, val string) {
	if val != "" {
		f.add(n, PropIRI(key), quad.String(val))
	}
}

func (f *facts) typed(n quad.Value, label string) { f.add(n, PredType, LabelIRI(label)) }

// ref resolves a name in a namespace, remembering the key so the record is
// re-derived when the set of records answering that key changes.
func (f *facts) ref(ns, name string) (string, bool) {
	key := ns + ":" + Slug(name)
	f.refs[key] = true
	return f.res.Lookup(key)
}

// entity returns the node for a reference to a person or organisation,
// describing a node of its own when no record answers the name.
func (f *facts) entity(ns, prefix, label, name string) quad.IRI {
	if id, ok := f.ref(ns, name); ok {
		return Node(id)
	}
	n := Node(derivedID(prefix, name))
	f.typed(n, label)
	f.prop(n, "name", name)
	return n
}

func (f *facts) topic(name string) quad.IRI {
	n := Node(TopicID(name))
	f.typed(n, LabelTopic)
	f.prop(n, "name", name)
	return n
}

// edge writes a relationship that carries properties through an edge node.
func (f *facts) edge(from quad.Value, typ, id string, to quad.Value, props []Field) {
	e := Node(id)
	f.add(from, RelIRI(typ), e)
	f.add(e, PredEdgeTo, to)
	for _, p := range props {
		f.prop(e, p.Key, p.Value)
	}
}

// Facts returns the quads a record produces under the given resolution,
// bookkeeping included, sorted and without duplicates.
func (r *Record) Facts(res Resolver) []quad.Quad {
	f := &facts{label: Node(r.ID), refs: map[string]bool{}, res: res}
	n := Node(r.ID)
	switch r.Kind {
	case KindSource:
		r.sourceFacts(f, n)
	case KindPerson:
		r.personFacts(f, n)
	case KindOrganisation:
		r.organisationFacts(f, n)
	case KindClaim:
		f.typed(n, LabelClaim)
		f.prop(n, "text", r.Title)
		f.prop(n, "subtype", r.Subtype)
		f.prop(n, "notes", r.Notes)
		r.fieldFacts(f, n, "topics")
		for _, t := range splitList(r.get("topics")) {
			f.add(n, RelIRI(RelAbout), f.topic(t))
		}
	}
	for _, k := range r.Keys() {
		f.add(n, k.Pred, quad.String(k.Key))
	}
	blob := r.Canonical()
	f.add(n, PredHash, quad.String(HashOf(blob)))
	f.add(n, PredRecord, quad.String(blob))
	for k := range f.refs {
		f.add(n, PredRef, RefValue(k))
	}
	return Normalise(f.quads)
}

func (r *Record) get(key string) string { v, _ := r.Get(key); return v }

// fieldFacts stores the fields that are not references as properties.
func (r *Record) fieldFacts(f *facts, n quad.Value, refs ...string) {
	for _, fl := range r.Field {
		key := Slug(fl.Key)
		if key == "" || contains(refs, fl.Key) {
			continue
		}
		if ListProps[key] {
			for _, item := range splitList(fl.Value) {
				f.prop(n, key, item)
			}
			continue
		}
		f.prop(n, key, fl.Value)
	}
}

func (r *Record) sourceFacts(f *facts, n quad.IRI) {
	f.typed(n, LabelSource)
	f.prop(n, "title", r.Title)
	f.prop(n, "kind", r.Subtype)
	f.prop(n, "url", r.URL)
	f.prop(n, "notes", r.Notes)
	r.fieldFacts(f, n, "authors", "publisher", "topics")
	for _, kv := range r.Intake {
		f.prop(n, intakeKey(kv.Key), kv.Value)
	}
	for _, a := range splitAuthors(r.get("authors")) {
		f.add(n, RelIRI(RelAuthoredBy), f.entity("person", "per_", LabelPerson, a))
	}
	if pub := r.get("publisher"); pub != "" {
		f.add(n, RelIRI(RelPublishedBy), f.entity("org", "org_", LabelOrganisation, pub))
	} else if id, ok := f.domainRef(r.URL); ok {
		f.add(n, RelIRI(RelPublishedBy), Node(id))
	}
	topics := splitList(r.get("topics"))
	var topicNodes []quad.IRI
	for _, t := range topics {
		tn := f.topic(t)
		topicNodes = append(topicNodes, tn)
		f.add(n, RelIRI(RelAbout), tn)
	}
	for i, e := range r.Evidence {
		q := Node(r.ID + "#" + strconv.Itoa(i+1))
		f.typed(q, LabelQuote)
		f.add(q, RelIRI(RelQuotedIn), n)
		f.prop(q, "text", e.Text)
		f.add(q, PropIRI("weight"), quad.Float(e.Weight))
		f.prop(q, "method", e.Method)
		f.prop(q, "locator", e.Locator)
		for _, x := range e.Extra {
			f.prop(q, Slug(x.Key), x.Value)
		}
		if e.Topics != "" {
			for _, t := range splitList(e.Topics) {
				f.add(q, RelIRI(RelAbout), f.topic(t))
			}
		} else {
			for _, tn := range topicNodes {
				f.add(q, RelIRI(RelAbout), tn)
			}
		}
		if e.Claim != "" {
			stance := e.Stance
			if stance == "" {
				stance = "supports"
			}
			f.add(q, RelIRI(Stances[stance]), f.claim(e.Claim))
		}
	}
}

func (f *facts) claim(ref string) quad.IRI {
	if id, ok := f.ref("claim", ref); ok {
		return Node(id)
	}
	n := Node(derivedID("clm_", ref))
	f.typed(n, LabelClaim)
	if !(strings.HasPrefix(ref, "clm_") && ValidID(ref)) {
		f.prop(n, "text", ref)
	}
	return n
}

// domainRef finds the organisation whose domains hold the URL's host or a
// parent domain of it, the longest match first.
func (f *facts) domainRef(raw string) (string, bool) {
	for _, d := range hostSuffixes(raw) {
		key := "domain:" + d
		f.refs[key] = true
		if id, ok := f.res.Lookup(key); ok {
			return id, true
		}
	}
	return "", false
}

func hostSuffixes(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	var out []string
	for strings.Contains(host, ".") {
		out = append(out, host)
		host = host[strings.IndexByte(host, '.')+1:]
	}
	return out
}

func (r *Record) personFacts(f *facts, n quad.IRI) {
	f.typed(n, LabelPerson)
	f.prop(n, "name", r.Title)
	f.prop(n, "subtype", r.Subtype)
	f.prop(n, "notes", r.Notes)
	f.prop(n, "url", r.URL)
	r.fieldFacts(f, n)
	for i, a := range r.Affiliations {
		org := f.entity("org", "org_", LabelOrganisation, a.Organisation)
		props := append([]Field{{"role", a.Role}, {"since", a.Since}, {"until", a.Until}}, slugged(a.Extra)...)
		f.edge(n, RelAffiliatedWith, r.ID+"/aff"+strconv.Itoa(i+1), org, props)
	}
}

func (r *Record) organisationFacts(f *facts, n quad.IRI) {
	f.typed(n, LabelOrganisation)
	f.prop(n, "name", r.Title)
	f.prop(n, "subtype", r.Subtype)
	f.prop(n, "notes", r.Notes)
	f.prop(n, "url", r.URL)
	r.fieldFacts(f, n, "part of")
	if parent := r.get("part of"); parent != "" {
		if p := f.entity("org", "org_", LabelOrganisation, parent); p != n {
			f.add(n, RelIRI(RelPartOf), p)
		}
	}
	for i, in := range r.Interests {
		props := append([]Field{{"kind", in.Kind}, {"note", in.Note}}, slugged(in.Extra)...)
		f.edge(n, RelInterestedIn, r.ID+"/int"+strconv.Itoa(i+1), f.topic(in.Topic), props)
	}
}

func slugged(fs Fields) []Field {
	out := make([]Field, 0, len(fs))
	for _, x := range fs {
		out = append(out, Field{Slug(x.Key), x.Value})
	}
	return out
}

// Key is one name under which a record can be referred to: the key
// predicate that ranks it and the key itself.
type Key struct {
	Pred quad.IRI
	Key  string
}

// Keys returns the names a record answers to: its id, its name and aliases,
// and an organisation's domains.
func (r *Record) Keys() []Key {
	var ns string
	switch r.Kind {
	case KindPerson:
		ns = "person:"
	case KindOrganisation:
		ns = "org:"
	case KindClaim:
		ns = "claim:"
	default:
		return nil
	}
	out := []Key{{PredKeyID, ns + r.ID}, {PredKeyName, ns + Slug(r.Title)}}
	for _, a := range splitList(r.get("aliases")) {
		out = append(out, Key{PredKeyAlias, ns + Slug(a)})
	}
	if r.Kind == KindOrganisation {
		for _, d := range splitList(r.get("domains")) {
			out = append(out, Key{PredKeyDomain, "domain:" + strings.ToLower(strings.TrimSuffix(d, "."))})
		}
	}
	return out
}

var intakeKeys = map[string]string{
	"method": "ingest_method", "tool": "ingest_tool", "git_sha": "ingest_git_sha",
	"at": "ingested_at", "sha256": "sha256",
}

func intakeKey(k string) string {
	s := Slug(k)
	if m, ok := intakeKeys[s]; ok {
		return m
	}
	return "ingest_" + s
}

// splitList splits a list-valued field on ";".
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" && !contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// splitAuthors splits an authors field: on ";" when it has one, otherwise
// on "," and " and ".
func splitAuthors(s string) []string {
	if strings.Contains(s, ";") {
		return splitList(s)
	}
	s = strings.ReplaceAll(s, " and ", ",")
	return splitList(strings.ReplaceAll(s, ",", ";"))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Normalise sorts quads into a canonical order and drops duplicates, of
// equal quads keeping the first. Each quad's sort key is computed once:
// formatting values dominates otherwise; and a record's quads mostly share
// their subject and label, formatted once.
func Normalise(qs []quad.Quad) []quad.Quad {
	keys := make([][4]string, len(qs))
	var last [4]quad.IRI
	var lastKey [4]string
	for i, q := range qs {
		for j, d := range quad.Directions {
			v := q.Get(d)
			if iri, ok := v.(quad.IRI); ok {
				if lastKey[j] == "" || iri != last[j] {
					last[j], lastKey[j] = iri, quad.StringOf(v)
				}
				keys[i][j] = lastKey[j]
				continue
			}
			keys[i][j] = quad.StringOf(v)
		}
	}
	order := make([]int32, len(qs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return CompareKeys(&keys[a], &keys[b]) })
	sorted := make([]quad.Quad, 0, len(qs))
	for n, i := range order {
		if n > 0 && keys[i] == keys[order[n-1]] {
			continue
		}
		sorted = append(sorted, qs[i])
	}
	return append(qs[:0], sorted...)
}

func CompareKeys(ka, kb *[4]string) int {
	for i := range ka {
		if c := strings.Compare(ka[i], kb[i]); c != 0 {
			return c
		}
	}
	return 0
}

func QuadKey(q quad.Quad) [4]string {
	return [4]string{quad.StringOf(q.Subject), quad.StringOf(q.Predicate), quad.StringOf(q.Object), quad.StringOf(q.Label)}
}
