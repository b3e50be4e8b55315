package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetGroups lists the console's groups (within the configuration's scope).
const GetGroups = "get_groups"

func getGroups(_ context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	p := call.Args()
	f := sentinelone.GroupFilter{IDs: idList(p, "groupIds"), SiteIDs: idList(p, "siteIds"), AccountIDs: idList(p, "accountIds")}
	return streamPages(func(ctx context.Context) iterPages { return client.Management.Groups(ctx, f, listLimit(p)) }), nil
}

var getGroupsSpec = spec{name: GetGroups, run: getGroups}
