package operations

import (
	"context"
	"encoding/json"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetAgents lists the agents an agent filter selects, streamed page by page so a large
// fleet is never held in memory whole.
const GetAgents = "get_agents"

func getAgents(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	sel := newAgentSelection(call.Args())
	return connector.NewItemStream(func(ctx context.Context, yield func(json.RawMessage) error) error {
		return sel.walk(ctx, client, yield)
	}), nil
}

var getAgentsSpec = spec{name: GetAgents, run: getAgents}
