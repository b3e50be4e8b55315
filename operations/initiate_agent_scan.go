package operations

import "github.com/fortisoar-connectors/sentinelone/internal/sentinelone"

// InitiateAgentScan starts a full disk scan on the selected agents.
const InitiateAgentScan = "initiate_agent_scan"

var initiateAgentScan = agentFilterAction(sentinelone.ActionInitiateScan, "start a full disk scan on", nil)
