package claim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// Record kinds.
const (
	KindSource       = "source"
	KindPerson       = "person"
	KindOrganisation = "organisation"
	KindClaim        = "claim"
)

// Kinds lists the record kinds in the order of the spec.
var Kinds = []string{KindSource, KindPerson, KindOrganisation, KindClaim}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// ValidID reports whether s is a well-formed record id.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// DateFields are the fields of records that hold dates: a source's
// "published" and "accessed", an affiliation's "since" and "until".
var DateFields = []string{"published", "accessed", "since", "until"}

// ValidDate reports whether s is a date as the input contract writes them:
// YYYY-MM-DD, YYYY-MM or YYYY, and a day of the calendar.
func ValidDate(s string) bool {
	layout := map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}[len(s)]
	if layout == "" {
		return false
	}
	_, err := time.Parse(layout, s)
	return err == nil
}

// DateError is the message for a date field that is not a date.
func DateError(key, value string) string {
	return fmt.Sprintf("%s %q is not a date: want YYYY-MM-DD, YYYY-MM or YYYY", key, value)
}

// Record is one record of the input contract, as read from any format. Its
// JSON form is the JSON input format (see docs/formats.md). References to
// other records (authors, publisher, affiliations, part of, claims) are kept
// as written; the store resolves them.
type Record struct {
	Kind    string `json:"kind"`
	Subtype string `json:"subtype,omitempty"`
	// Title is a source's title, a person's or organisation's name, or a
	// claim's text.
	Title string `json:"title"`
	ID    string `json:"id"`
	URL   string `json:"url,omitempty"`
	Field Fields `json:"fields,omitempty"`
	Notes string `json:"notes,omitempty"`

	Intake       Fields        `json:"intake,omitempty"`
	Evidence     []Evidence    `json:"evidence,omitempty"`
	Affiliations []Affiliation `json:"affiliations,omitempty"`
	Interests    []Interest    `json:"interests,omitempty"`
}

// Field is one "key: value" pair, kept in input order.
type Field struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Evidence is one item of a source's evidence section: a quote.
type Evidence struct {
	Weight  float64 `json:"weight"`
	Method  string  `json:"method,omitempty"`
	Locator string  `json:"locator,omitempty"`
	Topics  string  `json:"topics,omitempty"`
	Claim   string  `json:"claim,omitempty"`
	Stance  string  `json:"stance,omitempty"`
	Text    string  `json:"text"`
	Extra   Fields  `json:"extra,omitempty"`
}

// Affiliation is one item of a person's affiliations.
type Affiliation struct {
	Organisation string `json:"organisation"`
	Role         string `json:"role,omitempty"`
	Since        string `json:"since,omitempty"`
	Until        string `json:"until,omitempty"`
	Extra        Fields `json:"extra,omitempty"`
}

// Interest is one item of an organisation's interests.
type Interest struct {
	Kind  string `json:"kind"`
	Topic string `json:"topic"`
	Note  string `json:"note,omitempty"`
	Extra Fields `json:"extra,omitempty"`
}

// Stances an evidence item may take on its claim.
var Stances = map[string]string{
	"supports":    RelSupports,
	"contradicts": RelContradicts,
	"qualifies":   RelQualifies,
}

// Get returns the value of the first field with the given key.
func (r *Record) Get(key string) (string, bool) {
	for _, f := range r.Field {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// Validate checks what every input format must respect. The readers report
// positions; Validate is the last word on content.
func (r *Record) Validate() error {
	switch r.Kind {
	case KindSource, KindPerson, KindOrganisation, KindClaim:
	default:
		return fmt.Errorf("unknown record kind %q (want source, person, organisation or claim)", r.Kind)
	}
	if !ValidID(r.ID) {
		return fmt.Errorf("record id %q is not of the form [a-z][a-z0-9_]*", r.ID)
	}
	if r.Title == "" {
		return fmt.Errorf("record %s has no title or name", r.ID)
	}
	if r.Kind != KindSource && len(r.Evidence) > 0 {
		return fmt.Errorf("record %s: only source records have evidence", r.ID)
	}
	if r.Kind != KindPerson && len(r.Affiliations) > 0 {
		return fmt.Errorf("record %s: only person records have affiliations", r.ID)
	}
	if r.Kind != KindOrganisation && len(r.Interests) > 0 {
		return fmt.Errorf("record %s: only organisation records have interests", r.ID)
	}
	for i, e := range r.Evidence {
		if !(e.Weight >= 0 && e.Weight <= 1) {
			return fmt.Errorf("record %s: evidence %d: weight %v is outside [0,1]", r.ID, i+1, e.Weight)
		}
		if e.Text == "" {
			return fmt.Errorf("record %s: evidence %d has no quote", r.ID, i+1)
		}
		if e.Stance != "" {
			if _, ok := Stances[e.Stance]; !ok {
				return fmt.Errorf("record %s: evidence %d: stance %q is not supports, contradicts or qualifies", r.ID, i+1, e.Stance)
			}
			if e.Claim == "" {
				return fmt.Errorf("record %s: evidence %d has a stance but no claim", r.ID, i+1)
			}
		}
	}
	for _, f := range r.Field {
		if (f.Key == "published" || f.Key == "accessed") && !ValidDate(f.Value) {
			return fmt.Errorf("record %s: %s", r.ID, DateError(f.Key, f.Value))
		}
	}
	for i, a := range r.Affiliations {
		if a.Organisation == "" {
			return fmt.Errorf("record %s: affiliation %d names no organisation", r.ID, i+1)
		}
		for _, d := range [][2]string{{"since", a.Since}, {"until", a.Until}} {
			if d[1] != "" && !ValidDate(d[1]) {
				return fmt.Errorf("record %s: affiliation %d: %s", r.ID, i+1, DateError(d[0], d[1]))
			}
		}
	}
	for i, in := range r.Interests {
		if in.Kind == "" || in.Topic == "" {
			return fmt.Errorf("record %s: interest %d needs a kind and a topic", r.ID, i+1)
		}
	}
	return nil
}

// Canonical returns the record's canonical JSON, which is also its stored
// form and the input of its content hash.
func (r *Record) Canonical() []byte {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // a Record holds only strings, numbers and slices
	}
	return b
}

func HashOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}
