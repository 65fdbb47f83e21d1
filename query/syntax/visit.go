package syntax

import (
	"reflect"
	"strings"
)

// visit calls fn for every node of the tree, parents before children.
func visit(n any, fn func(any)) {
	walk(reflect.ValueOf(n), func(x any) bool { fn(x); return true })
}

// walk calls fn for every node below v, parents first, and skips the
// children of a node for which fn returns false.
func walk(v reflect.Value, fn func(any) bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Elem().Kind() == reflect.Struct && !fn(v.Interface()) {
			return
		}
		walk(v.Elem(), fn)
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walk(v.Index(i), fn)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				walk(v.Field(i), fn)
			}
		}
	}
}

// Visit calls fn for every node of the tree below n, parents first.
func Visit(n any, fn func(any)) { visit(n, fn) }

// VisitPruned is Visit that skips the children of the nodes for which fn
// returns false.
func VisitPruned(n any, fn func(any) bool) { walk(reflect.ValueOf(n), fn) }

func textOf(src string, it *ProjItem) string {
	if it.EndPos.Offset <= it.Pos.Offset || it.EndPos.Offset > len(src) {
		return ""
	}
	text := strings.TrimSpace(src[it.Pos.Offset:it.EndPos.Offset])
	if it.As != "" {
		return it.As
	}
	return text
}

// exprSource returns the text between two offsets, with a trailing sort
// direction removed and spaces trimmed.
func exprSource(src string, from, to int) string {
	if from < 0 || to > len(src) || from >= to {
		return ""
	}
	t := strings.TrimSpace(src[from:to])
	for _, dir := range []string{"DESCENDING", "DESC", "ASCENDING", "ASC"} {
		if len(t) > len(dir) && strings.EqualFold(t[len(t)-len(dir):], dir) {
			t = strings.TrimSpace(t[:len(t)-len(dir)])
			break
		}
	}
	return t
}
