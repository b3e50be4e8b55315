package s1sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// errValidation marks an error that the API answers with 400.
var errValidation = errors.New("validation error")

func validationf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errValidation}, args...)...)
}

// rawFilter holds filter values by key, before interpretation. Query
// values and JSON arrays become several values; a comma inside a value of a
// list key separates items too.
type rawFilter map[string][]string

func queryFilter(q url.Values) rawFilter {
	out := make(rawFilter, len(q))
	for k, v := range q {
		out[k] = v
	}
	return out
}

// jsonFilter decodes the `filter` object of an action body. Arrays become
// several values; bare strings, bools and numbers one value; null is skipped.
func jsonFilter(raw json.RawMessage) (rawFilter, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, validationf("filter must be an object")
	}
	out := make(rawFilter, len(m))
	for k, v := range m {
		v = bytes.TrimSpace(v)
		if len(v) == 0 || string(v) == "null" {
			continue
		}
		if v[0] == '[' {
			var items []json.RawMessage
			if err := json.Unmarshal(v, &items); err != nil {
				return nil, validationf("filter.%s: %v", k, err)
			}
			for _, it := range items {
				s, err := scalar(it)
				if err != nil {
					return nil, validationf("filter.%s: %v", k, err)
				}
				out[k] = append(out[k], s)
			}
			continue
		}
		s, err := scalar(v)
		if err != nil {
			return nil, validationf("filter.%s: %v", k, err)
		}
		out[k] = []string{s}
	}
	return out, nil
}

func scalar(v json.RawMessage) (string, error) {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return "", err
	}
	switch t := x.(type) {
	case string:
		return t, nil
	case bool:
		return strconv.FormatBool(t), nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	default:
		return "", fmt.Errorf("want a string, number or bool")
	}
}

// list returns the comma-separated items of key, without empty ones.
func (r rawFilter) list(key string) []string {
	var out []string
	for _, v := range r[key] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// one returns the first non-empty value of key.
func (r rawFilter) one(key string) string {
	for _, v := range r[key] {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func set(items []string, norm func(string) string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, s := range items {
		if norm != nil {
			s = norm(s)
		}
		m[s] = true
	}
	return m
}

// boolSet parses a csv list of booleans (case-insensitive).
func (r rawFilter) boolSet(key string) (want [2]bool, ok bool, err error) {
	items := r.list(key)
	if len(items) == 0 {
		return want, false, nil
	}
	for _, s := range items {
		switch {
		case strings.EqualFold(s, "true"):
			want[1] = true
		case strings.EqualFold(s, "false"):
			want[0] = true
		default:
			return want, false, validationf("%s: %q is not a boolean", key, s)
		}
	}
	return want, true, nil
}

func boolIn(want [2]bool, v bool) bool {
	if v {
		return want[1]
	}
	return want[0]
}

// predicate is one compiled condition of a filter.
type predicate[T any] func(*T) bool

// match reports whether v satisfies every predicate.
func match[T any](preds []predicate[T], v *T) bool {
	for _, p := range preds {
		if !p(v) {
			return false
		}
	}
	return true
}
