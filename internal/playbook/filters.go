package playbook

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// filterDef is one supported filter: how many arguments it takes and what it does. Only
// a filter with undefinedOK sees an undefined value; any other fails on one, naming the path.
type filterDef struct {
	min, max    int
	undefinedOK bool
	fn          func(v any, args []any) (any, error)
}

// filters is the one table of supported filters, aliases included; the parser checks
// names and arity against it and the evaluator calls fn.
var filters = map[string]filterDef{
	"default": defaultFilter, "d": defaultFilter,
	"tojson": tojsonFilter, "toJSON": tojsonFilter,
	"string": {fn: func(v any, _ []any) (any, error) { return toText(v), nil }},
	"int":    {fn: intFilter},
	"float":  {fn: floatFilter},
	"lower":  textFilter(strings.ToLower),
	"upper":  textFilter(strings.ToUpper),
	"trim":   textFilter(strings.TrimSpace),
	"length": lengthFilter, "count": lengthFilter,
	"join":  {max: 1, fn: joinFilter},
	"first": edgeFilter("first", 0),
	"last":  edgeFilter("last", -1),
	"replace": {min: 2, max: 2, fn: func(v any, args []any) (any, error) {
		return strings.ReplaceAll(toText(v), toText(args[0]), toText(args[1])), nil
	}},
}

// filterNames lists the supported filters, sorted, for error messages.
func filterNames() string {
	names := make([]string, 0, len(filters))
	for n := range filters {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// defaultFilter replaces an undefined value; default(v, true) also replaces a falsy one.
var defaultFilter = filterDef{min: 1, max: 2, undefinedOK: true, fn: func(v any, args []any) (any, error) {
	_, undef := v.(undefined)
	if undef || (len(args) == 2 && truthy(args[1]) && !truthy(v)) {
		return args[0], nil
	}
	return v, nil
}}

// tojsonFilter takes an optional indent argument, accepted for compatibility and ignored.
var tojsonFilter = filterDef{max: 1, fn: func(v any, _ []any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("tojson: %w", err)
	}
	return string(raw), nil
}}

var lengthFilter = filterDef{fn: func(v any, _ []any) (any, error) {
	switch x := v.(type) {
	case string:
		return number(len([]rune(x))), nil
	case []any:
		return number(len(x)), nil
	case map[string]any:
		return number(len(x)), nil
	}
	return nil, fmt.Errorf("length of %s", connector.KindName(v))
}}

func textFilter(f func(string) string) filterDef {
	return filterDef{fn: func(v any, _ []any) (any, error) { return f(toText(v)), nil }}
}

func intFilter(v any, _ []any) (any, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(toText(v)), 64)
	if err != nil {
		return json.Number("0"), nil // Jinja's int filter yields 0 for what it cannot convert
	}
	return json.Number(strconv.FormatInt(int64(math.Trunc(f)), 10)), nil
}

func floatFilter(v any, _ []any) (any, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(toText(v)), 64)
	if err != nil {
		f = 0
	}
	return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), nil
}

func joinFilter(v any, args []any) (any, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("join needs a list, got %s", connector.KindName(v))
	}
	sep := ""
	if len(args) == 1 {
		sep = toText(args[0])
	}
	items := make([]string, len(list))
	for i, e := range list {
		items[i] = toText(e)
	}
	return strings.Join(items, sep), nil
}

// edgeFilter returns the first (at 0) or last (at -1) item of a list or character of a
// string; of an empty one, an undefined value.
func edgeFilter(name string, at int) filterDef {
	pick := func(n int) int {
		if at < 0 {
			return n + at
		}
		return at
	}
	return filterDef{fn: func(v any, _ []any) (any, error) {
		switch x := v.(type) {
		case []any:
			if len(x) == 0 {
				return undefined{path: name + " of an empty list"}, nil
			}
			return x[pick(len(x))], nil
		case string:
			r := []rune(x)
			if len(r) == 0 {
				return undefined{path: name + " of an empty string"}, nil
			}
			return string(r[pick(len(r))]), nil
		}
		return nil, fmt.Errorf("%s needs a list, got %s", name, connector.KindName(v))
	}}
}

func number(n int) json.Number { return json.Number(strconv.Itoa(n)) }
