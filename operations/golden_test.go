package operations_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// TestGoldenRequests pins the exact SentinelOne requests of every operation for a
// representative input (API 2.1, warm token).
func TestGoldenRequests(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	agents := h.agents(live)
	a1, a2 := agents[0].ID, agents[1].ID
	threat := h.sim.Sim.Threats()[0]
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	resolve := func(idList string) call {
		return call{Method: "GET", Path: "/agents", Query: q("ids", idList, "isDecommissioned", "false", "limit", "1000")}
	}
	ids2 := `{"ids":["` + a1 + `","` + a2 + `"]}`
	// population is the count behind the whole-population guard of every agent action.
	population := call{Method: "GET", Path: "/agents/count", Query: q("isDecommissioned", "false")}
	threatPopulation := call{Method: "GET", Path: "/threats", Query: q("limit", "1")}
	gone := h.agents(func(a s1sim.Agent) bool { return a.IsDecommissioned })[0].ID
	tests := []struct {
		op     string
		params map[string]any
		want   []call
	}{
		{"get_agents", map[string]any{"totalMemoryGB__gt": 7.5, "coreCount__lt": 16, "isActive": "true", "networkStatuses": "connected,connecting", "computerName__like": "FIN", "limit": 5, "skip": 1},
			[]call{{Method: "GET", Path: "/agents", Query: q("totalMemory__gt", "7680", "coreCount__lt", "16", "isActive", "true",
				"networkStatuses", "connected,connecting", "computerName__like", "FIN", "isDecommissioned", "false", "limit", "5", "skip", "1")}}},
		{"get_agent_count", map[string]any{"osTypes": []string{"windows", "linux"}, "infected": "true", "agentVersions": "23.4.2.14, 22.3.4.7", "isDecommissioned": "Any", "includeDecommissioned": true},
			[]call{{Method: "GET", Path: "/agents/count", Query: q("osTypes", "windows,linux", "infected", "true", "agentVersions", "23.4.2.14,22.3.4.7")}}},
		{"agent_action", map[string]any{"action": "Isolate Agent Network", "ids": a1 + "," + a2},
			[]call{resolve(a1 + "," + a2), population, {Method: "POST", Path: "/agents/actions/disconnect", Body: `{"data":{},"filter":` + ids2 + `}`},
				{Method: "GET", Path: "/agents", Query: q("ids", a1+","+a2, "isDecommissioned", "false,true", "limit", "1000")}}},
		{"reconnect_agent_network", map[string]any{"ids": a1 + "," + a2},
			[]call{resolve(a1 + "," + a2), population, {Method: "POST", Path: "/agents/actions/connect", Body: `{"data":{},"filter":` + ids2 + `}`}}},
		{"broadcast_message_to_agent", map[string]any{"ids": a1 + "," + a2, "message": "Patch tonight"},
			[]call{resolve(a1 + "," + a2), population, {Method: "POST", Path: "/agents/actions/broadcast", Body: `{"data":{"message":"Patch tonight"},"filter":` + ids2 + `}`}}},
		{"initiate_agent_scan", map[string]any{"ids": a1 + "," + a2},
			[]call{resolve(a1 + "," + a2), population, {Method: "POST", Path: "/agents/actions/initiate-scan", Body: `{"data":{},"filter":` + ids2 + `}`}}},
		{"abort_agent_scan", map[string]any{"ids": a1 + "," + a2},
			[]call{resolve(a1 + "," + a2), population, {Method: "POST", Path: "/agents/actions/abort-scan", Body: `{"data":{},"filter":` + ids2 + `}`}}},
		{"fetch_agent_logs", map[string]any{"ids": a1 + "," + a2},
			[]call{resolve(a1 + "," + a2), population, {Method: "POST", Path: "/agents/actions/fetch-logs", Body: `{"data":{"agentLogs":true},"filter":` + ids2 + `}`}}},
		{"get_agent_passphrase", map[string]any{"agent_id": a1},
			[]call{{Method: "GET", Path: "/agents/passphrases", Query: q("ids", a1, "limit", "1")}}},
		{"get_application_installed_on_agent", map[string]any{"agent_id": a1},
			[]call{{Method: "GET", Path: "/agents/applications", Query: q("ids", a1)}}},
		{"list_of_process_running_on_agent", map[string]any{"agent_id": a1},
			[]call{{Method: "GET", Path: "/agents/processes", Query: q("ids", a1)},
				{Method: "GET", Path: "/agents/count", Query: q("ids", a1, "isDecommissioned", "true,false")}}},
		{"get_hash_details", map[string]any{"hash": strings.ToUpper(threat.SHA1)},
			[]call{{Method: "GET", Path: "/hashes/" + threat.SHA1 + "/reputation", Query: url.Values{}}}},
		{"get_threat_details", map[string]any{"threat_id": threat.ID},
			[]call{{Method: "GET", Path: "/threats", Query: q("ids", threat.ID, "limit", "1")}}},
		{"list_all_threats", map[string]any{"contentHash": threat.SHA1, "threatName": "Trojan", "agent_id": threat.AgentID, "fromScan": "true", "limit": 20},
			[]call{{Method: "GET", Path: "/threats", Query: q("contentHashes", threat.SHA1, "displayName", "Trojan", "agentIds", threat.AgentID,
				"initiatedBy", "full_disk_scan,on_demand_scan", "limit", "20")}}},
		{"mitigate_threats", map[string]any{"action": "Quarantine", "threat_id": threat.ID},
			[]call{{Method: "GET", Path: "/threats", Query: q("ids", threat.ID, "limit", "1000")}, threatPopulation,
				{Method: "POST", Path: "/threats/mitigate/quarantine", Body: `{"data":{},"filter":{"ids":["` + threat.ID + `"]}}`}}},
		{"mark_threat_as_benign", map[string]any{"threat_id": threat.ID},
			[]call{{Method: "GET", Path: "/threats", Query: q("ids", threat.ID, "limit", "1000")}, threatPopulation,
				{Method: "POST", Path: "/threats/analyst-verdict", Body: `{"data":{"analystVerdict":"false_positive"},"filter":{"ids":["` + threat.ID + `"]}}`}}},
		{"commission_agent", map[string]any{"agent_id": gone},
			[]call{{Method: "GET", Path: "/agents", Query: q("ids", gone, "isDecommissioned", "false,true", "limit", "1")},
				{Method: "GET", Path: "/agents/count", Query: q("isDecommissioned", "false,true")},
				{Method: "POST", Path: "/agents/" + gone + "/recommission", Query: url.Values{}}}},
	}
	require.Len(t, tests, 17, "one golden case per operation")
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			h.t = t
			h.warm()
			h.ok(tt.op, tt.params, nil)
			got := h.calls()
			for i := range got {
				if got[i].Method == "POST" && len(got[i].Query) == 0 && tt.want[i].Query == nil {
					got[i].Query = nil
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestDestructiveGuards sends every destructive operation with nothing that narrows its
// selection: each is refused with a 400 naming the narrowing params, and SentinelOne sees
// no request at all.
func TestDestructiveGuards(t *testing.T) {
	h := newHarness(t, mode{"2.1", false}, s1sim.Options{})
	agentNarrowing := "ids, computerName__like, agentVersions, osTypes, networkStatuses, totalMemoryGB__lt, totalMemoryGB__gt, coreCount__lt, coreCount__gt, isActive, infected, isDecommissioned"
	tests := []struct {
		op     string
		params map[string]any
		want   string
	}{
		{"agent_action", map[string]any{"action": "Uninstall Agent", "isUninstalled": "Any"}, "at least one of ids, groupIds"},
		{"agent_action", map[string]any{"action": "Shutdown Agent", "ids": " , "}, "ids: item 1 is blank"},
		{"reconnect_agent_network", map[string]any{}, agentNarrowing},
		{"reconnect_agent_network", map[string]any{"includeDecommissioned": true, "skip": 3, "limit": 10, "excludeIds": "1,2"}, agentNarrowing},
		{"broadcast_message_to_agent", map[string]any{"message": "hello", "isActive": "Any", "osTypes": []string{}}, agentNarrowing},
		{"initiate_agent_scan", map[string]any{"computerName__like": "  "}, agentNarrowing},
		{"abort_agent_scan", map[string]any{}, agentNarrowing},
		{"fetch_agent_logs", map[string]any{"infected": "Any"}, agentNarrowing},
		{"mitigate_threats", map[string]any{"action": "Kill"}, "at least one of threat_id, contentHash, threatName, agent_id"},
		{"mitigate_threats", map[string]any{"action": "Rollback-Remediation", "limit": 1, "fromScan": "false"}, "at least one of threat_id, contentHash, threatName, agent_id"},
		{"mark_threat_as_benign", map[string]any{"skip": 0}, "at least one of threat_id, contentHash, threatName, agent_id"},
		{"commission_agent", map[string]any{}, "narrow the selection with at least one of agent_id, endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			h.t = t
			h.reset()
			status, msg := h.fail(tt.op, tt.params)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Contains(t, msg, tt.want)
			assert.Empty(t, h.sim.Sim.Requests(), "a refused action must not reach SentinelOne")
		})
	}
}

// TestPagingPastTheCaps serves a limit above SentinelOne's page cap and a skip above its skip
// cap by walking the cursor.
func TestPagingPastTheCaps(t *testing.T) {
	t.Parallel() // slow, and shares nothing with other tests
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{Agents: 2600, Threats: 5})
	want := ids(h.agents(live))
	require.Greater(t, len(want), 2300)
	h.warm()
	var got []map[string]any
	h.ok("get_agents", map[string]any{"limit": 1500}, &got)
	assert.Equal(t, want[:1500], idsOf(t, got))
	pages := h.calls()
	require.Len(t, pages, 2)
	assert.Equal(t, "1000", pages[0].Query.Get("limit"))
	assert.NotEmpty(t, pages[1].Query.Get("cursor"))
	assert.Empty(t, pages[1].Query.Get("skip"), "never skip together with a cursor")

	h.reset()
	h.ok("get_agents", map[string]any{"skip": 1200, "limit": 50}, &got)
	assert.Equal(t, want[1200:1250], idsOf(t, got))
	for _, c := range h.calls() {
		if skip := c.Query.Get("skip"); skip != "" {
			n, err := strconv.Atoi(skip)
			require.NoError(t, err)
			assert.LessOrEqual(t, n, 1000, "skip above SentinelOne's cap")
		}
	}

	h.ok("get_agents", map[string]any{"skip": 100, "limit": 2000, "excludeIds": want[150]}, &got)
	wantIDs := append(append([]string{}, want[100:150]...), want[151:2101]...)
	assert.Equal(t, wantIDs, idsOf(t, got))
}

// TestCommissionUnsupported: a console without the legacy recommission endpoint makes the
// operation fail with an explanation, never a reported success.
func TestCommissionUnsupported(t *testing.T) {
	h := newHarness(t, mode{"2.1", false}, s1sim.Options{DisableRecommission: true})
	decom := h.agents(func(a s1sim.Agent) bool { return a.IsDecommissioned })
	require.NotEmpty(t, decom)
	status, msg := h.fail("commission_agent", map[string]any{"agent_id": decom[0].ID})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, "recommissioned automatically when it next checks in")
	a, _ := h.sim.Sim.Agent(decom[0].ID)
	assert.True(t, a.IsDecommissioned)
}

// TestReadOnlyUser: SentinelOne's 403 reaches the playbook author as an actionable message.
func TestReadOnlyUser(t *testing.T) {
	h := newHarness(t, mode{"2.1", false}, s1sim.Options{})
	h.app.Clients.Close()
	cfg, err := h.app.Connector.Configs().Resolve(t.Context(), "")
	require.NoError(t, err)
	cfg.Values["username"], cfg.Values["password"] = s1sim.ViewerUser, s1sim.ViewerPassword
	id := h.agents(live)[0].ID
	status, msg := h.fail("agent_action", map[string]any{"action": "Isolate Agent Network", "ids": id})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, strings.ToLower(msg), "permission")
	a, _ := h.sim.Sim.Agent(id)
	assert.Equal(t, "connected", a.NetworkStatus)
}
