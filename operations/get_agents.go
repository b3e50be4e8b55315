package operations

import (
	"context"
	"encoding/json"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetAgents lists the agents an agent filter selects.
const GetAgents = "get_agents"

func getAgents(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	sel, err := newAgentSelection(call.Params)
	if err != nil {
		return nil, err
	}
	agents := []json.RawMessage{}
	err = sel.walk(ctx, client, func(_ string, raw json.RawMessage) error {
		agents = append(agents, raw)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return agents, nil
}
