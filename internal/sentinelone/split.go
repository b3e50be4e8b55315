package sentinelone

import (
	"fmt"
	"net/url"
	"sort"
)

// MaxRequestLine is the longest request line (method, path and query) the client sends.
// Proxies and web servers commonly refuse lines past 8 KiB, and SentinelOne's own front end
// is one of them; a longer line is an error, never a truncated filter.
const MaxRequestLine = 8 << 10

// MaxFilterQuery is the part of MaxRequestLine a filter's query may use, leaving room for
// the method, the API path, paging parameters and a cursor.
const MaxFilterQuery = 6 << 10

// QueryLen is the length of f encoded as a query string.
func (f Filter) QueryLen() (int, error) {
	q, err := f.query()
	if err != nil {
		return 0, err
	}
	return len(q.Encode()), nil
}

// Split returns filters whose matches together are exactly f's matches, each encoding to a
// query of at most maxQuery bytes. It halves the longest list value until every part fits;
// the parts of a list are disjoint, so no object matches two filters. A filter whose scalar
// values alone are too long cannot be split and is an error.
func (f Filter) Split(maxQuery int) ([]Filter, error) {
	n, err := f.QueryLen()
	if err != nil {
		return nil, err
	}
	if n <= maxQuery {
		return []Filter{f}, nil
	}
	key, longest := "", 0
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if l, ok := f[k].([]string); ok && len(l) > 1 {
			if enc := len(url.QueryEscape(joinList(l))); enc > longest {
				key, longest = k, enc
			}
		}
	}
	if key == "" {
		return nil, fmt.Errorf("filter is %d bytes as a query, above %d, and has no list to split", n, maxQuery)
	}
	list := f[key].([]string)
	var out []Filter
	for _, half := range [][]string{list[:len(list)/2], list[len(list)/2:]} {
		part := make(Filter, len(f))
		for k, v := range f {
			part[k] = v
		}
		part[key] = half
		sub, err := part.Split(maxQuery)
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	return out, nil
}

func joinList(l []string) string {
	n := 0
	for _, s := range l {
		n += len(s) + 1
	}
	b := make([]byte, 0, n)
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, s...)
	}
	return string(b)
}
