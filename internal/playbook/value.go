package playbook

import (
	"fmt"
	"iter"
	"maps"
	"slices"
)

// Value is a step argument (a param, a variable) parsed once, shaped like the JSON value
// it came from: every string holding markup is a Template, every other scalar a literal,
// and maps and lists hold Values. Each node knows its location, such as "params.ids" or
// "params.targets[0].name", so errors name where they are without any parsing back.
type Value struct {
	at     string
	kind   valueKind
	lit    any               // valueLiteral
	tpl    *Template         // valueTemplate
	keys   []string          // valueMap, sorted
	fields map[string]*Value // valueMap
	items  []*Value          // valueList
}

type valueKind int

const (
	valueLiteral valueKind = iota
	valueTemplate
	valueMap
	valueList
)

// ParseValue parses v, found at location at ("" for a root without a name), into a tree.
// The first template that does not parse is an error naming its location.
func ParseValue(v any, at string) (*Value, error) {
	n := &Value{at: at}
	switch x := v.(type) {
	case string:
		if !IsTemplate(x) {
			n.lit = x
			return n, nil
		}
		t, err := ParseTemplate(x)
		if err != nil {
			return nil, locate(at, err)
		}
		n.kind, n.tpl = valueTemplate, t
	case map[string]any:
		n.kind, n.keys, n.fields = valueMap, slices.Sorted(maps.Keys(x)), make(map[string]*Value, len(x))
		for _, k := range n.keys {
			f, err := ParseValue(x[k], join(at, k))
			if err != nil {
				return nil, err
			}
			n.fields[k] = f
		}
	case []any:
		n.kind, n.items = valueList, make([]*Value, len(x))
		for i, e := range x {
			item, err := ParseValue(e, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			n.items[i] = item
		}
	default:
		n.lit = v
	}
	return n, nil
}

// At returns the value's location.
func (v *Value) At() string { return v.at }

// Render evaluates every template in the tree against vars and returns a new value of the
// same shape: maps and lists are built afresh, and a string that is exactly one
// expression keeps the expression's JSON type (a list stays a list). An error names the
// location of the template that failed.
func (v *Value) Render(vars map[string]any) (any, error) {
	switch v.kind {
	case valueTemplate:
		out, err := v.tpl.Render(vars)
		if err != nil {
			return nil, locate(v.at, err)
		}
		return out, nil
	case valueMap:
		out := make(map[string]any, len(v.keys))
		for _, k := range v.keys {
			r, err := v.fields[k].Render(vars)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case valueList:
		out := make([]any, len(v.items))
		for i, item := range v.items {
			r, err := item.Render(vars)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v.lit, nil
}

// Templates yields every template in the tree with its location, depth first, map keys
// in sorted order.
func (v *Value) Templates() iter.Seq2[string, *Template] {
	return func(yield func(string, *Template) bool) { v.walk(yield) }
}

func (v *Value) walk(yield func(string, *Template) bool) bool {
	switch v.kind {
	case valueTemplate:
		return yield(v.at, v.tpl)
	case valueMap:
		for _, k := range v.keys {
			if !v.fields[k].walk(yield) {
				return false
			}
		}
	case valueList:
		for _, item := range v.items {
			if !item.walk(yield) {
				return false
			}
		}
	}
	return true
}

// locate prefixes err with a location, when there is one.
func locate(at string, err error) error {
	if at == "" {
		return err
	}
	return fmt.Errorf("%s: %w", at, err)
}

// join appends a map key to a location.
func join(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}
