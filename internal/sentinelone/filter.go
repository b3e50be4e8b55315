package sentinelone

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Filter holds SentinelOne filter keys (wire names such as "ids",
// "computerName__like", "totalMemory__gt") and their values. Allowed value
// types: string, bool, int, int64, float64, []string and []bool.
//
// On GET calls a filter becomes query parameters: lists are joined with
// commas, booleans are "true"/"false" and numbers are written plainly. On
// POST calls it becomes the body's "filter" object with lists as JSON arrays.
type Filter map[string]any

// pagingKeys are set by the pagination code and may not appear in a Filter
// given to a Pages method.
var pagingKeys = []string{"limit", "skip", "cursor"}

// validate checks every value's type.
func (f Filter) validate() error {
	for k, v := range f {
		if k == "" {
			return fmt.Errorf("filter: empty key")
		}
		switch v.(type) {
		case string, bool, int, int64, float64, []string, []bool:
		default:
			return fmt.Errorf("filter key %q: unsupported value type %T", k, v)
		}
	}
	return nil
}

// query encodes f as query parameters.
func (f Filter) query() (url.Values, error) {
	q := make(url.Values, len(f)+3)
	for k, v := range f {
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case bool:
			s = strconv.FormatBool(v)
		case int:
			s = strconv.Itoa(v)
		case int64:
			s = strconv.FormatInt(v, 10)
		case float64:
			s = strconv.FormatFloat(v, 'f', -1, 64)
		case []string:
			s = strings.Join(v, ",")
		case []bool:
			parts := make([]string, len(v))
			for i, b := range v {
				parts[i] = strconv.FormatBool(b)
			}
			s = strings.Join(parts, ",")
		default:
			return nil, fmt.Errorf("filter key %q: unsupported value type %T", k, v)
		}
		q.Set(k, s)
	}
	return q, nil
}

// body returns the JSON body {"filter": f, "data": data} of an action.
// A nil filter or data is sent as {}.
func (f Filter) body(data map[string]any) (map[string]any, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	ff := map[string]any(f)
	if ff == nil {
		ff = map[string]any{}
	}
	if data == nil {
		data = map[string]any{}
	}
	return map[string]any{"filter": ff, "data": data}, nil
}
