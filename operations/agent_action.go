package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// AgentAction isolates, decommissions, uninstalls or shuts down the agents selected by ids
// or group ids.
const AgentAction = "agent_action"

// agentActions maps the action option to SentinelOne's action endpoint.
var agentActions = map[string]string{
	"Isolate Agent Network": sentinelone.ActionDisconnect,
	"Decommission Agent":    sentinelone.ActionDecommission,
	"Uninstall Agent":       sentinelone.ActionUninstall,
	"Shutdown Agent":        sentinelone.ActionShutdown,
}

func agentAction(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	action, ok := agentActions[call.Params.String("action")]
	if !ok {
		return nil, connector.InvalidParam("action", "unknown action %q", call.Params.String("action"))
	}
	sel, err := newAgentSelection(call.Params)
	if err != nil {
		return nil, err
	}
	if err := requireNarrowing(call.Params, call.Operation, "agent", []string{"ids", "groupIds"}); err != nil {
		return nil, err
	}
	return runAgentAction(ctx, client, sel, action, nil, true)
}
