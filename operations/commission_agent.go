package operations

import (
	"context"
	"errors"
	"fmt"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// CommissionAgent recommissions a decommissioned agent through the console's legacy
// recommission endpoint. API 2.0 and 2.1 consoles may not serve it; then the operation fails
// and says that the agent recommissions itself at its next check-in.
const CommissionAgent = "commission_agent"

// commissionResult is commission_agent's data: 1.0.0's message and agent_id beside the
// vocabulary every destructive operation answers in.
type commissionResult struct {
	actionResult
	AgentID string `json:"agent_id"`
}

// commissionSelection selects the one agent of agent_id, decommissioned or not, so that an
// agent that is not decommissioned is refused by name rather than reported as not found.
type commissionSelection struct {
	id    string
	agent *agentTarget
}

func (s *commissionSelection) resolve(ctx context.Context, client *sentinelone.Client) ([]target, error) {
	f := sentinelone.AgentFilter{IDs: []string{s.id}, IsDecommissioned: anyDecommission}
	for page, err := range client.Agents.Pages(ctx, f.Filter(), sentinelone.ListOptions{Limit: 1}) {
		if err != nil {
			return nil, fmt.Errorf("look up agent %s: %w", s.id, err)
		}
		a, err := decodeAgent(page[0])
		if err != nil {
			return nil, err
		}
		s.agent = &a
		if !a.IsDecommissioned {
			return nil, connector.InvalidParam("agent_id", "agent %s (%s) is not decommissioned, so there is nothing to recommission", a.ID, a.ComputerName)
		}
		return []target{{ID: a.ID, Name: a.ComputerName}}, nil
	}
	return nil, nil
}

func (s *commissionSelection) explain(_ context.Context, _ *sentinelone.Client, resolved []target) (missing, error) {
	if len(resolved) == 0 {
		return missing{NotFound: []string{s.id}}, nil
	}
	return missing{}, nil
}

func (s *commissionSelection) population(ctx context.Context, client *sentinelone.Client) (int, error) {
	return client.Agents.Count(ctx, sentinelone.AgentFilter{IsDecommissioned: anyDecommission}.Filter())
}

func commissionAgent(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	id, err := oneAgentID(ctx, call, client)
	if err != nil {
		return nil, err
	}
	sel := &commissionSelection{id: id}
	var recommissionErr error
	o, err := runAction(ctx, call, client, sel, action{noun: "agent", verb: "recommission", apply: func(batch []string) (int, error) {
		if err := client.Agents.Recommission(ctx, batch[0]); err != nil {
			recommissionErr = err
			return 0, err
		}
		return 1, nil
	}})
	if err != nil {
		if recommissionErr != nil {
			return nil, recommissionError(sel.id, recommissionErr)
		}
		return nil, err
	}
	res := commissionResult{actionResult: newActionResult(o), AgentID: sel.id}
	if !o.dryRun {
		res.Message = "agent successfully recommissioned"
	}
	return res, nil
}

// recommissionError says once why a recommission failed: the client's error already names
// the agent and the endpoint.
func recommissionError(id string, err error) error {
	if errors.Is(err, sentinelone.ErrRecommissionUnsupported) {
		return fmt.Errorf("agent %s was not recommissioned: this console has no recommission endpoint; a decommissioned agent is recommissioned automatically when it next checks in", id)
	}
	return err
}

var commissionAgentSpec = spec{name: CommissionAgent, run: commissionAgent, destructive: true, narrowing: []string{"agent_id", "endpoint"}}
