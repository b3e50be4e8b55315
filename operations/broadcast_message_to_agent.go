package operations

import (
	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// BroadcastMessage shows a message on the selected agents.
const BroadcastMessage = "broadcast_message_to_agent"

var broadcastMessage = agentFilterAction(sentinelone.ActionBroadcast, "broadcast a message to", func(p connector.Params) map[string]any {
	return map[string]any{"message": p.String("message")}
})
