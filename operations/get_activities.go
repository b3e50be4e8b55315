package operations

import (
	"context"
	"strings"
	"time"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetActivities lists the console's activity log, oldest first, auto-paged.
const GetActivities = "get_activities"

// activityTime reads an ISO-8601 time param as SentinelOne's UTC form.
func activityTime(p connector.Args, name string) (string, error) {
	s := strings.TrimSpace(p.String(name))
	if s == "" {
		return "", nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format("2006-01-02T15:04:05.000000Z"), nil
		}
	}
	return "", connector.InvalidParam(name, "%q is not an ISO-8601 time such as 2024-06-01T08:00:00Z", s)
}

func getActivities(_ context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	p := call.Args()
	from, err := activityTime(p, "from_date")
	if err != nil {
		return nil, err
	}
	to, err := activityTime(p, "to_date")
	if err != nil {
		return nil, err
	}
	if from != "" && to != "" && from > to {
		return nil, connector.InvalidParam("to_date", "is before from_date")
	}
	f := sentinelone.ActivityFilter{ActivityTypes: idList(p, "activityTypes"), AgentIDs: idList(p, "agent_id"),
		ThreatIDs: idList(p, "threat_id"), SiteIDs: idList(p, "siteIds"), AccountIDs: idList(p, "accountIds"),
		GroupIDs: idList(p, "groupIds"), CreatedAtGTE: from, CreatedAtLTE: to, SortBy: "createdAt", SortOrder: "asc"}
	return streamPages(func(ctx context.Context) iterPages { return client.Management.Activities(ctx, f, listLimit(p)) }), nil
}

var getActivitiesSpec = spec{name: GetActivities, run: getActivities}
