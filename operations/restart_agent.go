package operations

import "github.com/fortisoar-connectors/sentinelone/internal/sentinelone"

// RestartAgent restarts the machines of the agents its agent filter selects.
const RestartAgent = "restart_agent"

var restartAgent = agentFilterAction(sentinelone.ActionRestart, "restart", nil)

var restartAgentSpec = spec{name: RestartAgent, run: restartAgent, destructive: true, narrowing: agentFilterNarrowing}
