package value

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Text renders a (described) value in Cypher's literal style, for tables:
// strings bare at the top level and quoted inside lists and maps; a
// described node as (id:Label), a relationship as [:TYPE].
func Text(v Value) string { return text(v, true) }

func text(v Value, top bool) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return FormatFloat(v)
	case string:
		if top {
			return v
		}
		return strconv.Quote(v)
	case []Value:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = text(x, false)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]Value:
		if id, ok := v["id"].(string); ok && v["labels"] != nil && len(v) == 3 {
			var b strings.Builder
			b.WriteString("(" + id)
			for _, l := range v["labels"].([]Value) {
				b.WriteString(":" + l.(string))
			}
			return b.String() + ")"
		}
		if t, ok := v["type"].(string); ok && v["start"] != nil && len(v) == 5 {
			return "[:" + t + "]"
		}
		if nodes, ok := v["nodes"].([]Value); ok && len(v) == 2 {
			rels, _ := v["relationships"].([]Value)
			var b strings.Builder
			for i, n := range nodes {
				b.WriteString(text(n, false))
				if i < len(rels) {
					b.WriteString("-" + text(rels[i], false) + "-")
				}
			}
			return b.String()
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + text(v[k], false)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return ""
}

// JSON returns a (described) value as JSON-encodable Go values; floats
// that JSON cannot hold become strings.
func JSON(v Value) any {
	switch v := v.(type) {
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return FormatFloat(v)
		}
		return json.Number(strconv.FormatFloat(v, 'g', -1, 64))
	case []Value:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = JSON(x)
		}
		return out
	case map[string]Value:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = JSON(x)
		}
		return out
	}
	return v
}

// FormatFloat spells a float as Cypher prints it: always with a decimal
// point or an exponent, so that it never reads as an integer.
func FormatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eEN") && !strings.Contains(s, "Inf") {
		s += ".0"
	}
	return s
}
