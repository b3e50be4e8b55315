package s1sim

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const agentsPath = "/web/api/v2.1/agents"

// filterCase is one agent filter as query values and as an action filter,
// with the expectation computed independently from the fleet.
type filterCase struct {
	name      string
	giveQuery url.Values
	giveJSON  map[string]any
	want      func(*Agent) bool
}

func agentFilterCases(all []Agent) []filterCase {
	idA, idB, idC := all[3].ID, all[10].ID, all[42].ID
	return []filterCase{
		{
			name:      "ids",
			giveQuery: url.Values{"ids": {idA + "," + idB + "," + idC}},
			giveJSON:  map[string]any{"ids": []string{idA, idB, idC}},
			want:      func(a *Agent) bool { return a.ID == idA || a.ID == idB || a.ID == idC },
		},
		{
			name:      "memory less than 8 GB",
			giveQuery: url.Values{"totalMemory__lt": {"8192"}},
			giveJSON:  map[string]any{"totalMemory__lt": 8192},
			want:      func(a *Agent) bool { return a.TotalMemory < 8192 },
		},
		{
			name:      "memory greater than 16 GB",
			giveQuery: url.Values{"totalMemory__gt": {"16384"}},
			giveJSON:  map[string]any{"totalMemory__gt": 16384},
			want:      func(a *Agent) bool { return a.TotalMemory > 16384 },
		},
		{
			name:      "memory lte and gte",
			giveQuery: url.Values{"totalMemory__gte": {"4096"}, "totalMemory__lte": {"16384"}},
			giveJSON:  map[string]any{"totalMemory__gte": 4096, "totalMemory__lte": 16384},
			want:      func(a *Agent) bool { return a.TotalMemory >= 4096 && a.TotalMemory <= 16384 },
		},
		{
			name:      "cores less than 4",
			giveQuery: url.Values{"coreCount__lt": {"4"}},
			giveJSON:  map[string]any{"coreCount__lt": 4},
			want:      func(a *Agent) bool { return a.CoreCount < 4 },
		},
		{
			name:      "cores greater than 8",
			giveQuery: url.Values{"coreCount__gt": {"8"}},
			giveJSON:  map[string]any{"coreCount__gt": "8"},
			want:      func(a *Agent) bool { return a.CoreCount > 8 },
		},
		{
			name:      "cores gte and lte",
			giveQuery: url.Values{"coreCount__gte": {"4"}, "coreCount__lte": {"8"}},
			giveJSON:  map[string]any{"coreCount__gte": 4, "coreCount__lte": 8},
			want:      func(a *Agent) bool { return a.CoreCount >= 4 && a.CoreCount <= 8 },
		},
		{
			name:      "active",
			giveQuery: url.Values{"isActive": {"true"}},
			giveJSON:  map[string]any{"isActive": true},
			want:      func(a *Agent) bool { return a.IsActive },
		},
		{
			name:      "inactive, capitalised",
			giveQuery: url.Values{"isActive": {"False"}},
			giveJSON:  map[string]any{"isActive": "False"},
			want:      func(a *Agent) bool { return !a.IsActive },
		},
		{
			name:      "infected",
			giveQuery: url.Values{"infected": {"TRUE"}},
			giveJSON:  map[string]any{"infected": []bool{true}},
			want:      func(a *Agent) bool { return a.Infected },
		},
		{
			name:      "decommissioned",
			giveQuery: url.Values{"isDecommissioned": {"true"}},
			giveJSON:  map[string]any{"isDecommissioned": []bool{true}},
			want:      func(a *Agent) bool { return a.IsDecommissioned },
		},
		{
			name:      "not decommissioned",
			giveQuery: url.Values{"isDecommissioned": {"false"}},
			giveJSON:  map[string]any{"isDecommissioned": []bool{false}},
			want:      func(a *Agent) bool { return !a.IsDecommissioned },
		},
		{
			name:      "decommissioned either",
			giveQuery: url.Values{"isDecommissioned": {"true,false"}},
			giveJSON:  map[string]any{"isDecommissioned": []bool{true, false}},
			want:      func(*Agent) bool { return true },
		},
		{
			name:      "uninstalled",
			giveQuery: url.Values{"isUninstalled": {"true"}},
			giveJSON:  map[string]any{"isUninstalled": []bool{true}},
			want:      func(a *Agent) bool { return a.IsUninstalled },
		},
		{
			name:      "computer name like, any case",
			giveQuery: url.Values{"computerName__like": {"laptop-00"}},
			giveJSON:  map[string]any{"computerName__like": "laptop-00"},
			want:      func(a *Agent) bool { return strings.Contains(a.ComputerName, "LAPTOP-00") },
		},
		{
			name:      "agent versions",
			giveQuery: url.Values{"agentVersions": {"23.4.2.14,21.7.5.1"}},
			giveJSON:  map[string]any{"agentVersions": []string{"23.4.2.14", "21.7.5.1"}},
			want:      func(a *Agent) bool { return a.AgentVersion == "23.4.2.14" || a.AgentVersion == "21.7.5.1" },
		},
		{
			name:      "os types",
			giveQuery: url.Values{"osTypes": {"macos,linux"}},
			giveJSON:  map[string]any{"osTypes": []string{"macos", "linux"}},
			want:      func(a *Agent) bool { return a.OSType == "macos" || a.OSType == "linux" },
		},
		{
			name:      "network statuses",
			giveQuery: url.Values{"networkStatuses": {"disconnected,connecting"}},
			giveJSON:  map[string]any{"networkStatuses": []string{"disconnected", "connecting"}},
			want:      func(a *Agent) bool { return a.NetworkStatus == "disconnected" || a.NetworkStatus == "connecting" },
		},
		{
			name:      "group ids",
			giveQuery: url.Values{"groupIds": {all[0].GroupID}},
			giveJSON:  map[string]any{"groupIds": []string{all[0].GroupID}},
			want:      func(a *Agent) bool { return a.GroupID == all[0].GroupID },
		},
		{
			name:      "site ids",
			giveQuery: url.Values{"siteIds": {all[0].SiteID}},
			giveJSON:  map[string]any{"siteIds": all[0].SiteID},
			want:      func(a *Agent) bool { return a.SiteID == all[0].SiteID },
		},
		{
			name:      "scan statuses",
			giveQuery: url.Values{"scanStatuses": {"started,aborted"}},
			giveJSON:  map[string]any{"scanStatuses": []string{"started", "aborted"}},
			want:      func(a *Agent) bool { return a.ScanStatus == "started" || a.ScanStatus == "aborted" },
		},
		{
			name:      "unknown key is ignored",
			giveQuery: url.Values{"osTypes": {"windows"}, "noSuchFilter": {"x"}, "idsNin": {all[0].ID}},
			giveJSON:  map[string]any{"osTypes": []string{"windows"}, "noSuchFilter": "x", "idsNin": []string{all[0].ID}},
			want:      func(a *Agent) bool { return a.OSType == "windows" },
		},
		{
			name: "combined",
			giveQuery: url.Values{
				"isActive": {"true"}, "isDecommissioned": {"false"}, "osTypes": {"windows"},
				"totalMemory__gt": {"4096"}, "coreCount__lt": {"16"}, "networkStatuses": {"connected"},
				"agentVersions": {"23.4.2.14,22.3.4.7"}, "computerName__like": {"-"},
			},
			giveJSON: map[string]any{
				"isActive": true, "isDecommissioned": []bool{false}, "osTypes": []string{"windows"},
				"totalMemory__gt": 4096, "coreCount__lt": 16, "networkStatuses": []string{"connected"},
				"agentVersions": []string{"23.4.2.14", "22.3.4.7"}, "computerName__like": "-",
			},
			want: func(a *Agent) bool {
				return a.IsActive && !a.IsDecommissioned && a.OSType == "windows" && a.TotalMemory > 4096 &&
					a.CoreCount < 16 && a.NetworkStatus == "connected" &&
					(a.AgentVersion == "23.4.2.14" || a.AgentVersion == "22.3.4.7")
			},
		},
	}
}

func TestAgentFilters(t *testing.T) {
	e := newEnv(t, Options{Agents: 400})
	all := e.sim.Agents()
	tests := append(agentFilterCases(all), rangeAgentCases(t, all)...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := ids(filterAgents(all, tt.want), agentID)
			require.NotEmpty(t, want, "the case must match something")

			q := url.Values{"limit": {"1000"}}
			for k, v := range tt.giveQuery {
				q[k] = v
			}
			var list idList
			r := e.get(agentsPath, q)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.json(t, &list)
			got := make([]string, len(list.Data))
			for i, d := range list.Data {
				got[i] = d.ID
			}
			assert.Equal(t, want, got)
			assert.Equal(t, len(want), list.Pagination.TotalItems)
			assert.Nil(t, list.Pagination.NextCursor)

			var count struct {
				Data struct {
					Total int `json:"total"`
				} `json:"data"`
			}
			r = e.get(agentsPath+"/count", tt.giveQuery)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.json(t, &count)
			assert.Equal(t, len(want), count.Data.Total)

			// The same filter in an action body matches the same agents.
			r = e.post(agentsPath+"/actions/fetch-logs", map[string]any{"filter": tt.giveJSON})
			var affected struct {
				Data struct {
					Affected int `json:"affected"`
				} `json:"data"`
			}
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.json(t, &affected)
			assert.Equal(t, len(want), affected.Data.Affected)
		})
	}
}

func TestAgentFilterErrors(t *testing.T) {
	e := newEnv(t, Options{})
	tests := []struct {
		name string
		give url.Values
	}{
		{"limit above cap", url.Values{"limit": {"1001"}}},
		{"limit zero", url.Values{"limit": {"0"}}},
		{"limit not a number", url.Values{"limit": {"ten"}}},
		{"skip above cap", url.Values{"skip": {"1001"}}},
		{"skip negative", url.Values{"skip": {"-1"}}},
		{"bad boolean", url.Values{"isActive": {"yes"}}},
		{"bad number", url.Values{"totalMemory__lt": {"lots"}}},
		{"bad cursor", url.Values{"cursor": {"%%%"}}},
		{"threat cursor on agents", url.Values{"cursor": {encodeCursor("threat_id", "1428000000000000001")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireError(t, e.get(agentsPath, tt.give), http.StatusBadRequest, 4000010)
		})
	}
	t.Run("limit 1000 is fine", func(t *testing.T) {
		r := e.get(agentsPath, url.Values{"limit": {"1000"}, "skip": {"1000"}})
		assert.Equal(t, http.StatusOK, r.status)
	})
}

func TestAgentsDefaultPageAndSkip(t *testing.T) {
	e := newEnv(t, Options{})
	all := e.sim.Agents()
	var list agentList
	e.get(agentsPath, nil).json(t, &list)
	assert.Equal(t, ids(all[:10], agentID), ids(list.Data, agentID))
	assert.Equal(t, len(all), list.Pagination.TotalItems)
	require.NotNil(t, list.Pagination.NextCursor)

	e.get(agentsPath, url.Values{"skip": {"15"}, "limit": {"5"}}).json(t, &list)
	assert.Equal(t, ids(all[15:20], agentID), ids(list.Data, agentID))

	// With a cursor, skip is ignored.
	cur := encodeCursor("agent_id", all[4].ID)
	e.get(agentsPath, url.Values{"skip": {"50"}, "limit": {"3"}, "cursor": {cur}}).json(t, &list)
	assert.Equal(t, ids(all[5:8], agentID), ids(list.Data, agentID))

	// Descending order by id.
	e.get(agentsPath, url.Values{"sortBy": {"id"}, "sortOrder": {"desc"}, "limit": {"2"}}).json(t, &list)
	assert.Equal(t, []string{all[len(all)-1].ID, all[len(all)-2].ID}, ids(list.Data, agentID))

	// countOnly returns no objects but the total.
	e.get(agentsPath, url.Values{"countOnly": {"true"}}).json(t, &list)
	assert.Empty(t, list.Data)
	assert.Equal(t, len(all), list.Pagination.TotalItems)
}

func TestAgentsCursorVisitsEveryAgentOnce(t *testing.T) {
	// Several pages past the skip cap of 1000; agents are ~3 KB of JSON each.
	e := newEnv(t, Options{Agents: 4500, Threats: 10})
	all := e.sim.Agents()
	tests := []struct {
		name      string
		giveQuery url.Values
		want      []Agent
	}{
		{"whole fleet", url.Values{}, all},
		{"filtered", url.Values{"osTypes": {"linux"}}, filterAgents(all, func(a *Agent) bool { return a.OSType == "linux" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seen := map[string]int{}
			var order []string
			cursor := ""
			pages := 0
			for {
				q := url.Values{"limit": {"1000"}}
				for k, v := range tt.giveQuery {
					q[k] = v
				}
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				var list idList // decode ids only: keeps the test fast under -race
				r := e.get(agentsPath, q)
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				r.json(t, &list)
				require.Equal(t, len(tt.want), list.Pagination.TotalItems)
				for _, a := range list.Data {
					seen[a.ID]++
					order = append(order, a.ID)
				}
				pages++
				require.Less(t, pages, 20)
				if list.Pagination.NextCursor == nil {
					break
				}
				cursor = *list.Pagination.NextCursor
			}
			assert.Equal(t, ids(tt.want, agentID), order)
			for id, n := range seen {
				require.Equal(t, 1, n, "agent %s", id)
			}
			assert.Equal(t, (len(tt.want)+999)/1000, pages)
		})
	}
}

func TestIDsNinSupport(t *testing.T) {
	tests := []struct {
		name        string
		giveSupport bool
		wantTotal   func(n int) int
	}{
		{"ignored by default", false, func(n int) int { return n }},
		{"honoured when supported", true, func(n int) int { return n - 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{SupportIDsNin: tt.giveSupport})
			all := e.sim.Agents()
			nin := all[1].ID + "," + all[2].ID
			var count struct {
				Data struct {
					Total int `json:"total"`
				} `json:"data"`
			}
			e.get(agentsPath+"/count", url.Values{"idsNin": {nin}}).json(t, &count)
			assert.Equal(t, tt.wantTotal(len(all)), count.Data.Total)
		})
	}
}

func TestAgentJSONShape(t *testing.T) {
	e := newEnv(t, Options{})
	first := e.sim.Agents()[0]
	var raw struct {
		Data []map[string]any `json:"data"`
	}
	e.get(agentsPath, url.Values{"ids": {first.ID}}).json(t, &raw)
	require.Len(t, raw.Data, 1)
	got := raw.Data[0]
	for _, key := range []string{"id", "uuid", "computerName", "osType", "osName", "networkStatus", "isActive",
		"infected", "isDecommissioned", "isUninstalled", "isPendingUninstall", "totalMemory", "coreCount",
		"cpuCount", "agentVersion", "scanStatus", "groupId", "groupName", "siteId", "siteName", "accountId",
		"accountName", "domain", "externalIp", "lastActiveDate", "registeredAt", "createdAt", "updatedAt",
		"machineType", "mitigationMode", "activeThreats", "networkInterfaces", "lastLoggedInUserName"} {
		assert.Contains(t, got, key)
	}
	for _, key := range []string{"Messages", "LogsRequested", "ShutdownRequested", "Passphrase", "passphrase"} {
		assert.NotContains(t, got, key)
	}
	assert.Equal(t, first.ID, got["id"])
	assert.Equal(t, float64(first.TotalMemory), got["totalMemory"])
	nics := got["networkInterfaces"].([]any)
	require.Len(t, nics, 1)
	assert.Contains(t, nics[0], "inet")
	assert.Contains(t, nics[0], "physical")
}

func TestPassphrasesApplicationsProcesses(t *testing.T) {
	e := newEnv(t, Options{})
	all := e.sim.Agents()
	a := all[7]

	var pp struct {
		Data []map[string]string `json:"data"`
		agentList
	}
	r := e.get(agentsPath+"/passphrases", url.Values{"ids": {a.ID}})
	require.Equal(t, http.StatusOK, r.status)
	r.json(t, &pp)
	require.Len(t, pp.Data, 1)
	assert.Equal(t, a.Passphrase, pp.Data[0]["passphrase"])
	assert.Len(t, strings.Fields(a.Passphrase), 6)
	assert.Equal(t, a.ComputerName, pp.Data[0]["computerName"])
	assert.Equal(t, 1, pp.Pagination.TotalItems)
	requireError(t, e.get(agentsPath+"/passphrases", url.Values{"limit": {"5000"}}), http.StatusBadRequest, 4000010)

	var apps struct {
		Data []application `json:"data"`
	}
	r = e.get(agentsPath+"/applications", url.Values{"ids": {a.ID}})
	require.Equal(t, http.StatusOK, r.status)
	r.json(t, &apps)
	require.NotEmpty(t, apps.Data)
	for _, app := range apps.Data {
		assert.NotEmpty(t, app.Name)
		assert.NotEmpty(t, app.Version)
		assert.Positive(t, app.Size)
	}
	var again struct {
		Data []application `json:"data"`
	}
	e.get(agentsPath+"/applications", url.Values{"ids": {a.ID}}).json(t, &again)
	assert.Equal(t, apps.Data, again.Data, "stable per agent")
	requireError(t, e.get(agentsPath+"/applications", nil), http.StatusBadRequest, 4000010)

	tests := []struct {
		name      string
		givePath  string
		wantEmpty bool
	}{
		{"v2.1 is obsolete", "/web/api/v2.1/agents/processes", true},
		{"v2.0 lists processes", "/web/api/v2.0/agents/processes", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var procs struct {
				Data []process `json:"data"`
			}
			r := e.get(tt.givePath, url.Values{"ids": {a.ID}})
			require.Equal(t, http.StatusOK, r.status)
			r.json(t, &procs)
			require.NotNil(t, procs.Data)
			if tt.wantEmpty {
				assert.Empty(t, procs.Data)
				return
			}
			require.NotEmpty(t, procs.Data)
			assert.NotEmpty(t, procs.Data[0].ProcessName)
			assert.Positive(t, procs.Data[0].PID)
			requireError(t, e.get(tt.givePath, nil), http.StatusBadRequest, 4000010)
		})
	}
}

func TestHashReputation(t *testing.T) {
	e := newEnv(t, Options{})
	th := e.sim.Threats()[0]
	var out struct {
		Data map[string]string `json:"data"`
	}
	r := e.get("/web/api/v2.1/hashes/"+strings.ToUpper(th.SHA1)+"/reputation", nil)
	require.Equal(t, http.StatusOK, r.status)
	r.json(t, &out)
	assert.Equal(t, map[string]string{"rank": strconv.Itoa(th.Rank)}, out.Data)

	out.Data = nil
	r = e.get("/web/api/v2.0/hashes/"+strings.Repeat("ab", 20)+"/reputation", nil)
	require.Equal(t, http.StatusOK, r.status)
	r.json(t, &out)
	assert.Equal(t, map[string]string{}, out.Data)

	for _, bad := range []string{"abc", strings.Repeat("z", 40), strings.Repeat("a", 41)} {
		requireError(t, e.get("/web/api/v2.1/hashes/"+bad+"/reputation", nil), http.StatusBadRequest, 4000010)
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	e := newEnv(t, Options{})
	requireError(t, e.get("/web/api/v2.1/no/such/thing", nil), http.StatusNotFound, 4040010)
	requireError(t, e.get("/web/api/v3.0/agents", nil), http.StatusNotFound, 4040010)
	requireError(t, e.post("/web/api/v2.1/agents/actions/explode", map[string]any{"filter": map[string]any{}}), http.StatusNotFound, 4040010)
	requireError(t, e.do(http.MethodDelete, agentsPath, nil, ""), http.StatusMethodNotAllowed, 4050010)
	assert.True(t, slices.IsSortedFunc(e.sim.Agents(), func(a, b Agent) int { return strings.Compare(a.ID, b.ID) }))
}

// idList decodes only the ids and pagination of a list response.
type idList struct {
	Data []struct {
		ID string `json:"id"`
	} `json:"data"`
	Pagination struct {
		NextCursor *string `json:"nextCursor"`
		TotalItems int     `json:"totalItems"`
	} `json:"pagination"`
}
