package s1sim

import (
	"strconv"
	"strings"
	"time"
)

// filterKit compiles the keys of a rawFilter into predicates on T. The first
// bad value stops it; err then names the key and the problem.
type filterKit[T any] struct {
	r     rawFilter
	preds []predicate[T]
	err   error
}

func (k *filterKit[T]) add(p predicate[T]) { k.preds = append(k.preds, p) }

func (k *filterKit[T]) fail(err error) {
	if k.err == nil {
		k.err = err
	}
}

// in matches a csv list key against one value: items of key keep T whose
// value is listed; items of key+"Nin" keep the others (SentinelOne's "not
// in" filters). norm, when set, normalises both sides.
func (k *filterKit[T]) in(key string, norm func(string) string, get func(*T) string) {
	if norm == nil {
		norm = func(s string) string { return s }
	}
	if items := k.r.list(key); len(items) > 0 {
		m := set(items, norm)
		k.add(func(t *T) bool { return m[norm(get(t))] })
	}
	if items := k.r.list(key + "Nin"); len(items) > 0 {
		m := set(items, norm)
		k.add(func(t *T) bool { return !m[norm(get(t))] })
	}
}

// contains keeps T one of whose values contains, case-insensitively, any of the csv
// substrings of key (SentinelOne's __contains filters).
func (k *filterKit[T]) contains(key string, get func(*T) []string) {
	subs := k.r.list(key)
	if len(subs) == 0 {
		return
	}
	for i := range subs {
		subs[i] = strings.ToLower(subs[i])
	}
	k.add(func(t *T) bool {
		for _, v := range get(t) {
			v = strings.ToLower(v)
			for _, sub := range subs {
				if strings.Contains(v, sub) {
					return true
				}
			}
		}
		return false
	})
}

// inAny is in for a field with several values: key keeps T with any listed
// value, key+"Nin" drops T with any listed value.
func (k *filterKit[T]) inAny(key string, norm func(string) string, get func(*T) []string) {
	if norm == nil {
		norm = func(s string) string { return s }
	}
	hasAny := func(m map[string]bool, t *T) bool {
		for _, v := range get(t) {
			if m[norm(v)] {
				return true
			}
		}
		return false
	}
	if items := k.r.list(key); len(items) > 0 {
		m := set(items, norm)
		k.add(func(t *T) bool { return hasAny(m, t) })
	}
	if items := k.r.list(key + "Nin"); len(items) > 0 {
		m := set(items, norm)
		k.add(func(t *T) bool { return !hasAny(m, t) })
	}
}

// bools matches a csv list of booleans.
func (k *filterKit[T]) bools(key string, get func(*T) bool) {
	want, ok, err := k.r.boolSet(key)
	if err != nil {
		k.fail(err)
	}
	if ok {
		k.add(func(t *T) bool { return boolIn(want, get(t)) })
	}
}

var compareOps = []string{"lt", "gt", "lte", "gte"}

func compare(v float64, op string, bound float64) bool {
	switch op {
	case "lt":
		return v < bound
	case "gt":
		return v > bound
	case "lte":
		return v <= bound
	default:
		return v >= bound
	}
}

// between parses "from-to" with parse and returns the bounds in order
// (SentinelOne's own examples give some ranges high to low).
func between[V any](key, s string, parse func(string) (V, bool), less func(a, b V) bool) (lo, hi V, err error) {
	from, to, ok := strings.Cut(s, "-")
	a, okA := parse(strings.TrimSpace(from))
	b, okB := parse(strings.TrimSpace(to))
	if !ok || !okA || !okB {
		return lo, hi, validationf("%s: %q is not a range \"<from>-<to>\"", key, s)
	}
	if less(b, a) {
		a, b = b, a
	}
	return a, b, nil
}

func parseNumber(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && v >= 0
}

func lessFloat(a, b float64) bool { return a < b }

// num matches field__lt/__gt/__lte/__gte and field__between ("2-8",
// inclusive). scale converts a __between bound to the field's unit.
func (k *filterKit[T]) num(field string, scale float64, get func(*T) float64) {
	for _, op := range compareOps {
		key := field + "__" + op
		if s := k.r.one(key); s != "" {
			bound, err := strconv.ParseFloat(s, 64)
			if err != nil {
				k.fail(validationf("%s: %q is not a number", key, s))
				continue
			}
			op := op
			k.add(func(t *T) bool { return compare(get(t), op, bound) })
		}
	}
	key := field + "__between"
	if s := k.r.one(key); s != "" {
		lo, hi, err := between(key, s, parseNumber, lessFloat)
		if err != nil {
			k.fail(err)
			return
		}
		lo, hi = lo*scale, hi*scale
		k.add(func(t *T) bool { v := get(t); return v >= lo && v <= hi })
	}
}

// parseStamp reads a timestamp as the console writes it, or any RFC 3339 time.
func parseStamp(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func parseMillis(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil && v >= 0
}

// date matches field__lt/__gt/__lte/__gte (ISO-8601 values) and
// field__between (epoch milliseconds "from-to", inclusive). A null date
// never matches.
func (k *filterKit[T]) date(field string, get func(*T) *string) {
	at := func(t *T) (time.Time, bool) {
		s := get(t)
		if s == nil {
			return time.Time{}, false
		}
		return parseStamp(*s)
	}
	for _, op := range compareOps {
		key := field + "__" + op
		if s := k.r.one(key); s != "" {
			bound, ok := parseStamp(s)
			if !ok {
				k.fail(validationf("%s: %q is not an ISO-8601 date", key, s))
				continue
			}
			op := op
			k.add(func(t *T) bool {
				v, ok := at(t)
				return ok && compare(float64(v.Sub(bound)), op, 0)
			})
		}
	}
	key := field + "__between"
	if s := k.r.one(key); s != "" {
		lo, hi, err := between(key, s, parseMillis, func(a, b int64) bool { return a < b })
		if err != nil {
			k.fail(err)
			return
		}
		k.add(func(t *T) bool {
			v, ok := at(t)
			ms := v.UnixMilli()
			return ok && ms >= lo && ms <= hi
		})
	}
}

// parseVersion splits a dotted version into numbers.
func parseVersion(s string) ([]int, bool) {
	parts := strings.Split(s, ".")
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

func compareVersions(a, b []int) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// version matches field__lt/__gt/__lte/__gte and field__between on dotted
// versions ("2.0.0.0-2.1.5.144", inclusive).
func (k *filterKit[T]) version(field string, get func(*T) string) {
	cur := func(t *T) []int { v, _ := parseVersion(get(t)); return v }
	for _, op := range compareOps {
		key := field + "__" + op
		if s := k.r.one(key); s != "" {
			bound, ok := parseVersion(s)
			if !ok {
				k.fail(validationf("%s: %q is not a version", key, s))
				continue
			}
			op := op
			k.add(func(t *T) bool { return compare(float64(compareVersions(cur(t), bound)), op, 0) })
		}
	}
	key := field + "__between"
	if s := k.r.one(key); s != "" {
		lo, hi, err := between(key, s, parseVersion, func(a, b []int) bool { return compareVersions(a, b) < 0 })
		if err != nil {
			k.fail(err)
			return
		}
		k.add(func(t *T) bool {
			v := cur(t)
			return compareVersions(v, lo) >= 0 && compareVersions(v, hi) <= 0
		})
	}
}
