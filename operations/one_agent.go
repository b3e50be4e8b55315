package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// oneAgentID returns the agent a single-agent operation names: agent_id, or the agent its
// endpoint (hostname, address, MAC or UUID) resolves to, exactly one of them given.
// Decommissioned agents are candidates: the operation judges their state itself.
func oneAgentID(ctx context.Context, call *connector.Call, client *sentinelone.Client) (string, error) {
	p := call.Args()
	id := strings.TrimSpace(p.String("agent_id"))
	endpoint := ""
	if p.Declares("endpoint") {
		endpoint = strings.TrimSpace(p.String("endpoint"))
	}
	switch {
	case id == "" && endpoint == "":
		return "", connector.InvalidParam("agent_id", "give the agent's id, or its hostname, address, MAC or UUID in endpoint")
	case id != "" && endpoint != "":
		return "", connector.InvalidParam("endpoint", "give either agent_id or endpoint, not both")
	case id != "":
		return id, nil
	}
	resolved, err := resolveEndpoints(ctx, client, []string{endpoint}, sentinelone.AgentFilter{}, func(bool) bool { return true })
	if err != nil {
		return "", err
	}
	return resolved[0].AgentID, nil
}
