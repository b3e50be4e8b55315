package operations

import (
	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// FetchAgentLogs asks the selected agents to upload their logs to the console.
const FetchAgentLogs = "fetch_agent_logs"

var fetchAgentLogs = agentFilterAction(sentinelone.ActionFetchLogs, "fetch the logs of", func(connector.Params) map[string]any {
	return map[string]any{"agentLogs": true}
})
