package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// opFunc implements one operation with the SentinelOne client of the call's configuration.
// It must check every param before its first SentinelOne request.
type opFunc func(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error)

// All maps every operation's machine name (as in info.json) to its implementation.
func All() map[string]opFunc {
	return map[string]opFunc{
		GetAgents:             getAgents,
		AgentAction:           agentActionOp,
		ReconnectAgentNetwork: reconnectAgentNetwork,
		CommissionAgent:       commissionAgent,
		GetAgentPassphrase:    getAgentPassphrase,
		GetApplications:       getApplications,
		ListProcesses:         listProcesses,
		BroadcastMessage:      broadcastMessage,
		InitiateAgentScan:     initiateAgentScan,
		AbortAgentScan:        abortAgentScan,
		GetHashDetails:        getHashDetails,
		GetThreatDetails:      getThreatDetails,
		MitigateThreats:       mitigateThreats,
		MarkThreatAsBenign:    markThreatAsBenign,
		FetchAgentLogs:        fetchAgentLogs,
		GetAgentCount:         getAgentCount,
		ListAllThreats:        listAllThreats,
	}
}

// RegisterAll registers every operation in reg, each bound to the client cache.
func RegisterAll(reg *connector.Registry, clients *Clients) error {
	for name, f := range All() {
		if err := reg.Register(name, bind(clients, f)); err != nil {
			return err
		}
	}
	return nil
}

func bind(clients *Clients, f opFunc) connector.Handler {
	return connector.HandlerFunc(func(ctx context.Context, call *connector.Call) (any, error) {
		client, err := clients.client(call)
		if err != nil {
			return nil, err
		}
		return f(ctx, call, client)
	})
}

// agentFilterAction builds an operation that applies a SentinelOne agent action to the
// agents its agent filter selects, through runAction's checks.
func agentFilterAction(act, verb string, data func(connector.Params) map[string]any) opFunc {
	return func(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
		if err := requireNarrowing(call.Params, call.Operation, "agent", narrowingAgentParams); err != nil {
			return nil, err
		}
		var body map[string]any
		if data != nil {
			body = data(call.Params)
		}
		o, err := runAction(ctx, call, client, newAgentSelection(call.Params), agentAction(ctx, client, act, verb, body))
		if err != nil {
			return nil, err
		}
		return newAgentActionResult(o), nil
	}
}

// agentAction is the action that applies a SentinelOne agent action to a batch of ids.
func agentAction(ctx context.Context, client *sentinelone.Client, act, verb string, body map[string]any) action {
	return action{noun: "agent", verb: verb, apply: func(batch []string) (int, error) {
		return client.Agents.Action(ctx, act, sentinelone.AgentFilter{IDs: batch}.Filter(), body)
	}}
}
