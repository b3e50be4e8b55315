package operations

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// AgentAction isolates, decommissions, uninstalls or shuts down the agents selected by ids
// or group ids.
const AgentAction = "agent_action"

// agentActions maps the action option to SentinelOne's action endpoint and a verb for
// messages.
var agentActions = map[string]struct{ endpoint, verb string }{
	"Isolate Agent Network": {sentinelone.ActionDisconnect, "isolate"},
	"Decommission Agent":    {sentinelone.ActionDecommission, "decommission"},
	"Uninstall Agent":       {sentinelone.ActionUninstall, "uninstall"},
	"Shutdown Agent":        {sentinelone.ActionShutdown, "shut down"},
}

func agentActionOp(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	a, ok := agentActions[call.Args().String("action")]
	if !ok {
		return nil, connector.InvalidParam("action", "unknown action %q", call.Args().String("action"))
	}
	o, err := runAction(ctx, call, client, newAgentSelection(call.Args()), agentAction(ctx, client, a.endpoint, a.verb, nil))
	if err != nil {
		return nil, err
	}
	res := newAgentActionResult(o)
	res.Agents = &[]json.RawMessage{} // no per-agent state unless the action ran
	if o.dryRun || len(o.ids) == 0 {
		return res, nil
	}
	after, err := agentsByID(ctx, client, o.ids)
	if err != nil {
		return nil, fmt.Errorf("%s was sent for %d agent(s) (SentinelOne reports %d affected), but reading their state afterwards failed: %w",
			a.verb, len(o.ids), o.affected, err)
	}
	res.Agents = &after
	return res, nil
}

// agentsByID reads the agents with the given ids as SentinelOne reports them now,
// decommissioned or not.
func agentsByID(ctx context.Context, client *sentinelone.Client, ids []string) ([]json.RawMessage, error) {
	out := []json.RawMessage{}
	pages, _, err := splitPages(sentinelone.AgentFilter{IDs: ids, IsDecommissioned: anyDecommission}.Filter(), sentinelone.ListOptions{},
		func(f sentinelone.Filter, o sentinelone.ListOptions) iterPages { return client.Agents.Pages(ctx, f, o) })
	if err != nil {
		return nil, err
	}
	err = walkPages(pages, nil, false, 0, 0, func(raw json.RawMessage) error {
		out = append(out, raw)
		return nil
	})
	return out, err
}

var agentActionSpec = spec{name: AgentAction, run: agentActionOp, destructive: true,
	narrowing: []string{"ids", "groupIds", "endpoints", "siteIds", "accountIds"}, labels: map[string][]string{"action": labels(agentActions)}}
