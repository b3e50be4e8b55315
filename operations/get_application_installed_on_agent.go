package operations

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetApplications lists the applications installed on an agent.
const GetApplications = "get_application_installed_on_agent"

func getApplications(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	id, err := oneAgentID(ctx, call, client)
	if err != nil {
		return nil, err
	}
	apps, err := client.Agents.Applications(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if len(apps) == 0 {
		if err := agentExists(ctx, client, id); err != nil {
			return nil, err
		}
		return []json.RawMessage{}, nil
	}
	return apps, nil
}

// agentExists tells an empty answer for a real agent from an unknown agent id, which
// SentinelOne answers the same way.
func agentExists(ctx context.Context, client *sentinelone.Client, id string) error {
	n, err := client.Agents.Count(ctx, sentinelone.AgentFilter{IDs: []string{id}, IsDecommissioned: []bool{true, false}}.Filter())
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("agent %s not found", id)
	}
	return nil
}

var getApplicationsSpec = spec{name: GetApplications, run: getApplications}
