package operations

import (
	"context"
	"fmt"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// CommissionAgent recommissions a decommissioned agent through the console's legacy
// recommission endpoint. API 2.0 and 2.1 consoles may not serve it; then the operation fails
// and says that the agent recommissions itself at its next check-in.
const CommissionAgent = "commission_agent"

// messageResult is data carrying a message about one agent.
type messageResult struct {
	Message string `json:"message"`
	AgentID string `json:"agent_id"`
}

func commissionAgent(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	id := strings.TrimSpace(call.Params.String("agent_id"))
	if err := client.Agents.Recommission(ctx, id); err != nil {
		return nil, fmt.Errorf("recommission agent %s: %w", id, err)
	}
	return messageResult{Message: "agent successfully recommissioned", AgentID: id}, nil
}
