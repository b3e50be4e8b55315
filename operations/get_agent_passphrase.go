package operations

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetAgentPassphrase returns the passphrase that uninstalls an offline agent.
const GetAgentPassphrase = "get_agent_passphrase"

// passphraseResult is get_agent_passphrase's data.
type passphraseResult struct {
	Passphrase   string `json:"passphrase"`
	AgentID      string `json:"agent_id"`
	ComputerName string `json:"computerName"`
}

func getAgentPassphrase(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	id, err := oneAgentID(ctx, call, client)
	if err != nil {
		return nil, err
	}
	for page, err := range client.Agents.PassphrasePages(ctx, sentinelone.AgentFilter{IDs: []string{id}}.Filter(), sentinelone.ListOptions{Limit: 1}) {
		if err != nil {
			return nil, err
		}
		var item struct {
			ID           string `json:"id"`
			ComputerName string `json:"computerName"`
			Passphrase   string `json:"passphrase"`
		}
		if err := json.Unmarshal(page[0], &item); err != nil {
			return nil, fmt.Errorf("decode passphrase of agent %s: %w", id, err)
		}
		return passphraseResult{Passphrase: item.Passphrase, AgentID: item.ID, ComputerName: item.ComputerName}, nil
	}
	return nil, fmt.Errorf("agent %s not found: SentinelOne returned no passphrase for it", id)
}

var getAgentPassphraseSpec = spec{name: GetAgentPassphrase, run: getAgentPassphrase}
