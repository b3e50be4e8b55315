package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// CreateQuery starts a Deep Visibility query and returns its id, without waiting.
const CreateQuery = "create_query"

func createQuery(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	id, err := startQuery(ctx, client, dvQuery(call.Args()))
	if err != nil {
		return nil, err
	}
	return map[string]any{"query_id": id}, nil
}

var createQuerySpec = spec{name: CreateQuery, run: createQuery}
