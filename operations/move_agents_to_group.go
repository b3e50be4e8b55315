package operations

import (
	"context"
	"errors"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// MoveAgentsToGroup moves the selected agents to a group.
const MoveAgentsToGroup = "move_agents_to_group"

// moveNarrowing are the params that narrow a move's selection.
var moveNarrowing = []string{"ids", "endpoints", "groupIds", "siteIds", "accountIds"}

// moveAction builds a move operation: target names the param of the destination, and move
// sends one batch there.
func moveAction(target, verb string, find func(ctx context.Context, client *sentinelone.Client, to string) iterPages,
	move func(ctx context.Context, client *sentinelone.Client, f sentinelone.Filter, to string) (int, error)) opFunc {
	return func(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
		to := strings.TrimSpace(call.Args().String(target))
		if err := moveTargetExists(find(ctx, client, to), target, to, client); err != nil {
			return nil, err
		}
		o, err := runAction(ctx, call, client, newAgentSelection(call.Args()), action{noun: "agent", verb: verb + " " + to,
			apply: func(batch []string) (int, error) {
				return move(ctx, client, sentinelone.AgentFilter{IDs: batch}.Filter(), to)
			}})
		var se *sentinelone.ScopeError
		if errors.As(err, &se) && se.Key != "ids" && se.Key != "" {
			return nil, connector.InvalidParam(target, "%v", se)
		}
		if err != nil {
			return nil, err
		}
		return newAgentActionResult(o), nil
	}
}

// moveTargetExists confirms, before anything is resolved or sent, that the destination
// exists inside the configuration's scope.
func moveTargetExists(pages iterPages, target, to string, client *sentinelone.Client) error {
	for page, err := range pages {
		var se *sentinelone.ScopeError
		if errors.As(err, &se) {
			return connector.InvalidParam(target, "%v", se)
		}
		if err != nil {
			return err
		}
		if len(page) > 0 {
			return nil
		}
	}
	return connector.InvalidParam(target, "%s names nothing%s", to, scopeNote(client))
}

var moveAgentsToGroupSpec = spec{name: MoveAgentsToGroup, destructive: true, narrowing: moveNarrowing,
	run: moveAction("group_id", "move to group", func(ctx context.Context, c *sentinelone.Client, to string) iterPages {
		return c.Management.Groups(ctx, sentinelone.GroupFilter{IDs: []string{to}}, sentinelone.ListOptions{Limit: 1})
	}, func(ctx context.Context, c *sentinelone.Client, f sentinelone.Filter, to string) (int, error) {
		return c.Agents.MoveToGroup(ctx, f, to)
	})}
