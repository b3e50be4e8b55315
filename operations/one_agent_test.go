package operations_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// TestSingleAgentOperationsTakeAnEndpoint: the operations that name one agent take its
// hostname (or address, MAC, UUID) instead of its id, exactly one of the two.
func TestSingleAgentOperationsTakeAnEndpoint(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	names := map[string]int{}
	for _, a := range h.sim.Sim.Agents() {
		names[strings.ToLower(a.ComputerName)]++
	}
	unique := func(keep func(s1sim.Agent) bool) s1sim.Agent {
		for _, a := range h.agents(keep) {
			if names[strings.ToLower(a.ComputerName)] == 1 {
				return a
			}
		}
		t.Fatal("no agent with a unique name")
		return s1sim.Agent{}
	}
	agent := unique(live)
	host := strings.ToLower(agent.ComputerName)

	var pass struct {
		AgentID    string `json:"agent_id"`
		Passphrase string `json:"passphrase"`
	}
	h.ok("get_agent_passphrase", map[string]any{"endpoint": host}, &pass)
	assert.Equal(t, agent.ID, pass.AgentID)
	assert.Equal(t, agent.Passphrase, pass.Passphrase)

	var byID, byName []map[string]any
	h.ok("get_application_installed_on_agent", map[string]any{"agent_id": agent.ID}, &byID)
	h.ok("get_application_installed_on_agent", map[string]any{"endpoint": host}, &byName)
	assert.Equal(t, byID, byName)
	h.ok("list_of_process_running_on_agent", map[string]any{"endpoint": host}, nil)

	gone := unique(func(a s1sim.Agent) bool { return a.IsDecommissioned })
	var res struct {
		AgentID string `json:"agent_id"`
		IDs     []string
	}
	h.ok("commission_agent", map[string]any{"endpoint": gone.ComputerName}, &res)
	assert.Equal(t, gone.ID, res.AgentID)
	after, _ := h.sim.Sim.Agent(gone.ID)
	assert.False(t, after.IsDecommissioned)

	for _, op := range []string{"get_agent_passphrase", "get_application_installed_on_agent", "list_of_process_running_on_agent"} {
		h.reset()
		status, msg := h.fail(op, map[string]any{})
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, msg, "agent_id: give the agent's id, or its hostname")
		status, msg = h.fail(op, map[string]any{"agent_id": agent.ID, "endpoint": host})
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, msg, "endpoint: give either agent_id or endpoint, not both")
		assert.Empty(t, h.sim.Sim.Requests(), "a refusal reaches no console")
	}
	_, msg := h.fail("get_agent_passphrase", map[string]any{"endpoint": "no-such-host-42"})
	assert.Contains(t, msg, `"no-such-host-42" (hostname) names no agent`)
}
