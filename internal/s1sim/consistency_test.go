package s1sim

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apiAgents returns every agent as GET /agents serves it, by id.
func apiAgents(t *testing.T, e *env) map[string]map[string]any {
	t.Helper()
	var body struct {
		Data []map[string]any `json:"data"`
	}
	e.get(agentsPath, url.Values{"limit": {"1000"}}).json(t, &body)
	out := map[string]map[string]any{}
	for _, a := range body.Data {
		out[a["id"].(string)] = a
	}
	return out
}

// apiThreats returns every threat as GET /threats serves it on version v.
func apiThreats(t *testing.T, e *env, v string) []map[string]any {
	t.Helper()
	var body struct {
		Data []map[string]any `json:"data"`
	}
	e.get("/web/api/"+v+"/threats", url.Values{"limit": {"1000"}}).json(t, &body)
	return body.Data
}

func obj(v any) map[string]any { return v.(map[string]any) }

// activeCounts counts, per agent id, the threats GET /threats shows as
// active: not mitigated and not resolved.
func activeCounts(threats []map[string]any) map[string]int {
	out := map[string]int{}
	for _, th := range threats {
		ti := obj(th["threatInfo"])
		if ti["mitigationStatus"] == "not_mitigated" && ti["incidentStatus"] != "resolved" {
			out[obj(th["agentRealtimeInfo"])["agentId"].(string)]++
		}
	}
	return out
}

// requireConsistent checks, over the API only, that every agent's
// activeThreats and infected agree with its threats, and that every
// threat's agent fields are those of its agent.
func requireConsistent(t *testing.T, e *env) {
	t.Helper()
	agents := apiAgents(t, e)
	threats := apiThreats(t, e, v21)
	counts := activeCounts(threats)
	infected := 0
	for id, a := range agents {
		n := counts[id]
		require.Equal(t, float64(n), a["activeThreats"], "agent %s activeThreats", id)
		require.Equal(t, n > 0, a["infected"], "agent %s infected", id)
		if n > 0 {
			infected++
		}
	}
	require.Positive(t, infected)
	realtime := map[string]string{
		"agentId": "id", "agentComputerName": "computerName", "agentUuid": "uuid", "agentDomain": "domain",
		"agentMachineType": "machineType", "agentOsType": "osType", "agentOsName": "osName",
		"agentOsRevision": "osRevision", "agentVersion": "agentVersion", "agentMitigationMode": "mitigationMode",
		"agentNetworkStatus": "networkStatus", "agentIsActive": "isActive",
		"agentIsDecommissioned": "isDecommissioned", "agentInfected": "infected", "activeThreats": "activeThreats",
		"operationalState": "operationalState", "scanStatus": "scanStatus", "scanStartedAt": "scanStartedAt",
		"scanFinishedAt": "scanFinishedAt", "scanAbortedAt": "scanAbortedAt", "siteId": "siteId",
		"siteName": "siteName", "groupId": "groupId", "groupName": "groupName", "accountId": "accountId",
		"accountName": "accountName", "rebootRequired": "threatRebootRequired",
		"userActionsNeeded": "userActionsNeeded",
	}
	detection := map[string]string{
		"agentUuid": "uuid", "agentVersion": "agentVersion", "agentOsName": "osName",
		"agentOsRevision": "osRevision", "externalIp": "externalIp", "agentDomain": "domain",
		"agentLastLoggedInUserName": "lastLoggedInUserName", "agentMitigationMode": "mitigationMode",
		"agentRegisteredAt": "registeredAt", "siteId": "siteId", "siteName": "siteName", "groupId": "groupId",
		"groupName": "groupName", "accountId": "accountId", "accountName": "accountName",
	}
	for _, th := range threats {
		rt := obj(th["agentRealtimeInfo"])
		a, ok := agents[rt["agentId"].(string)]
		require.True(t, ok, "threat %s names a listed agent", th["id"])
		for tk, ak := range realtime {
			require.Equal(t, a[ak], rt[tk], "threat %s agentRealtimeInfo.%s = agent.%s", th["id"], tk, ak)
		}
		di := obj(th["agentDetectionInfo"])
		for tk, ak := range detection {
			require.Equal(t, a[ak], di[tk], "threat %s agentDetectionInfo.%s = agent.%s", th["id"], tk, ak)
		}
		nic := obj(a["networkInterfaces"].([]any)[0])
		require.Equal(t, nic["inet"].([]any)[0], di["agentIpV4"])
		require.Equal(t, a["isDecommissioned"] == true, rt["agentDecommissionedAt"] == true)
	}
	for _, th := range apiThreats(t, e, v20) {
		a := agents[th["agentId"].(string)]
		for tk, ak := range map[string]string{
			"agentComputerName": "computerName", "agentOsType": "osType", "agentDomain": "domain",
			"agentIsActive": "isActive", "agentIsDecommissioned": "isDecommissioned", "agentInfected": "infected",
			"agentNetworkStatus": "networkStatus", "agentMachineType": "machineType", "agentVersion": "agentVersion",
			"siteId": "siteId", "siteName": "siteName", "accountId": "accountId", "accountName": "accountName",
			"mitigationMode": "mitigationMode",
		} {
			require.Equal(t, a[ak], th[tk], "v2.0 threat %s %s = agent.%s", th["id"], tk, ak)
		}
	}
}

func TestAgentsAgreeWithTheirThreats(t *testing.T) {
	for _, opts := range []Options{{}, {Agents: 1000, Threats: 400, Seed: 7}} {
		requireConsistent(t, newEnv(t, opts))
	}
}

// TestMitigationUpdatesInfected mitigates every active threat of one
// infected agent, then brings one back, checking the agent each time.
func TestMitigationUpdatesInfected(t *testing.T) {
	e := newEnv(t, Options{})
	var agent Agent
	var active []string
	for _, a := range e.sim.Agents() {
		if a.ActiveThreats < 2 {
			continue
		}
		agent = a
		for _, th := range e.sim.Threats() {
			if th.AgentID == a.ID && th.active() {
				active = append(active, th.ID)
			}
		}
		break
	}
	require.NotEmpty(t, agent.ID, "the default fleet has an agent with two active threats")
	require.Len(t, active, agent.ActiveThreats)
	require.True(t, agent.Infected)

	get := func() map[string]any { return apiAgents(t, e)[agent.ID] }
	mitigate := func(action string, ids ...string) {
		r := e.post(threatsPath+"/mitigate/"+action, map[string]any{"filter": map[string]any{"ids": ids}})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	}

	mitigate("kill", active[0])
	assert.Equal(t, float64(len(active)-1), get()["activeThreats"])
	assert.Equal(t, true, get()["infected"])
	requireConsistent(t, e)

	mitigate("quarantine", active[1:]...)
	assert.Equal(t, float64(0), get()["activeThreats"])
	assert.Equal(t, false, get()["infected"])
	var body struct {
		Data []struct {
			AgentRealtimeInfo map[string]any `json:"agentRealtimeInfo"`
		} `json:"data"`
	}
	e.get(threatsPath, url.Values{"ids": {active[0]}}).json(t, &body)
	require.Len(t, body.Data, 1)
	assert.Equal(t, false, body.Data[0].AgentRealtimeInfo["agentInfected"], "the threat shows the agent's new state")
	requireConsistent(t, e)

	mitigate("un-quarantine", active[1])
	assert.Equal(t, float64(1), get()["activeThreats"])
	assert.Equal(t, true, get()["infected"])
	requireConsistent(t, e)

	// Marking as benign on v2.0 ends the threat too.
	r := e.post("/web/api/v2.0/threats/mark-as-benign", map[string]any{"filter": map[string]any{"ids": []string{active[1]}}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, false, get()["infected"])
	requireConsistent(t, e)
}

// TestSameSeedSameAnswers compares whole API answers of two simulators.
func TestSameSeedSameAnswers(t *testing.T) {
	a, b := newEnv(t, Options{Seed: 9}), newEnv(t, Options{Seed: 9})
	for _, path := range []string{agentsPath + "?limit=1000", threatsPath + "?limit=1000", "/web/api/v2.0/threats?limit=1000"} {
		ra, rb := a.do(http.MethodGet, path, nil, ""), b.do(http.MethodGet, path, nil, "")
		require.Equal(t, http.StatusOK, ra.status)
		assert.Equal(t, string(ra.body), string(rb.body), path)
	}
}

// TestAgentListShowsActions: GET /agents shows every change at once (the
// simulator caches each agent's JSON between changes).
func TestAgentListShowsActions(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.sim.Agents()[3]
	require.Equal(t, a.NetworkStatus, apiAgents(t, e)[a.ID]["networkStatus"])
	for _, step := range []struct{ action, wantStatus string }{{"disconnect", "disconnected"}, {"connect", "connected"}} {
		r := e.post(agentsPath+"/actions/"+step.action, map[string]any{"filter": map[string]any{"ids": []string{a.ID}}})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		got := apiAgents(t, e)[a.ID]
		assert.Equal(t, step.wantStatus, got["networkStatus"])
		assert.Equal(t, step.action == "disconnect", got["networkQuarantineEnabled"])
	}
	r := e.post(agentsPath+"/actions/initiate-scan", map[string]any{"filter": map[string]any{"ids": []string{a.ID}}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	got := apiAgents(t, e)[a.ID]
	assert.Equal(t, "started", got["scanStatus"])
	assert.NotNil(t, got["scanStartedAt"])
	assert.Nil(t, got["scanFinishedAt"])
	r = e.post(agentsPath+"/actions/abort-scan", map[string]any{"filter": map[string]any{"ids": []string{a.ID}}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	aborted := apiAgents(t, e)[a.ID]
	assert.Equal(t, "aborted", aborted["scanStatus"])
	assert.Equal(t, got["scanStartedAt"], aborted["scanStartedAt"], "abort keeps the start")
	assert.NotNil(t, aborted["scanAbortedAt"])
}
