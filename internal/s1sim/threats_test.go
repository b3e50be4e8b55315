package s1sim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func filterThreats(all []Threat, keep func(*Threat) bool) []Threat {
	var out []Threat
	for i := range all {
		if keep(&all[i]) {
			out = append(out, all[i])
		}
	}
	return out
}

func TestThreatFilters(t *testing.T) {
	e := newEnv(t, Options{Agents: 400, Threats: 120})
	all := e.sim.Threats()
	t0, t1 := all[0], all[7]
	name := strings.ToUpper(t0.Name[:4])
	tests := []struct {
		name      string
		giveV     string
		giveQuery url.Values
		giveJSON  map[string]any
		want      func(*Threat) bool
	}{
		{"ids", v21, url.Values{"ids": {t0.ID + "," + t1.ID}}, map[string]any{"ids": []string{t0.ID, t1.ID}},
			func(t *Threat) bool { return t.ID == t0.ID || t.ID == t1.ID }},
		{"content hashes any case", v21, url.Values{"contentHashes": {strings.ToUpper(t1.SHA1)}}, map[string]any{"contentHashes": []string{t1.SHA1}},
			func(t *Threat) bool { return t.SHA1 == t1.SHA1 }},
		{"agent ids", v20, url.Values{"agentIds": {t0.AgentID}}, map[string]any{"agentIds": []string{t0.AgentID}},
			func(t *Threat) bool { return t.AgentID == t0.AgentID }},
		{"displayName on v2.1", v21, url.Values{"displayName": {name}}, map[string]any{"displayName": name},
			func(t *Threat) bool { return strings.Contains(strings.ToLower(t.Name), strings.ToLower(name)) }},
		{"displayName__like is ignored on v2.1", v21, url.Values{"displayName__like": {name}}, map[string]any{"displayName__like": name},
			func(*Threat) bool { return true }},
		{"displayName__like on v2.0", v20, url.Values{"displayName__like": {name}}, map[string]any{"displayName__like": name},
			func(t *Threat) bool { return strings.Contains(strings.ToLower(t.Name), strings.ToLower(name)) }},
		{"displayName is ignored on v2.0", v20, url.Values{"displayName": {name}}, map[string]any{"displayName": name},
			func(*Threat) bool { return true }},
		{"initiatedBy scans", v21, url.Values{"initiatedBy": {"full_disk_scan,on_demand_scan"}}, map[string]any{"initiatedBy": []string{"full_disk_scan", "on_demand_scan"}},
			func(t *Threat) bool { return t.FromScan }},
		{"initiatedBy camelCase on v2.0", v20, url.Values{"initiatedBy": {"fullDiskScan,onDemandScan"}}, map[string]any{"initiatedBy": []string{"fullDiskScan", "onDemandScan"}},
			func(t *Threat) bool { return t.FromScan }},
		{"initiatedByNin", v21, url.Values{"initiatedByNin": {"full_disk_scan,on_demand_scan"}}, map[string]any{"initiatedByNin": []string{"full_disk_scan", "on_demand_scan"}},
			func(t *Threat) bool { return !t.FromScan }},
		{"mitigation statuses", v21, url.Values{"mitigationStatuses": {"not_mitigated"}}, map[string]any{"mitigationStatuses": []string{"not_mitigated"}},
			func(t *Threat) bool { return t.MitigationStatus == "not_mitigated" }},
		{"resolved", v20, url.Values{"resolved": {"True"}}, map[string]any{"resolved": true},
			func(t *Threat) bool { return t.Resolved }},
		{"analyst verdicts", v21, url.Values{"analystVerdicts": {"true_positive,suspicious"}}, map[string]any{"analystVerdicts": []string{"true_positive", "suspicious"}},
			func(t *Threat) bool { return t.AnalystVerdict == "true_positive" || t.AnalystVerdict == "suspicious" }},
		{"unknown keys ignored", v21, url.Values{"fromScan": {"true"}, "isHidden": {"false"}}, map[string]any{"fromScan": true, "isHidden": false},
			func(*Threat) bool { return true }},
		{"combined", v21, url.Values{"resolved": {"false"}, "mitigationStatuses": {"not_mitigated,mitigated"}, "initiatedByNin": {"console_api"}},
			map[string]any{"resolved": []bool{false}, "mitigationStatuses": []string{"not_mitigated", "mitigated"}, "initiatedByNin": []string{"console_api"}},
			func(t *Threat) bool {
				return !t.Resolved && (t.MitigationStatus == "not_mitigated" || t.MitigationStatus == "mitigated") && t.InitiatedBy != "console_api"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := ids(filterThreats(all, tt.want), threatID)
			require.NotEmpty(t, want)
			q := url.Values{"limit": {"1000"}}
			for k, v := range tt.giveQuery {
				q[k] = v
			}
			var list idList
			r := e.get("/web/api/"+tt.giveV+"/threats", q)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.json(t, &list)
			got := make([]string, len(list.Data))
			for i, d := range list.Data {
				got[i] = d.ID
			}
			assert.Equal(t, want, got)
			assert.Equal(t, len(want), list.Pagination.TotalItems)

			// An action with the same filter matches the same threats; kill
			// keeps the filter's mitigation statuses stable for this check.
			e2 := newEnv(t, Options{Agents: 400, Threats: 120})
			var out affectedBody
			r = e2.post("/web/api/"+tt.giveV+"/threats/mitigate/kill", map[string]any{"filter": tt.giveJSON, "data": map[string]any{}})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.json(t, &out)
			assert.Equal(t, len(want), out.Data.Affected)
		})
	}
}

func TestThreatPagination(t *testing.T) {
	e := newEnv(t, Options{Threats: 35})
	all := e.sim.Threats()
	var got []string
	cursor := ""
	for range 10 {
		q := url.Values{"limit": {"10"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var list idList
		e.get("/web/api/v2.1/threats", q).json(t, &list)
		for _, d := range list.Data {
			got = append(got, d.ID)
		}
		if list.Pagination.NextCursor == nil {
			break
		}
		cursor = *list.Pagination.NextCursor
	}
	assert.Equal(t, ids(all, threatID), got)
	requireError(t, e.get("/web/api/v2.1/threats", url.Values{"limit": {"1001"}}), http.StatusBadRequest, 4000010)
	requireError(t, e.get("/web/api/v2.1/threats", url.Values{"skip": {"1001"}}), http.StatusBadRequest, 4000010)
	requireError(t, e.get("/web/api/v2.1/threats", url.Values{"cursor": {encodeCursor("agent_id", all[0].AgentID)}}), http.StatusBadRequest, 4000010)
}

func TestThreatRendering(t *testing.T) {
	e := newEnv(t, Options{})
	th := filterThreats(e.sim.Threats(), func(t *Threat) bool { return t.FromScan })[0]
	ag, ok := e.sim.Agent(th.AgentID)
	require.True(t, ok)
	assert.True(t, ag.Infected)

	var v21Body struct {
		Data []struct {
			ID         string         `json:"id"`
			ThreatInfo map[string]any `json:"threatInfo"`
			Realtime   map[string]any `json:"agentRealtimeInfo"`
			Detection  map[string]any `json:"agentDetectionInfo"`
			Mitigation []any          `json:"mitigationStatus"`
			Indicators []any          `json:"indicators"`
		} `json:"data"`
	}
	e.get("/web/api/v2.1/threats", url.Values{"ids": {th.ID}}).json(t, &v21Body)
	require.Len(t, v21Body.Data, 1)
	d := v21Body.Data[0]
	assert.Equal(t, th.ID, d.ID)
	assert.Equal(t, th.ID, d.ThreatInfo["threatId"])
	assert.Equal(t, th.Name, d.ThreatInfo["threatName"])
	assert.Equal(t, th.SHA1, d.ThreatInfo["sha1"])
	assert.Equal(t, th.MitigationStatus, d.ThreatInfo["mitigationStatus"])
	assert.Equal(t, th.AnalystVerdict, d.ThreatInfo["analystVerdict"])
	assert.Equal(t, th.InitiatedBy, d.ThreatInfo["initiatedBy"])
	assert.Contains(t, []string{"full_disk_scan", "on_demand_scan"}, d.ThreatInfo["initiatedBy"])
	assert.Equal(t, th.AgentID, d.Realtime["agentId"])
	assert.Equal(t, ag.ComputerName, d.Realtime["agentComputerName"])
	assert.Equal(t, ag.OSType, d.Realtime["agentOsType"])
	assert.Equal(t, ag.UUID, d.Detection["agentUuid"])
	assert.NotNil(t, d.Mitigation)
	assert.NotNil(t, d.Indicators)

	var v20Body struct {
		Data []map[string]any `json:"data"`
	}
	e.get("/web/api/v2.0/threats", url.Values{"ids": {th.ID}}).json(t, &v20Body)
	require.Len(t, v20Body.Data, 1)
	f := v20Body.Data[0]
	assert.Equal(t, th.ID, f["id"])
	assert.Equal(t, th.AgentID, f["agentId"])
	assert.Equal(t, ag.ComputerName, f["agentComputerName"])
	assert.Equal(t, th.SHA1, f["fileContentHash"])
	assert.Equal(t, th.Name, f["fileDisplayName"])
	assert.Equal(t, th.MitigationStatus, f["mitigationStatus"])
	assert.Equal(t, true, f["fromScan"])
	assert.Contains(t, []string{"fullDiskScan", "onDemandScan"}, f["initiatedBy"])
	assert.Equal(t, th.Resolved, f["resolved"])
	assert.Equal(t, float64(th.Rank), f["rank"])
	assert.Contains(t, f, "mitigationReport")
	assert.NotContains(t, f, "threatInfo")
}

func TestThreatMitigation(t *testing.T) {
	tests := []struct {
		giveAction      string
		wantStatus      string
		wantQuarantined *bool
		wantReport      string
	}{
		{"kill", "mitigated", nil, "kill"},
		{"quarantine", "mitigated", ptr(true), "quarantine"},
		{"remediate", "mitigated", nil, "remediate"},
		{"un-quarantine", "not_mitigated", ptr(false), "unquarantine"},
		{"rollback-remediation", "not_mitigated", nil, "rollback"},
	}
	for _, tt := range tests {
		t.Run(tt.giveAction, func(t *testing.T) {
			e := newEnv(t, Options{})
			before := e.sim.Threats()
			target := before[0].AgentID
			matched := func(t *Threat) bool { return t.AgentID == target }
			want := filterThreats(before, matched)

			var out struct {
				Data struct {
					Affected int `json:"affected"`
					Details  []struct {
						ThreatID string `json:"threatId"`
						Reports  []struct {
							Action string `json:"action"`
							Status string `json:"status"`
						} `json:"reports"`
					} `json:"details"`
				} `json:"data"`
			}
			r := e.post("/web/api/v2.1/threats/mitigate/"+tt.giveAction, map[string]any{"filter": map[string]any{"agentIds": []string{target}}, "data": map[string]any{}})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.json(t, &out)
			assert.Equal(t, len(want), out.Data.Affected)
			require.Len(t, out.Data.Details, len(want))
			assert.Equal(t, want[0].ID, out.Data.Details[0].ThreatID)
			assert.Equal(t, tt.wantReport, out.Data.Details[0].Reports[0].Action)

			after := e.sim.Threats()
			for i := range before {
				if !matched(&before[i]) {
					assert.Equal(t, before[i], after[i])
					continue
				}
				assert.Equal(t, tt.wantStatus, after[i].MitigationStatus)
				assert.Equal(t, append(before[i].Actions, tt.giveAction), after[i].Actions)
				if tt.wantQuarantined != nil {
					assert.Equal(t, *tt.wantQuarantined, after[i].InQuarantine)
				}
			}

			// A second mitigation is appended in order, visible on v2.0.
			r = e.post("/web/api/v2.0/threats/mitigate/kill", map[string]any{"filter": map[string]any{"ids": []string{want[0].ID}}})
			require.Equal(t, http.StatusOK, r.status)
			got, _ := e.sim.Threat(want[0].ID)
			assert.Equal(t, []string{tt.giveAction, "kill"}, got.Actions)
			var v20Body struct {
				Data []struct {
					MitigationReport map[string]struct {
						Status *string `json:"status"`
					} `json:"mitigationReport"`
				} `json:"data"`
			}
			e.get("/web/api/v2.0/threats", url.Values{"ids": {want[0].ID}}).json(t, &v20Body)
			require.Len(t, v20Body.Data, 1)
			require.NotNil(t, v20Body.Data[0].MitigationReport["kill"].Status)
			assert.Equal(t, "success", *v20Body.Data[0].MitigationReport[tt.wantReport].Status)
		})
	}
	t.Run("unknown action", func(t *testing.T) {
		e := newEnv(t, Options{})
		requireError(t, e.post("/web/api/v2.1/threats/mitigate/explode", map[string]any{"filter": map[string]any{}}), http.StatusNotFound, 4040010)
		requireError(t, e.post("/web/api/v2.1/threats/mitigate/kill", map[string]any{}), http.StatusBadRequest, 4000010)
	})
}

func ptr[T any](v T) *T { return &v }

func TestMarkAsBenignAndVerdict(t *testing.T) {
	t.Run("mark as benign on v2.0", func(t *testing.T) {
		e := newEnv(t, Options{})
		all := e.sim.Threats()
		target := []string{all[1].ID, all[2].ID}
		var out affectedBody
		r := e.post("/web/api/v2.0/threats/mark-as-benign", map[string]any{"filter": map[string]any{"ids": target}, "data": map[string]any{"targetScope": "site"}})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.json(t, &out)
		assert.Equal(t, 2, out.Data.Affected)
		for _, th := range e.sim.Threats() {
			if th.ID == target[0] || th.ID == target[1] {
				assert.True(t, th.MarkedAsBenign)
				assert.Equal(t, "marked_as_benign", th.MitigationStatus)
				assert.Equal(t, "false_positive", th.AnalystVerdict)
				continue
			}
			assert.False(t, th.MarkedAsBenign, th.ID)
		}
		// data is optional; a bad scope is rejected.
		r = e.post("/web/api/v2.0/threats/mark-as-benign", map[string]any{"filter": map[string]any{"ids": []string{all[3].ID}}})
		require.Equal(t, http.StatusOK, r.status)
		requireError(t, e.post("/web/api/v2.0/threats/mark-as-benign", map[string]any{"filter": map[string]any{"ids": target}, "data": map[string]any{"targetScope": "planet"}}), http.StatusBadRequest, 4000010)
		// The flat v2.0 object shows it.
		var v20Body struct {
			Data []map[string]any `json:"data"`
		}
		e.get("/web/api/v2.0/threats", url.Values{"ids": {target[0]}}).json(t, &v20Body)
		assert.Equal(t, true, v20Body.Data[0]["markedAsBenign"])
		assert.Equal(t, "marked_as_benign", v20Body.Data[0]["mitigationStatus"])
	})
	t.Run("mark as benign is absent on v2.1", func(t *testing.T) {
		e := newEnv(t, Options{})
		requireError(t, e.post("/web/api/v2.1/threats/mark-as-benign", map[string]any{"filter": map[string]any{}}), http.StatusNotFound, 4040010)
	})
	t.Run("analyst verdict on v2.1", func(t *testing.T) {
		e := newEnv(t, Options{})
		all := e.sim.Threats()
		target := all[4]
		var out struct {
			Data struct {
				Affected int `json:"affected"`
				Details  []struct {
					ThreatID string `json:"threatId"`
					Result   string `json:"result"`
				} `json:"details"`
			} `json:"data"`
		}
		body := map[string]any{"filter": map[string]any{"ids": []string{target.ID}}, "data": map[string]any{"analystVerdict": "false_positive"}}
		r := e.post("/web/api/v2.1/threats/analyst-verdict", body)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.json(t, &out)
		assert.Equal(t, 1, out.Data.Affected)
		require.Len(t, out.Data.Details, 1)
		assert.Equal(t, target.ID, out.Data.Details[0].ThreatID)
		got, _ := e.sim.Threat(target.ID)
		assert.Equal(t, "false_positive", got.AnalystVerdict)
		assert.True(t, got.MarkedAsBenign)
		assert.Equal(t, target.MitigationStatus, got.MitigationStatus)

		e.post("/web/api/v2.1/threats/analyst-verdict", body).json(t, &out)
		assert.Equal(t, "already_set", out.Data.Details[0].Result)

		for _, bad := range []any{map[string]any{"analystVerdict": "benign"}, map[string]any{}, nil} {
			requireError(t, e.post("/web/api/v2.1/threats/analyst-verdict", map[string]any{"filter": map[string]any{"ids": []string{target.ID}}, "data": bad}), http.StatusBadRequest, 4000010)
		}
	})
	t.Run("analyst verdict is absent on v2.0", func(t *testing.T) {
		e := newEnv(t, Options{})
		requireError(t, e.post("/web/api/v2.0/threats/analyst-verdict", map[string]any{"filter": map[string]any{}, "data": map[string]any{"analystVerdict": "false_positive"}}), http.StatusNotFound, 4040010)
	})
}
