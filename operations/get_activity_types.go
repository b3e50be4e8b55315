package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetActivityTypes lists the console's activity types.
const GetActivityTypes = "get_activity_types"

func getActivityTypes(ctx context.Context, _ *connector.Call, client *sentinelone.Client) (any, error) {
	return client.Management.ActivityTypes(ctx)
}

var getActivityTypesSpec = spec{name: GetActivityTypes, run: getActivityTypes}
