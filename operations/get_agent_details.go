package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetAgentDetails returns one agent, named by its id or by a hostname, address, MAC or UUID,
// with its network interfaces and last logged-in user as SentinelOne reports them.
const GetAgentDetails = "get_agent_details"

func getAgentDetails(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	id, err := oneAgentID(ctx, call, client)
	if err != nil {
		return nil, err
	}
	agents, err := agentsByID(ctx, client, []string{id})
	if err != nil {
		return nil, err
	}
	if len(agents) == 0 {
		return nil, connector.Errorf(connector.KindInvalid, "agent %s not found%s", id, scopeNote(client))
	}
	return agents[0], nil
}

var getAgentDetailsSpec = spec{name: GetAgentDetails, run: getAgentDetails}
