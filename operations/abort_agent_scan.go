package operations

import "github.com/fortisoar-connectors/sentinelone/internal/sentinelone"

// AbortAgentScan aborts the running scan on the selected agents.
const AbortAgentScan = "abort_agent_scan"

var abortAgentScan = agentFilterAction(sentinelone.ActionAbortScan, "abort the scan of", nil)
