package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// idList returns the ids of a list param. The manifest's list rules (info.json validation:
// separator, itemPattern, maxItems) have already refused blank items, non-numeric ids and
// overlong lists, and removed duplicates.
func idList(p connector.Params, name string) []string {
	raw := p.String(name)
	if raw == "" {
		return nil
	}
	return strings.Split(raw, ",")
}

// triState maps an Any/true/false select to a filter value; ok is false for Any.
func triState(p connector.Params, name string) (value, ok bool) {
	switch p.String(name) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// anyDecommission selects agents whether or not they are decommissioned; sent explicitly so
// that a console that hides decommissioned agents by default still finds them.
var anyDecommission = []bool{false, true}

// objectID reads the "id" of a SentinelOne object.
func objectID(raw json.RawMessage) (string, error) {
	var obj struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", fmt.Errorf("decode object: %w", err)
	}
	var id string
	if err := json.Unmarshal(obj.ID, &id); err != nil {
		var n json.Number
		if err := json.Unmarshal(obj.ID, &n); err != nil {
			return "", fmt.Errorf("object has no id")
		}
		id = n.String()
	}
	return id, nil
}

// splitPages walks list pages for every part of f split to fit a request line (see
// sentinelone.Filter.Split). When f fits in one request, SentinelOne applies opts itself and
// split is false; otherwise the caller must apply skip and limit to the concatenation.
func splitPages(f sentinelone.Filter, opts sentinelone.ListOptions,
	list func(sentinelone.Filter, sentinelone.ListOptions) iter.Seq2[[]json.RawMessage, error]) (iter.Seq2[[]json.RawMessage, error], bool, error) {
	parts, err := f.Split(sentinelone.MaxFilterQuery)
	if err != nil {
		return nil, false, err
	}
	if len(parts) == 1 {
		return list(f, opts), false, nil
	}
	return func(yield func([]json.RawMessage, error) bool) {
		for _, part := range parts {
			for page, err := range list(part, sentinelone.ListOptions{}) {
				if !yield(page, err) || err != nil {
					return
				}
			}
		}
	}, true, nil
}

// countSplit counts with count over every part of f split to fit a request line.
func countSplit(ctx context.Context, f sentinelone.Filter, count func(context.Context, sentinelone.Filter) (int, error)) (int, error) {
	parts, err := f.Split(sentinelone.MaxFilterQuery)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, part := range parts {
		n, err := count(ctx, part)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// walkPages calls fn with every item of SentinelOne's pages, in order. When keep is not nil
// or own is true the connector applies part of the selection itself: keep drops items, and
// skip and limit count only the items kept (otherwise SentinelOne applied them already).
// Items are passed on undecoded: a plain listing never pays for decoding them.
func walkPages(pages iter.Seq2[[]json.RawMessage, error], keep func(raw json.RawMessage) (bool, error),
	own bool, skip, limit int, fn func(raw json.RawMessage) error) error {
	own = own || keep != nil
	taken := 0
	for page, err := range pages {
		if err != nil {
			return err
		}
		for _, raw := range page {
			if own {
				if keep != nil {
					ok, err := keep(raw)
					if err != nil {
						return err
					}
					if !ok {
						continue
					}
				}
				if skip > 0 {
					skip--
					continue
				}
				if limit > 0 && taken == limit {
					return nil
				}
			}
			taken++
			if err := fn(raw); err != nil {
				return err
			}
		}
	}
	return nil
}
