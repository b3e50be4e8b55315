package operations

import (
	"context"
	"maps"
	"slices"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetAgentCount counts the agents an agent filter selects.
const GetAgentCount = "get_agent_count"

// countResult is get_agent_count's data.
type countResult struct {
	Count int `json:"count"`
}

// getAgentCount asks SentinelOne for the count; excluded ids are counted separately with
// the same filter and subtracted, and skip and limit bound the result as they bound
// get_agents. Long id lists are counted in parts that each fit a request line.
func getAgentCount(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	sel := newAgentSelection(call.Args())
	if err := sel.prepare(ctx, client); err != nil {
		return nil, err
	}
	n, err := countSplit(ctx, sel.filter.Filter(), client.Agents.Count)
	if err != nil {
		return nil, err
	}
	if len(sel.exclude) > 0 {
		excluded := slices.Sorted(maps.Keys(sel.exclude))
		if sel.given != nil {
			excluded = slices.DeleteFunc(excluded, func(id string) bool { return !slices.Contains(sel.given, id) })
		}
		if len(excluded) > 0 {
			f := sel.filter
			f.IDs = excluded
			x, err := countSplit(ctx, f.Filter(), client.Agents.Count)
			if err != nil {
				return nil, err
			}
			n -= x
		}
	}
	n = max(0, n-sel.skip)
	if sel.limit > 0 {
		n = min(n, sel.limit)
	}
	return countResult{Count: n}, nil
}

var getAgentCountSpec = spec{name: GetAgentCount, run: getAgentCount}
