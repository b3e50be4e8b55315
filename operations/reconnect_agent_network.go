package operations

import "github.com/fortisoar-connectors/sentinelone/internal/sentinelone"

// ReconnectAgentNetwork reconnects the selected agents to the network.
const ReconnectAgentNetwork = "reconnect_agent_network"

var reconnectAgentNetwork = agentFilterAction(sentinelone.ActionConnect, "reconnect", nil)
