package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"claimgraph/query/function"
)

// completer offers completions for the word before the cursor: paths after
// :load, meta-commands, labels after "(x:", relationship types after
// "[:", property keys after "x.", else keywords, functions and the
// variables of the statement being typed.
type completer struct {
	s       *session
	pending *strings.Builder
}

var (
	replKeywords = []string{"MATCH", "OPTIONAL MATCH", "WHERE", "RETURN", "WITH", "UNWIND", "AS", "DISTINCT",
		"ORDER BY", "SKIP", "LIMIT", "ASC", "DESC", "AND", "OR", "XOR", "NOT", "IS NULL", "IS NOT NULL", "IN",
		"STARTS WITH", "ENDS WITH", "CONTAINS", "EXPLAIN", "PROFILE", "true", "false", "null"}
	replFunctions = functionCompletions()
	replMeta      = []string{":help", ":schema", ":load ", ":explain ", ":profile ", ":param ", ":params",
		":format ", ":timing ", ":timeout ", ":quit"}
	varRE = regexp.MustCompile(`(?:[(\[]\s*|\bAS\s+|\bas\s+)([A-Za-z_][A-Za-z0-9_]*)`)
)

// functionCompletions are the language's functions, each with its "(".
func functionCompletions() []string {
	names := function.Names()
	sort.Strings(names)
	for i, n := range names {
		names[i] = n + "("
	}
	return names
}

// Do implements readline.AutoCompleter: it returns the completions'
// remaining runes and the length of the word they complete.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	text := string(line[:pos])
	start := len(text)
	for start > 0 && strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:$./-~", rune(text[start-1])) {
		start--
	}
	word := text[start:]
	trimmed := strings.TrimLeft(text, " ")
	var cands []string
	switch {
	case c.pending.Len() == 0 && strings.HasPrefix(trimmed, ":load "):
		return c.paths(word)
	case c.pending.Len() == 0 && strings.HasPrefix(word, ":") && strings.TrimSpace(text[:start]) == "":
		cands = replMeta
	case strings.Contains(word, "."):
		i := strings.LastIndex(word, ".")
		return suffixes(word[i+1:], c.vocab(func(v vocab) map[string]int { return v.props }, "id"))
	case strings.Contains(word, ":") || strings.HasSuffix(text[:start], "|"):
		i := strings.LastIndex(word, ":")
		if strings.LastIndex(text, "[") > strings.LastIndex(text, "]") {
			return suffixes(word[i+1:], c.vocab(func(v vocab) map[string]int { return v.rels }))
		}
		return suffixes(word[i+1:], c.vocab(func(v vocab) map[string]int { return v.labels }))
	default:
		cands = append(append(append([]string{}, replKeywords...), replFunctions...), c.variables(text)...)
	}
	return suffixes(word, cands)
}

type vocab struct{ labels, rels, props map[string]int }

func (c *completer) vocab(pick func(vocab) map[string]int, extra ...string) []string {
	counts, err := c.s.st.Counts(context.Background())
	if err != nil {
		return extra
	}
	m := pick(vocab{counts.Labels, counts.Relationships, counts.Properties})
	out := append([]string{}, extra...)
	for k, n := range m {
		if n > 0 {
			out = append(out, k)
		}
	}
	return out
}

func (c *completer) variables(current string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range varRE.FindAllStringSubmatch(c.pending.String()+current, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

func (c *completer) paths(word string) ([][]rune, int) {
	matches, _ := filepath.Glob(word + "*")
	var cands []string
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.IsDir() {
			m += string(filepath.Separator)
		}
		cands = append(cands, m)
	}
	return suffixes(word, cands)
}

// suffixes returns what each candidate starting with word (ignoring case)
// adds to it.
func suffixes(word string, cands []string) ([][]rune, int) {
	sort.Strings(cands)
	var out [][]rune
	seen := map[string]bool{}
	for _, c := range cands {
		if len(c) >= len(word) && strings.EqualFold(c[:len(word)], word) && !seen[c] {
			seen[c] = true
			out = append(out, []rune(c[len(word):]))
		}
	}
	return out, len([]rune(word))
}
