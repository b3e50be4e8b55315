package operations_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// collapse merges runs of identical consecutive calls (the status polls of a run-and-wait
// operation, whose number depends on timing) into one.
func collapse(calls []call) []call {
	var out []call
	for _, c := range calls {
		if n := len(out); n > 0 && out[n-1].Method == c.Method && out[n-1].Path == c.Path &&
			out[n-1].Query.Encode() == c.Query.Encode() && out[n-1].Body == c.Body {
			continue
		}
		out = append(out, c)
	}
	return out
}

// TestGoldenHuntRequests pins the exact SentinelOne requests of every hunting and collection
// operation (API 2.1, warm token); the polls of a run-and-wait operation count once.
func TestGoldenHuntRequests(t *testing.T) {
	h := newHuntHarness(t, mode{"2.1", true}, 10*time.Millisecond)
	threat := h.sim.Sim.Threats()[0]
	agent := h.agents(live)[0]
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	done, err := h.sim.Sim.SeedQuery(`EventType = "DNS Resolved"`, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	running, err := h.sim.Sim.SeedQuery(`EventType = "DNS Resolved"`, time.Now().Add(time.Hour))
	require.NoError(t, err)
	rng := `"fromDate":"2025-01-01T00:00:00Z"`
	to := `"toDate":"2027-01-01T00:00:00Z"`
	params := func(kv ...any) map[string]any {
		p := map[string]any{"from_date": "2025-01-01T00:00:00Z", "to_date": "2027-01-01T00:00:00Z"}
		for i := 0; i < len(kv); i += 2 {
			p[kv[i].(string)] = kv[i+1]
		}
		return p
	}
	status := func(id string) call { return call{Method: "GET", Path: "/dv/query-status", Query: q("queryId", id)} }
	resolve := call{Method: "GET", Path: "/agents", Query: q("ids", agent.ID, "isDecommissioned", "false", "limit", "1000")}
	population := call{Method: "GET", Path: "/agents/count", Query: q("isDecommissioned", "false")}
	uploads := call{Method: "GET", Path: "/activities", Query: q("agentIds", agent.ID, "activityTypes", "80", "sortBy", "createdAt", "sortOrder", "desc", "limit", "10")}
	lastQuery := func() string { // the id the simulator gave the last query started
		return "q" + h.sim.Sim.LastQueryID()
	}
	tests := []struct {
		op     string
		params map[string]any
		want   func() []call
	}{
		{"create_query", params("query", `EventType = "IP Connect"`), func() []call {
			return []call{{Method: "POST", Path: "/dv/init-query", Body: `{` + rng + `,"query":"EventType = \"IP Connect\"",` + to + `}`}}
		}},
		{"get_query_status", map[string]any{"query_id": done}, func() []call { return []call{status(done)} }},
		{"get_events", map[string]any{"query_id": done, "limit": 5}, func() []call {
			return []call{{Method: "GET", Path: "/dv/events", Query: q("queryId", done, "limit", "5")}}
		}},
		{"get_events_by_type", map[string]any{"query_id": done, "event_type": "dns"}, func() []call {
			return []call{{Method: "GET", Path: "/dv/events/dns", Query: q("queryId", done, "limit", "1000")}}
		}},
		{"cancel_running_query", map[string]any{"query_id": running}, func() []call {
			return []call{{Method: "POST", Path: "/dv/cancel-query", Body: `{"queryId":"` + running + `"}`}, status(running)}
		}},
		{"run_query", params("query", `EventType = "DNS Resolved"`, "limit", 3), func() []call {
			id := lastQuery()
			return []call{{Method: "POST", Path: "/dv/init-query", Body: `{` + rng + `,"query":"EventType = \"DNS Resolved\"",` + to + `}`},
				status(id), {Method: "GET", Path: "/dv/events", Query: q("queryId", id, "limit", "3")}}
		}},
		{"run_power_query", params("query", `EventType = "DNS Resolved" | limit 2`, "limit", 2), func() []call {
			id := lastQuery()
			return []call{{Method: "POST", Path: "/dv/events/pq", Body: `{` + rng + `,"limit":2,"query":"EventType = \"DNS Resolved\" | limit 2",` + to + `}`},
				{Method: "GET", Path: "/dv/events/pq-ping", Query: q("queryId", "pq"+id[1:])}}
		}},
		{"get_remote_scripts", map[string]any{"limit": 5}, func() []call {
			return []call{{Method: "GET", Path: "/remote-scripts", Query: q("limit", "5")}}
		}},
		{"run_remote_script", map[string]any{"ids": agent.ID, "script_id": "1600000000000000001", "input_params": "-v", "runtime_timeout": 600}, func() []call {
			return []call{resolve, population, {Method: "POST", Path: "/remote-scripts/execute",
				Body: `{"data":{"inputParams":"-v","outputDestination":"SentinelCloud","requiresApproval":false,"scriptId":"1600000000000000001",` +
					`"scriptRuntimeTimeoutSeconds":600,"taskDescription":"Run from FortiSOAR"},"filter":{"ids":["` + agent.ID + `"]}}`}}
		}},
		{"get_remote_script_status", map[string]any{"parent_task_id": "1800000000000000099"}, func() []call {
			return []call{{Method: "GET", Path: "/remote-scripts/status", Query: q("parentTaskId", "1800000000000000099", "limit", "1000")}}
		}},
		{"get_remote_script_results", map[string]any{"task_ids": "1800000000000000099"}, func() []call {
			return []call{{Method: "POST", Path: "/remote-scripts/fetch-files", Body: `{"data":{"taskIds":["1800000000000000099"]}}`}}
		}},
		{"fetch_files_from_agent", map[string]any{"ids": agent.ID, "files": "/etc/hosts", "password": "Gold-Zip-Pass-1!", "download": true}, func() []call {
			var act string
			for _, u := range h.sim.Sim.Uploads() {
				if u.AgentID == agent.ID && u.Password != "" && u.ActivityID > act { // the newest
					act = u.ActivityID
				}
			}
			return []call{resolve, population, uploads,
				{Method: "POST", Path: "/agents/" + agent.ID + "/actions/fetch-files", Body: `{"data":{"files":["/etc/hosts"],"password":"REDACTED"}}`},
				uploads, {Method: "GET", Path: "/agents/" + agent.ID + "/uploads/" + act, Query: url.Values{}}}
		}},
		{"fetch_threat_file", map[string]any{"threat_id": threat.ID, "password": "Gold-Zip-Pass-1!"}, func() []call {
			timeline := call{Method: "GET", Path: "/threats/" + threat.ID + "/timeline", Query: q("limit", "1000")}
			var act string
			for _, u := range h.sim.Sim.Uploads() {
				if u.AgentID == threat.AgentID && u.Password != "" && u.ActivityID > act { // the newest
					act = u.ActivityID
				}
			}
			return []call{timeline, {Method: "POST", Path: "/threats/fetch-file", Body: `{"data":{"password":"REDACTED"},"filter":{"ids":["` + threat.ID + `"]}}`},
				timeline, {Method: "GET", Path: "/agents/" + threat.AgentID + "/uploads/" + act, Query: url.Values{}}}
		}},
		{"download_from_cloud", map[string]any{"threat_id": threat.ID}, func() []call {
			return []call{{Method: "GET", Path: "/threats/" + threat.ID + "/download-from-cloud", Query: url.Values{}},
				{Method: "GET", Path: "/agents/" + threat.AgentID + "/uploads/cloud-" + threat.ID, Query: url.Values{}}}
		}},
	}
	require.Len(t, tests, 14, "one golden case per hunt operation")
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			h.t = t
			h.warm()
			h.ok(tt.op, tt.params, nil)
			got := collapse(h.calls())
			for i := range got {
				if got[i].Method == "POST" && len(got[i].Query) == 0 {
					got[i].Query = nil
				}
			}
			assert.Equal(t, tt.want(), got)
		})
	}
}
