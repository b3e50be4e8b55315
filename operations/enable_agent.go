package operations

import (
	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// EnableAgent enables the selected agents again, optionally rebooting their machines.
const EnableAgent = "enable_agent"

// rebootData is the data of enable-agent and disable-agent: shouldReboot, from reboot.
func rebootData(p connector.Args) map[string]any {
	return map[string]any{"shouldReboot": p.Bool("reboot")}
}

var enableAgentSpec = spec{name: EnableAgent, run: agentFilterAction(sentinelone.ActionEnable, "enable", rebootData),
	destructive: true, narrowing: agentFilterNarrowing}
