package operations_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// TestGoldenTriageRequests pins the exact SentinelOne requests of every triage operation
// (API 2.1, warm token).
func TestGoldenTriageRequests(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	threat := h.sim.Sim.Threats()[0]
	agent := h.agents(live)[0]
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	resolve := call{Method: "GET", Path: "/threats", Query: q("ids", threat.ID, "limit", "1000")}
	population := call{Method: "GET", Path: "/threats", Query: q("limit", "1")}
	filter := `"filter":{"ids":["` + threat.ID + `"]}`
	entry := func(typ, value, os, extra string) string {
		return `{"data":{` + extra + `"osType":"` + os + `","type":"` + typ + `","value":"` + value + `"}`
	}
	site := `"filter":{"siteIds":["` + agent.SiteID + `"]}}`
	group := `"filter":{"groupIds":["` + agent.GroupID + `"]}}`
	path := `C:\\Tools\\scan.exe`
	jsonPath := strings.ReplaceAll(path, `\`, `\\`)
	blockID := func() string { return h.sim.Sim.Blocklist()[0].ID }
	exclusionID := func() string { return h.sim.Sim.Exclusions()[0].ID }
	tests := []struct {
		op     string
		params map[string]any
		want   func() []call
	}{
		{"update_analyst_verdict", map[string]any{"threat_id": threat.ID, "verdict": "true_positive"}, func() []call {
			return []call{resolve, population, {Method: "POST", Path: "/threats/analyst-verdict", Body: `{"data":{"analystVerdict":"true_positive"},` + filter + `}`}}
		}},
		{"change_incident_status", map[string]any{"threat_id": threat.ID, "status": "resolved", "verdict": "false_positive"}, func() []call {
			return []call{resolve, population, {Method: "POST", Path: "/threats/incident",
				Body: `{"data":{"analystVerdict":"false_positive","incidentStatus":"resolved"},` + filter + `}`}}
		}},
		{"add_note_to_a_threat", map[string]any{"threat_id": threat.ID, "text": "Contained by the SOC"}, func() []call {
			return []call{resolve, population, {Method: "POST", Path: "/threats/notes", Body: `{"data":{"text":"Contained by the SOC"},` + filter + `}`}}
		}},
		{"get_threat_notes", map[string]any{"threat_id": threat.ID}, func() []call {
			return []call{{Method: "GET", Path: "/threats/" + threat.ID + "/notes", Query: q("limit", "1000")}}
		}},
		{"get_threat_timeline", map[string]any{"threat_id": threat.ID, "sort_order": "Oldest First", "limit": 5}, func() []call {
			return []call{{Method: "GET", Path: "/threats/" + threat.ID + "/timeline", Query: q("sortOrder", "asc", "limit", "5")}}
		}},
		{"get_hash_verdict", map[string]any{"hash": strings.ToUpper(threat.SHA256)}, func() []call {
			return []call{{Method: "GET", Path: "/hashes/" + threat.SHA256 + "/verdict", Query: url.Values{}}}
		}},
		{"create_blacklist_item", map[string]any{"hash": threat.SHA1, "os_type": "all", "description": "Seen in incident 42", "scope": "Site", "scope_ids": agent.SiteID}, func() []call {
			var out []call
			for _, os := range []string{"windows", "macos", "linux"} {
				out = append(out, call{Method: "POST", Path: "/restrictions", Body: entry("black_hash", threat.SHA1, os, `"description":"Seen in incident 42",`) + "," + site})
			}
			return out
		}},
		{"get_blacklist", map[string]any{"hash": threat.SHA1, "os_type": "windows", "scope": "Site", "scope_ids": agent.SiteID}, func() []call {
			return []call{{Method: "GET", Path: "/restrictions", Query: q("type", "black_hash", "value__contains", threat.SHA1, "osTypes", "windows", "siteIds", agent.SiteID, "limit", "1000")}}
		}},
		{"delete_blacklist_item", map[string]any{"hash": threat.SHA1, "os_type": "windows", "scope": "Site", "scope_ids": agent.SiteID}, func() []call {
			return []call{{Method: "GET", Path: "/restrictions", Query: q("type", "black_hash", "value__contains", threat.SHA1, "osTypes", "windows", "siteIds", agent.SiteID, "limit", "1000")},
				{Method: "DELETE", Path: "/restrictions", Query: url.Values{}, Body: `{"data":{"ids":["` + blockID() + `"],"type":"black_hash"}}`}}
		}},
		{"create_exclusion", map[string]any{"type": "Path", "value": path, "os_type": "windows", "mode": "disable_all_monitors", "scope": "Group", "scope_ids": agent.GroupID}, func() []call {
			return []call{{Method: "POST", Path: "/exclusions", Body: entry("path", jsonPath, "windows", `"mode":"disable_all_monitors",`) + "," + group}}
		}},
		{"get_exclusions", map[string]any{"type": "Path", "scope": "Group", "scope_ids": agent.GroupID}, func() []call {
			return []call{{Method: "GET", Path: "/exclusions", Query: q("type", "path", "groupIds", agent.GroupID, "limit", "1000")}}
		}},
		{"delete_exclusion", map[string]any{"type": "Path", "value": path, "os_type": "windows", "scope": "Group", "scope_ids": agent.GroupID}, func() []call {
			want := []call{{Method: "GET", Path: "/exclusions", Query: q("type", "path", "value__contains", path, "osTypes", "windows", "groupIds", agent.GroupID, "limit", "1000")}}
			return append(want, call{Method: "DELETE", Path: "/exclusions", Query: url.Values{}, Body: `{"data":{"ids":["` + exclusionID() + `"],"type":"path"}}`})
		}},
	}
	require.Len(t, tests, 12, "one golden case per triage operation")
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			h.t = t
			h.warm()
			var want []call
			if strings.HasPrefix(tt.op, "delete_") {
				want = tt.want() // the entry ids exist before the call
			}
			h.ok(tt.op, tt.params, nil)
			if want == nil {
				want = tt.want()
			}
			got := h.calls()
			for i := range got {
				if got[i].Method == "POST" && len(got[i].Query) == 0 {
					got[i].Query = nil
				}
			}
			assert.Equal(t, want, got)
		})
	}
}
