package operations

import (
	"context"
	"encoding/json"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// ListAllThreats lists the threats a threat filter selects.
const ListAllThreats = "list_all_threats"

func listAllThreats(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	sel, err := newThreatSelection(call.Args(), client.APIVersion())
	if err != nil {
		return nil, err
	}
	return connector.NewItemStream(func(ctx context.Context, yield func(json.RawMessage) error) error {
		return sel.walk(ctx, client, yield)
	}), nil
}

var listAllThreatsSpec = spec{name: ListAllThreats, run: listAllThreats}
