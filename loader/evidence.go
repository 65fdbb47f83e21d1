package loader

import (
	"strconv"
	"strings"

	"claimgraph/graph/claim"
)

// Closing quote for each opening quote of an evidence item.
var closers = map[string]string{"“": "”", `"`: `"`}

// evidence parses the items of "Evidence from this source": a weight line,
// an optional "key: value · ..." line and a quote over one or more lines.
func (p *textParser) evidence(body []line, head line) (int, *Error) {
	n := 0
	for i := 0; i < len(body); {
		l := body[i]
		if strings.TrimSpace(l.text) == "" {
			i++
			continue
		}
		m := weightRE.FindStringSubmatchIndex(l.text)
		if m == nil {
			return n, p.errAt(l, 1, "expected an evidence item \"- weight<number>\", got %q", clip(l.text))
		}
		n++
		numText := strings.TrimSpace(l.text[m[2]:m[3]])
		w, err := strconv.ParseFloat(numText, 64)
		if err != nil || numText == "" {
			return n, p.errAt(l, colOf(l, m[2]), "evidence %d: weight %q is not a number", n, numText)
		}
		if !(w >= 0 && w <= 1) {
			return n, p.errAt(l, colOf(l, m[2]), "evidence %d: weight %s is outside [0,1]", n, numText)
		}
		e := claim.Evidence{Weight: w}
		i++
		if i < len(body) && !startsQuote(body[i].text) && !weightRE.MatchString(body[i].text) {
			kvs, perr := p.kvParts(body[i], strings.Split(body[i].text, " · "), 0)
			if perr != nil {
				return n, perr
			}
			for _, f := range kvs {
				switch f.Key {
				case "method":
					e.Method = f.Value
				case "locator":
					e.Locator = f.Value
				case "topics":
					e.Topics = f.Value
				case "claim":
					e.Claim = f.Value
				case "stance":
					e.Stance = f.Value
					if _, ok := claim.Stances[f.Value]; !ok {
						return n, p.errAt(body[i], 1, "evidence %d: stance %q is not supports, contradicts or qualifies", n, f.Value)
					}
				default:
					e.Extra = append(e.Extra, f)
				}
			}
			i++
		}
		if i >= len(body) || !startsQuote(body[i].text) {
			return n, p.errAt(l, 1, "evidence %d has no quote: expected a line starting with “ or \" after its weight and key: value lines", n)
		}
		text, next, qerr := p.quote(body, i)
		if qerr != nil {
			return n, qerr
		}
		e.Text = text
		i = next
		p.rec.Evidence = append(p.rec.Evidence, e)
	}
	return n, nil
}

func startsQuote(s string) bool {
	return strings.HasPrefix(s, "“") || strings.HasPrefix(s, `"`)
}

// quote reads a quote that opens at body[i] and closes at the end of the
// same or a later line. Lines are joined with "\n".
func (p *textParser) quote(body []line, i int) (string, int, *Error) {
	open := "“"
	if strings.HasPrefix(body[i].text, `"`) {
		open = `"`
	}
	closer := closers[open]
	var parts []string
	for j := i; j < len(body); j++ {
		t := strings.TrimRight(body[j].text, " \t")
		if j == i {
			t = t[len(open):]
		}
		if strings.HasSuffix(t, closer) {
			parts = append(parts, strings.TrimSuffix(t, closer))
			return strings.Join(parts, "\n"), j + 1, nil
		}
		if j > i && weightRE.MatchString(t) {
			break
		}
		parts = append(parts, t)
	}
	return "", 0, p.errAt(body[i], 1, "quote is not closed: expected %s at the end of a line", closer)
}
