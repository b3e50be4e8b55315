package operations

import "github.com/fortisoar-connectors/sentinelone/internal/sentinelone"

// DisableAgent disables the selected agents, optionally rebooting their machines.
const DisableAgent = "disable_agent"

var disableAgentSpec = spec{name: DisableAgent, run: agentFilterAction(sentinelone.ActionDisable, "disable", rebootData),
	destructive: true, narrowing: agentFilterNarrowing}
