package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// CancelRunningQuery stops a running Deep Visibility query and reports its state after.
const CancelRunningQuery = "cancel_running_query"

func cancelRunningQuery(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	id := strings.TrimSpace(call.Args().String("query_id"))
	if err := client.Hunt.CancelQuery(ctx, id); err != nil {
		return nil, err
	}
	st, err := client.Hunt.QueryStatus(ctx, id)
	if err != nil {
		return nil, describe("read the state after canceling", err)
	}
	return queryStatusResult(id, st), nil
}

var cancelRunningQuerySpec = spec{name: CancelRunningQuery, run: cancelRunningQuery}
