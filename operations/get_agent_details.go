package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetAgentDetails returns one agent, named by its id or by a hostname, address, MAC or UUID,
// with its network interfaces and last logged-in user as SentinelOne reports them.
const GetAgentDetails = "get_agent_details"

func getAgentDetails(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	p := call.Args()
	id, endpoint := strings.TrimSpace(p.String("agent_id")), strings.TrimSpace(p.String("endpoint"))
	switch {
	case id == "" && endpoint == "":
		return nil, connector.InvalidParam("agent_id", "give the agent's id, or its hostname, address, MAC or UUID in endpoint")
	case id != "" && endpoint != "":
		return nil, connector.InvalidParam("endpoint", "give either agent_id or endpoint, not both")
	}
	if endpoint != "" {
		resolved, err := resolveEndpoints(ctx, client, []string{endpoint}, sentinelone.AgentFilter{}, func(bool) bool { return true })
		if err != nil {
			return nil, err
		}
		id = resolved[0].AgentID
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
