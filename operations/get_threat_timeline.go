package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetThreatTimeline lists the timeline of one threat, walking pages past SentinelOne's cap
// of 1000 items per page.
const GetThreatTimeline = "get_threat_timeline"

// sortOrders maps the sort order option to SentinelOne's value.
var sortOrders = map[string]string{"Newest First": "desc", "Oldest First": "asc"}

func getThreatTimeline(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	id := strings.TrimSpace(args.String("threat_id"))
	order, ok := sortOrders[args.String("sort_order")]
	if !ok {
		return nil, connector.InvalidParam("sort_order", "unknown sort order %q", args.String("sort_order"))
	}
	opts := sentinelone.ListOptions{}
	if n, ok := args.Int("limit"); ok {
		opts.Limit = int(n)
	}
	items, err := sentinelone.Collect(client.Threats.TimelinePages(ctx, id, order, opts))
	if err != nil {
		return nil, err
	}
	return map[string]any{"threat_id": id, "count": len(items), "timeline": nonNil(items)}, nil
}

var getThreatTimelineSpec = spec{name: GetThreatTimeline, run: getThreatTimeline,
	labels: map[string][]string{"sort_order": labels(sortOrders)}}
