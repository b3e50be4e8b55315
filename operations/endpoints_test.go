package operations_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// resolvedAction is the part of an agent action's data that endpoint tests read.
type resolvedAction struct {
	IDs       []string `json:"ids"`
	DryRun    bool     `json:"dry_run"`
	Endpoints []struct {
		Endpoint     string `json:"endpoint"`
		Kind         string `json:"kind"`
		AgentID      string `json:"agent_id"`
		ComputerName string `json:"computerName"`
		MatchedBy    string `json:"matched_by"`
	} `json:"endpoints"`
}

// plainAgents are live agents that share no hostname or address with another agent.
func plainAgents(h *harness) []s1sim.Agent {
	host, ip := h.sim.Sim.SharedIdentities()
	return h.agents(func(a s1sim.Agent) bool {
		return live(a) && !strings.EqualFold(a.ComputerName, host) && a.NetworkInterfaces[0].Inet[0] != ip
	})
}

// TestEndpointResolution: every identifier kind resolves to its one agent (and says how),
// in a dry run that sends no action; unknown and ambiguous entries refuse the call naming
// every candidate; endpoints mix with ids; decommissioned agents resolve only when asked for.
func TestEndpointResolution(t *testing.T) {
	for _, m := range []mode{{"2.1", true}, {"2.0", false}} {
		t.Run(m.String(), func(t *testing.T) {
			h := newHarness(t, m, s1sim.Options{})
			plain := plainAgents(h)
			a, b, c, d, e := plain[0], plain[1], plain[2], plain[3], plain[4]
			entries := []struct{ entry, kind, by, id string }{
				{strings.ToLower(a.ComputerName), "hostname", "computerName", a.ID},
				{b.NetworkInterfaces[0].Inet[0], "ip", "networkInterfaces.inet", b.ID},
				{c.NetworkInterfaces[0].Inet6[1], "ip", "networkInterfaces.inet", c.ID},
				{strings.ToUpper(strings.ReplaceAll(d.NetworkInterfaces[0].Physical, ":", "-")), "mac", "networkInterfaces.physical", d.ID},
				{e.UUID, "uuid", "uuid", e.ID},
			}
			var list []string
			for _, x := range entries {
				list = append(list, x.entry)
			}
			h.warm()
			var res resolvedAction
			h.ok("agent_action", map[string]any{"action": "Isolate Agent Network", "endpoints": strings.Join(list, ","), "dry_run": true}, &res)
			assert.True(t, res.DryRun)
			assert.Empty(t, h.actions(), "a dry run sends no action")
			require.Len(t, res.Endpoints, len(entries))
			for i, x := range entries {
				r := res.Endpoints[i]
				assert.Equal(t, x.entry, r.Endpoint)
				assert.Equal(t, x.kind, r.Kind, x.entry)
				assert.Equal(t, x.by, r.MatchedBy, x.entry)
				assert.Equal(t, x.id, r.AgentID, x.entry)
			}
			assert.ElementsMatch(t, []string{a.ID, b.ID, c.ID, d.ID, e.ID}, res.IDs)

			// The external IP, when it is the agent's alone.
			for _, x := range plain {
				if n := len(h.agents(func(o s1sim.Agent) bool { return o.ExternalIP == x.ExternalIP })); n == 1 {
					h.ok("get_agent_count", map[string]any{"endpoints": x.ExternalIP}, nil)
					var one resolvedAction
					h.ok("reconnect_agent_network", map[string]any{"endpoints": x.ExternalIP, "dry_run": true}, &one)
					require.Len(t, one.Endpoints, 1)
					assert.Equal(t, "externalIp", one.Endpoints[0].MatchedBy)
					assert.Equal(t, x.ID, one.Endpoints[0].AgentID)
					break
				}
			}

			// Unknown and ambiguous entries: refused, every one named, candidates listed.
			host, ip := h.sim.Sim.SharedIdentities()
			dupHost := h.agents(func(o s1sim.Agent) bool { return strings.EqualFold(o.ComputerName, host) })
			dupIP := h.agents(func(o s1sim.Agent) bool { return o.NetworkInterfaces[0].Inet[0] == ip })
			require.Len(t, dupHost, 2)
			require.Len(t, dupIP, 2)
			h.reset()
			status, msg := h.fail("agent_action", map[string]any{"action": "Isolate Agent Network",
				"endpoints": "NO-SUCH-HOST," + strings.ToLower(host) + "," + ip + ",10.255.255.254," + a.ComputerName})
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Contains(t, msg, "endpoints")
			assert.Contains(t, msg, `"NO-SUCH-HOST" (hostname) names no agent`)
			assert.Contains(t, msg, `"10.255.255.254" (ip) names no agent`)
			assert.Contains(t, msg, `"`+strings.ToLower(host)+`" (hostname) is ambiguous: it names 2 agents`)
			assert.Contains(t, msg, `"`+ip+`" (ip) is ambiguous: it names 2 agents`)
			for _, o := range append(dupHost, dupIP...) {
				assert.Contains(t, msg, o.ID+" ("+o.ComputerName+", last seen "+o.LastActiveDate+")")
			}
			assert.NotContains(t, msg, a.ID, "entries that resolved are not candidates")
			assert.Empty(t, h.actions(), "a refused call sends no action")

			// Mixed with ids: both are selected, a duplicate counted once.
			var mixed resolvedAction
			h.ok("reconnect_agent_network", map[string]any{"ids": b.ID + "," + c.ID, "endpoints": a.ComputerName + "," + b.UUID, "dry_run": true}, &mixed)
			assert.ElementsMatch(t, []string{a.ID, b.ID, c.ID}, mixed.IDs)
			require.Len(t, mixed.Endpoints, 2)

			// The guard judges what the endpoints resolved to.
			_, msg = h.fail("agent_action", map[string]any{"action": "Isolate Agent Network", "endpoints": a.ComputerName + "," + b.ComputerName, "max_targets": 1})
			assert.Contains(t, msg, "above max_targets 1")

			// Decommissioned agents are candidates only when the call asks for them.
			gone := h.agents(func(o s1sim.Agent) bool { return o.IsDecommissioned })[0]
			_, msg = h.fail("reconnect_agent_network", map[string]any{"endpoints": gone.UUID})
			assert.Contains(t, msg, "names only decommissioned agents (give includeDecommissioned to act on them)")
			assert.Contains(t, msg, gone.ID)
			var withGone resolvedAction
			h.ok("reconnect_agent_network", map[string]any{"endpoints": gone.UUID, "includeDecommissioned": true, "dry_run": true}, &withGone)
			assert.Equal(t, []string{gone.ID}, withGone.IDs)

			// The act itself: isolate by hostname changes exactly that agent.
			before := h.snapshot()
			var done resolvedAction
			h.ok("agent_action", map[string]any{"action": "Isolate Agent Network", "endpoints": strings.ToLower(a.ComputerName)}, &done)
			assert.Equal(t, []string{a.ID}, done.IDs)
			after := h.agents(func(o s1sim.Agent) bool { return o.ID == a.ID })[0]
			assert.Equal(t, "disconnected", after.NetworkStatus)
			h.requireUntouched(before, []string{a.ID})
		})
	}
}

// TestEndpointKinds: the manifest refuses entries of no recognisable form before any
// SentinelOne request.
func TestEndpointKinds(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	h.warm()
	status, msg := h.fail("get_agents", map[string]any{"endpoints": "host one"})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, "endpoints")
	assert.Empty(t, h.calls())
}
