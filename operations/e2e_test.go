package operations_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// TestOperations runs every operation end to end, through the HTTP server against the
// simulator, on API 2.1 and 2.0 with password and API-token authentication.
func TestOperations(t *testing.T) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, m, s1sim.Options{})
			t.Run("get_agents filters", func(t *testing.T) { testGetAgents(t, h) })
			t.Run("get_agent_count", func(t *testing.T) { testGetAgentCount(t, h) })
			t.Run("agent_action", func(t *testing.T) { testAgentAction(t, h) })
			t.Run("reconnect excludes", func(t *testing.T) { testReconnect(t, h) })
			t.Run("commission", func(t *testing.T) { testCommission(t, h) })
			t.Run("agent reads", func(t *testing.T) { testAgentReads(t, h) })
			t.Run("filter actions", func(t *testing.T) { testFilterActions(t, h) })
			t.Run("threats", func(t *testing.T) { testThreats(t, h) })
			t.Run("mitigate", func(t *testing.T) { testMitigate(t, h) })
			t.Run("benign", func(t *testing.T) { testBenign(t, h) })
		})
	}
}

func testGetAgents(t *testing.T, h *harness) {
	h.t = t
	tests := []struct {
		name   string
		params map[string]any
		keep   func(a s1sim.Agent) bool
	}{
		{"default leaves decommissioned out", map[string]any{}, live},
		{"active and connected", map[string]any{"isActive": "true", "networkStatuses": []string{"connected"}},
			func(a s1sim.Agent) bool { return live(a) && a.IsActive && a.NetworkStatus == "connected" }},
		{"not infected", map[string]any{"infected": "false"}, func(a s1sim.Agent) bool { return live(a) && !a.Infected }},
		{"memory in GB", map[string]any{"totalMemoryGB__gt": "16", "totalMemoryGB__lt": 40.5},
			func(a s1sim.Agent) bool { return live(a) && a.TotalMemory > 16*1024 && a.TotalMemory < 41472 }},
		{"cores", map[string]any{"coreCount__gt": 2, "coreCount__lt": "9"},
			func(a s1sim.Agent) bool { return live(a) && a.CoreCount > 2 && a.CoreCount < 9 }},
		{"decommissioned only", map[string]any{"isDecommissioned": "true"}, func(a s1sim.Agent) bool { return a.IsDecommissioned }},
		{"include decommissioned", map[string]any{"includeDecommissioned": true}, func(s1sim.Agent) bool { return true }},
		{"computer name like, any case", map[string]any{"computerName__like": "srv"},
			func(a s1sim.Agent) bool { return live(a) && strings.Contains(strings.ToLower(a.ComputerName), "srv") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.t = t
			want := ids(h.agents(tt.keep))
			require.NotEmpty(t, want, "the seeded fleet must exercise this filter")
			var got []map[string]any
			tt.params["limit"] = 1000
			h.ok("get_agents", tt.params, &got)
			assert.Equal(t, want, idsOf(t, got))
		})
	}
	t.Run("ids with spaces, exclusion, versions", func(t *testing.T) {
		h.t = t
		all := h.agents(live)
		give := []string{all[0].ID, all[1].ID, all[2].ID, all[3].ID}
		var got []map[string]any
		h.ok("get_agents", map[string]any{"ids": " " + strings.Join(give, " , "), "excludeIds": all[1].ID}, &got)
		assert.Equal(t, []string{all[0].ID, all[2].ID, all[3].ID}, idsOf(t, got))
		h.ok("get_agents", map[string]any{"agentVersions": all[0].AgentVersion, "limit": 1000}, &got)
		assert.Equal(t, ids(h.agents(func(a s1sim.Agent) bool { return live(a) && a.AgentVersion == all[0].AgentVersion })), idsOf(t, got))
	})
	t.Run("skip and limit", func(t *testing.T) {
		h.t = t
		want := ids(h.agents(live))
		var got []map[string]any
		h.ok("get_agents", map[string]any{"skip": 2, "limit": 3}, &got)
		assert.Equal(t, want[2:5], idsOf(t, got))
		h.ok("get_agents", map[string]any{"skip": 1, "limit": 3, "excludeIds": want[2]}, &got)
		assert.Equal(t, []string{want[1], want[3], want[4]}, idsOf(t, got), "skip and limit count agents that survive the exclusion")
	})
}

func testGetAgentCount(t *testing.T, h *harness) {
	h.t = t
	count := func(params map[string]any) int {
		var got struct{ Count int }
		h.ok("get_agent_count", params, &got)
		return got.Count
	}
	liveAgents := h.agents(live)
	assert.Equal(t, len(liveAgents), count(map[string]any{}))
	assert.Equal(t, len(h.agents(func(s1sim.Agent) bool { return true })), count(map[string]any{"includeDecommissioned": "true"}))
	linux := h.agents(func(a s1sim.Agent) bool { return live(a) && a.OSType == "linux" && a.CoreCount < 8 })
	assert.Equal(t, len(linux), count(map[string]any{"osTypes": "linux", "coreCount__lt": 8}))
	macOrWin := h.agents(func(a s1sim.Agent) bool { return live(a) && (a.OSType == "macos" || a.OSType == "windows") })
	assert.Equal(t, len(macOrWin), count(map[string]any{"osTypes": []string{"macos", "windows"}}))
	assert.Equal(t, len(liveAgents)-2, count(map[string]any{"excludeIds": liveAgents[0].ID + "," + liveAgents[5].ID}))
	assert.Equal(t, 1, count(map[string]any{"ids": liveAgents[0].ID + "," + liveAgents[1].ID, "excludeIds": liveAgents[1].ID + "," + liveAgents[9].ID}))
	assert.Equal(t, 4, count(map[string]any{"limit": 4}))
	assert.Equal(t, len(liveAgents)-3, count(map[string]any{"skip": 3}))
}

func testAgentAction(t *testing.T, h *harness) {
	tests := []struct {
		action   string
		endpoint string
		changed  func(a s1sim.Agent) bool
	}{
		{"Isolate Agent Network", "disconnect", func(a s1sim.Agent) bool { return a.NetworkStatus == "disconnected" }},
		{"Uninstall Agent", "uninstall", func(a s1sim.Agent) bool { return a.IsPendingUninstall }},
		{"Shutdown Agent", "shutdown", func(a s1sim.Agent) bool { return a.ShutdownRequested }},
		{"Decommission Agent", "decommission", func(a s1sim.Agent) bool { return a.IsDecommissioned }},
	}
	for i, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			h.t = t
			candidates := h.agents(func(a s1sim.Agent) bool {
				return live(a) && a.NetworkStatus == "connected" && !a.IsPendingUninstall && !a.ShutdownRequested
			})
			targets := []string{candidates[2*i].ID, candidates[2*i+1].ID}
			before := h.snapshot()
			h.warm()
			var got struct {
				AffectedAgents int              `json:"affected_agents"`
				AgentIDs       []string         `json:"agent_ids"`
				Agents         []map[string]any `json:"agents"`
			}
			h.ok("agent_action", map[string]any{"action": tt.action, "ids": strings.Join(targets, ", ")}, &got)
			assert.Equal(t, 2, got.AffectedAgents)
			assert.Equal(t, targets, got.AgentIDs)
			assert.Equal(t, targets, idsOf(t, got.Agents))
			for _, id := range targets {
				a, _ := h.sim.Sim.Agent(id)
				assert.True(t, tt.changed(a), "%s: agent %s not changed", tt.action, id)
			}
			h.requireUntouched(before, targets)
			for _, reported := range got.Agents {
				a, _ := h.sim.Sim.Agent(reported["id"].(string))
				assert.Equal(t, a.NetworkStatus, reported["networkStatus"], "agents must show the state after the action")
				assert.Equal(t, a.IsDecommissioned, reported["isDecommissioned"], "agents must show the state after the action")
			}
			c := h.calls()
			require.Len(t, c, 4, "resolve, population count, action, state after")
			assert.Equal(t, "GET", c[0].Method)
			assert.Equal(t, "/agents", c[0].Path)
			assert.Equal(t, strings.Join(targets, ","), c[0].Query.Get("ids"))
			assert.Equal(t, "false", c[0].Query.Get("isDecommissioned"))
			assert.Equal(t, "/agents/count", c[1].Path)
			assert.Equal(t, call{Method: "POST", Path: "/agents/actions/" + tt.endpoint,
				Body: `{"data":{},"filter":{"ids":["` + targets[0] + `","` + targets[1] + `"]}}`}, call{Method: c[2].Method, Path: c[2].Path, Body: c[2].Body})
			assert.Equal(t, "GET", c[3].Method)
			assert.Equal(t, strings.Join(targets, ","), c[3].Query.Get("ids"))
		})
	}
	t.Run("group ids", func(t *testing.T) {
		h.t = t
		group := h.agents(live)[0].GroupID
		members := ids(h.agents(func(a s1sim.Agent) bool { return live(a) && a.GroupID == group }))
		before := h.snapshot()
		var got struct {
			AffectedAgents int      `json:"affected_agents"`
			AgentIDs       []string `json:"agent_ids"`
		}
		h.ok("agent_action", map[string]any{"action": "Shutdown Agent", "groupIds": group}, &got)
		assert.Equal(t, members, got.AgentIDs)
		assert.Equal(t, len(members), got.AffectedAgents)
		h.requireUntouched(before, members)
	})
	t.Run("unknown ids fail and act on nothing", func(t *testing.T) {
		h.t = t
		h.reset()
		status, msg := h.fail("agent_action", map[string]any{"action": "Isolate Agent Network", "ids": "1"})
		assert.Equal(t, http.StatusNotFound, status)
		assert.Contains(t, msg, "none of the given agent ids exists: 1")
		for _, c := range h.calls() {
			assert.NotEqual(t, "POST", c.Method, "no action may be sent when nothing matched")
		}
	})
}

func testReconnect(t *testing.T, h *harness) {
	h.t = t
	isolated := ids(h.agents(func(a s1sim.Agent) bool { return live(a) && a.NetworkStatus == "disconnected" }))
	require.GreaterOrEqual(t, len(isolated), 3)
	spared := isolated[1]
	before := h.snapshot()
	var got struct {
		AffectedAgents int      `json:"affected_agents"`
		AgentIDs       []string `json:"agent_ids"`
	}
	h.ok("reconnect_agent_network", map[string]any{"networkStatuses": "disconnected", "excludeIds": spared}, &got)
	want := slices.DeleteFunc(slices.Clone(isolated), func(id string) bool { return id == spared })
	assert.Equal(t, want, got.AgentIDs)
	assert.Equal(t, len(want), got.AffectedAgents)
	for _, id := range want {
		a, _ := h.sim.Sim.Agent(id)
		assert.Equal(t, "connected", a.NetworkStatus)
	}
	a, _ := h.sim.Sim.Agent(spared)
	assert.Equal(t, "disconnected", a.NetworkStatus, "the excluded agent must stay isolated")
	h.requireUntouched(before, want)
}

func testCommission(t *testing.T, h *harness) {
	h.t = t
	decom := h.agents(func(a s1sim.Agent) bool { return a.IsDecommissioned })
	require.NotEmpty(t, decom)
	id := decom[0].ID
	h.warm()
	var got struct {
		Message string `json:"message"`
		AgentID string `json:"agent_id"`
	}
	h.ok("commission_agent", map[string]any{"agent_id": id}, &got)
	assert.Equal(t, "agent successfully recommissioned", got.Message)
	assert.Equal(t, id, got.AgentID)
	a, _ := h.sim.Sim.Agent(id)
	assert.False(t, a.IsDecommissioned)
	c := h.calls()
	require.Len(t, c, 3, "look-up, population count, recommission")
	assert.Equal(t, call{Method: "POST", Path: "/agents/" + id + "/recommission", Query: map[string][]string{}}, c[2])
}

func testAgentReads(t *testing.T, h *harness) {
	h.t = t
	agent := h.agents(live)[0]
	var pass struct {
		Passphrase   string `json:"passphrase"`
		AgentID      string `json:"agent_id"`
		ComputerName string `json:"computerName"`
	}
	h.ok("get_agent_passphrase", map[string]any{"agent_id": agent.ID}, &pass)
	assert.Equal(t, agent.Passphrase, pass.Passphrase)
	assert.Equal(t, agent.ComputerName, pass.ComputerName)
	_, msg := h.fail("get_agent_passphrase", map[string]any{"agent_id": "42"})
	assert.Contains(t, msg, "agent 42 not found")

	var apps []map[string]any
	h.ok("get_application_installed_on_agent", map[string]any{"agent_id": agent.ID}, &apps)
	assert.NotEmpty(t, apps)
	_, msg = h.fail("get_application_installed_on_agent", map[string]any{"agent_id": "42"})
	assert.Contains(t, msg, "agent 42 not found")

	var procs []map[string]any
	h.ok("list_of_process_running_on_agent", map[string]any{"agent_id": agent.ID}, &procs)
	if h.version == "2.1" {
		assert.Empty(t, procs, "API 2.1's processes endpoint is obsolete and answers an empty list")
	} else {
		require.NotEmpty(t, procs)
		assert.NotEmpty(t, procs[0]["process_name"])
		assert.Positive(t, procs[0]["pid"])
	}
}

func testFilterActions(t *testing.T, h *harness) {
	pick := func() []string {
		c := h.agents(func(a s1sim.Agent) bool {
			return live(a) && len(a.Messages) == 0 && a.LogsRequested == 0 && a.ScanStatus != "started"
		})
		return []string{c[0].ID, c[1].ID, c[2].ID}
	}
	tests := []struct {
		op      string
		extra   map[string]any
		changed func(a s1sim.Agent) bool
	}{
		{"broadcast_message_to_agent", map[string]any{"message": "Incident 4711: do not power off"}, func(a s1sim.Agent) bool {
			return slices.Contains(a.Messages, "Incident 4711: do not power off")
		}},
		{"initiate_agent_scan", nil, func(a s1sim.Agent) bool { return a.ScanStatus == "started" }},
		{"abort_agent_scan", nil, func(a s1sim.Agent) bool { return a.ScanStatus == "aborted" }},
		{"fetch_agent_logs", nil, func(a s1sim.Agent) bool { return a.LogsRequested == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			h.t = t
			three := pick()
			targets := three[:2]
			before := h.snapshot()
			params := map[string]any{"ids": strings.Join(three, ","), "excludeIds": three[2]}
			for k, v := range tt.extra {
				params[k] = v
			}
			var got struct {
				AffectedAgents int      `json:"affected_agents"`
				AgentIDs       []string `json:"agent_ids"`
			}
			h.ok(tt.op, params, &got)
			assert.Equal(t, targets, got.AgentIDs)
			assert.Equal(t, 2, got.AffectedAgents)
			for _, id := range targets {
				a, _ := h.sim.Sim.Agent(id)
				assert.True(t, tt.changed(a), "%s did not change agent %s", tt.op, id)
			}
			h.requireUntouched(before, targets)
		})
	}
}

func testThreats(t *testing.T, h *harness) {
	h.t = t
	threats := h.sim.Sim.Threats()
	require.NotEmpty(t, threats)
	th := threats[0]

	var hash struct {
		Hash string  `json:"hash"`
		Rank *string `json:"rank"`
	}
	h.ok("get_hash_details", map[string]any{"hash": strings.ToUpper(th.SHA1)}, &hash)
	assert.Equal(t, th.SHA1, hash.Hash)
	require.NotNil(t, hash.Rank)
	assert.Equal(t, strconv.Itoa(th.Rank), *hash.Rank)
	h.ok("get_hash_details", map[string]any{"hash": strings.Repeat("ab", 20)}, &hash)
	assert.Nil(t, hash.Rank, "a hash SentinelOne has no record of has no rank")

	var details map[string]any
	h.ok("get_threat_details", map[string]any{"threat_id": th.ID}, &details)
	assert.Equal(t, th.ID, details["id"])
	status, msg := h.fail("get_threat_details", map[string]any{"threat_id": "12345"})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, "threat 12345 not found")

	list := func(params map[string]any) []string {
		var got []map[string]any
		params["limit"] = 1000
		h.ok("list_all_threats", params, &got)
		return idsOf(t, got)
	}
	threatIDs := func(keep func(s1sim.Threat) bool) []string {
		var out []string
		for _, x := range threats {
			if keep(x) {
				out = append(out, x.ID)
			}
		}
		slices.Sort(out)
		return out
	}
	sorted := func(s []string) []string { slices.Sort(s); return s }
	assert.Equal(t, threatIDs(func(x s1sim.Threat) bool { return x.AgentID == th.AgentID }), sorted(list(map[string]any{"agent_id": th.AgentID})))
	assert.Equal(t, threatIDs(func(x s1sim.Threat) bool { return x.SHA1 == th.SHA1 }), sorted(list(map[string]any{"contentHash": th.SHA1})))
	fromScan := threatIDs(func(x s1sim.Threat) bool { return x.FromScan })
	require.NotEmpty(t, fromScan, "the seeded threats must include scan detections")
	assert.Equal(t, fromScan, sorted(list(map[string]any{"fromScan": "true"})))
	assert.Equal(t, threatIDs(func(x s1sim.Threat) bool { return !x.FromScan }), sorted(list(map[string]any{"fromScan": "false"})))
	assert.Equal(t, threatIDs(func(s1sim.Threat) bool { return true }), sorted(list(map[string]any{})))
	name := strings.ToLower(th.Name)
	assert.Equal(t, threatIDs(func(x s1sim.Threat) bool { return strings.Contains(strings.ToLower(x.Name), name) }), sorted(list(map[string]any{"threatName": th.Name})))
}

func testMitigate(t *testing.T, h *harness) {
	tests := []struct {
		action string
		path   string
	}{
		{"Kill", "kill"}, {"Quarantine", "quarantine"}, {"Un-Quarantine", "un-quarantine"},
		{"Remediate", "remediate"}, {"Rollback-Remediation", "rollback-remediation"},
	}
	threats := h.sim.Sim.Threats()
	for i, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			h.t = t
			target := threats[i+1]
			h.warm()
			var got struct {
				Affected  int      `json:"affected"`
				Message   string   `json:"message"`
				ThreatIDs []string `json:"threat_ids"`
			}
			h.ok("mitigate_threats", map[string]any{"action": tt.action, "threat_id": target.ID}, &got)
			assert.Equal(t, 1, got.Affected)
			assert.Equal(t, []string{target.ID}, got.ThreatIDs)
			assert.Contains(t, got.Message, tt.action)
			after, _ := h.sim.Sim.Threat(target.ID)
			require.NotEmpty(t, after.Actions)
			assert.Equal(t, tt.path, after.Actions[len(after.Actions)-1])
			for _, other := range h.sim.Sim.Threats() {
				if other.ID != target.ID {
					before := findThreat(threats, other.ID)
					assert.Equal(t, len(before.Actions), len(other.Actions), "threat %s must be untouched", other.ID)
				}
			}
			threats = h.sim.Sim.Threats()
			c := h.calls()
			require.Len(t, c, 3, "resolve, population count, action")
			assert.Equal(t, target.ID, c[0].Query.Get("ids"))
			assert.Equal(t, call{Method: "POST", Path: "/threats/mitigate/" + tt.path, Body: `{"data":{},"filter":{"ids":["` + target.ID + `"]}}`},
				call{Method: c[2].Method, Path: c[2].Path, Body: c[2].Body})
		})
	}
}

func findThreat(threats []s1sim.Threat, id string) s1sim.Threat {
	for _, t := range threats {
		if t.ID == id {
			return t
		}
	}
	return s1sim.Threat{}
}

func testBenign(t *testing.T, h *harness) {
	h.t = t
	threats := h.sim.Sim.Threats()
	target := threats[len(threats)-1]
	h.warm()
	var got struct {
		Affected  int      `json:"affected"`
		ThreatIDs []string `json:"threat_ids"`
	}
	h.ok("mark_threat_as_benign", map[string]any{"threat_id": target.ID}, &got)
	assert.Equal(t, 1, got.Affected)
	after, _ := h.sim.Sim.Threat(target.ID)
	c := h.calls()
	require.Len(t, c, 3, "resolve, population count, action")
	if h.version == "2.0" {
		assert.True(t, after.MarkedAsBenign)
		assert.Equal(t, "/threats/mark-as-benign", c[2].Path)
	} else {
		assert.Equal(t, "false_positive", after.AnalystVerdict)
		assert.Equal(t, "/threats/analyst-verdict", c[2].Path)
		assert.Equal(t, `{"data":{"analystVerdict":"false_positive"},"filter":{"ids":["`+target.ID+`"]}}`, c[2].Body)
	}
}
