package s1sim

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustStamp(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(timeLayout, s)
	require.NoError(t, err)
	return v
}

func millis(v time.Time) string { return strconv.FormatInt(v.UnixMilli(), 10) }

func versionIn(v, lo, hi string) bool {
	a, _ := parseVersion(v)
	l, _ := parseVersion(lo)
	h, _ := parseVersion(hi)
	return compareVersions(a, l) >= 0 && compareVersions(a, h) <= 0
}

// rangeAgentCases are the __between range filters and the documented "Nin"
// filters on agents; TestAgentFilters runs them on list, count and action.
func rangeAgentCases(t *testing.T, all []Agent) []filterCase {
	mid := mustStamp(t, all[len(all)/2].CreatedAt)
	from, to := mid.Add(-60*24*time.Hour), mid.Add(60*24*time.Hour)
	createdRange := millis(to) + "-" + millis(from) // high to low, as in SentinelOne's example
	active := mustStamp(t, all[5].LastActiveDate)
	return []filterCase{
		{
			name:      "totalMemory__between in GB",
			giveQuery: url.Values{"totalMemory__between": {"4-16"}},
			giveJSON:  map[string]any{"totalMemory__between": "4-16"},
			want:      func(a *Agent) bool { return a.TotalMemory >= 4096 && a.TotalMemory <= 16384 },
		},
		{
			name:      "coreCount__between, bounds reversed",
			giveQuery: url.Values{"coreCount__between": {"8-2"}},
			giveJSON:  map[string]any{"coreCount__between": "8-2"},
			want:      func(a *Agent) bool { return a.CoreCount >= 2 && a.CoreCount <= 8 },
		},
		{
			name:      "cpuCount__between one value",
			giveQuery: url.Values{"cpuCount__between": {"2-2"}},
			giveJSON:  map[string]any{"cpuCount__between": "2-2"},
			want:      func(a *Agent) bool { return a.CPUCount == 2 },
		},
		{
			name:      "agentVersion__between",
			giveQuery: url.Values{"agentVersion__between": {"22.0.0.0-23.3.2.12"}},
			giveJSON:  map[string]any{"agentVersion__between": "22.0.0.0-23.3.2.12"},
			want:      func(a *Agent) bool { return versionIn(a.AgentVersion, "22.0.0.0", "23.3.2.12") },
		},
		{
			name:      "createdAt__between epoch ms",
			giveQuery: url.Values{"createdAt__between": {createdRange}},
			giveJSON:  map[string]any{"createdAt__between": createdRange},
			want: func(a *Agent) bool {
				c := mustStamp(t, a.CreatedAt).UnixMilli()
				return c >= from.UnixMilli() && c <= to.UnixMilli()
			},
		},
		{
			name:      "lastActiveDate__gte ISO",
			giveQuery: url.Values{"lastActiveDate__gte": {all[5].LastActiveDate}},
			giveJSON:  map[string]any{"lastActiveDate__gte": all[5].LastActiveDate},
			want:      func(a *Agent) bool { return !mustStamp(t, a.LastActiveDate).Before(active) },
		},
		{
			name:      "lastSuccessfulScanDate__between skips agents never scanned",
			giveQuery: url.Values{"lastSuccessfulScanDate__between": {"0-" + millis(fleetEpoch)}},
			giveJSON:  map[string]any{"lastSuccessfulScanDate__between": "0-" + millis(fleetEpoch)},
			want:      func(a *Agent) bool { return a.LastSuccessfulScanDate != nil },
		},
		{
			name:      "osTypesNin",
			giveQuery: url.Values{"osTypesNin": {"windows"}},
			giveJSON:  map[string]any{"osTypesNin": []string{"windows"}},
			want:      func(a *Agent) bool { return a.OSType != "windows" },
		},
		{
			name:      "networkStatusesNin",
			giveQuery: url.Values{"networkStatusesNin": {"connected,connecting"}},
			giveJSON:  map[string]any{"networkStatusesNin": []string{"connected", "connecting"}},
			want:      func(a *Agent) bool { return a.NetworkStatus != "connected" && a.NetworkStatus != "connecting" },
		},
		{
			name:      "agentVersionsNin with osTypes",
			giveQuery: url.Values{"agentVersionsNin": {agentVersions[0]}, "osTypes": {"linux"}},
			giveJSON:  map[string]any{"agentVersionsNin": []string{agentVersions[0]}, "osTypes": []string{"linux"}},
			want:      func(a *Agent) bool { return a.AgentVersion != agentVersions[0] && a.OSType == "linux" },
		},
		{
			name:      "machineTypesNin",
			giveQuery: url.Values{"machineTypesNin": {"laptop,desktop"}},
			giveJSON:  map[string]any{"machineTypesNin": []string{"laptop", "desktop"}},
			want:      func(a *Agent) bool { return a.MachineType == "server" },
		},
		{
			name:      "scanStatusesNin",
			giveQuery: url.Values{"scanStatusesNin": {"none,finished"}},
			giveJSON:  map[string]any{"scanStatusesNin": []string{"none", "finished"}},
			want:      func(a *Agent) bool { return a.ScanStatus == "started" || a.ScanStatus == "aborted" },
		},
		{
			name:      "domainsNin of another domain keeps all",
			giveQuery: url.Values{"domainsNin": {"workgroup"}},
			giveJSON:  map[string]any{"domainsNin": []string{"workgroup"}},
			want:      func(*Agent) bool { return true },
		},
		{
			name:      "userActionsNeededNin",
			giveQuery: url.Values{"userActionsNeededNin": {"reboot_needed"}},
			giveJSON:  map[string]any{"userActionsNeededNin": []string{"reboot_needed"}},
			want:      func(a *Agent) bool { return !slices.Contains(a.UserActionsNeeded, "reboot_needed") },
		},
	}
}

func TestRangeFilterErrors(t *testing.T) {
	e := newEnv(t, Options{})
	for _, q := range []url.Values{
		{"coreCount__between": {"2"}}, {"cpuCount__between": {"4-x"}},
		{"coreCount__between": {"a-b"}},
		{"totalMemory__between": {"-4-8"}},
		{"createdAt__between": {"2024-01-01T00:00:00Z-2024-02-01T00:00:00Z"}},
		{"createdAt__gt": {"yesterday"}},
		{"agentVersion__between": {"1.x-2.0"}},
	} {
		r := e.get(agentsPath, q)
		requireError(t, r, http.StatusBadRequest, 4000010)
		var body errorBody
		r.json(t, &body)
		for k := range q {
			assert.Contains(t, *body.Errors[0].Detail, k, "the error names the key")
		}
	}
	requireError(t, e.get(threatsPath, url.Values{"updatedAt__lte": {"soon"}}), http.StatusBadRequest, 4000010)
}

func TestThreatNinAndDateFilters(t *testing.T) {
	const agents, threats = 400, 120
	e := newEnv(t, Options{Agents: agents, Threats: threats})
	all := e.sim.Threats()
	agentOS := map[string]string{}
	for _, a := range e.sim.Agents() {
		agentOS[a.ID] = a.OSType
	}
	created := all[len(all)/2].CreatedAt
	tests := []struct {
		name     string
		giveJSON map[string]any
		want     func(*Threat) bool
	}{
		{"mitigationStatusesNin", map[string]any{"mitigationStatusesNin": []string{"mitigated"}},
			func(t *Threat) bool { return t.MitigationStatus != "mitigated" }},
		{"analystVerdictsNin", map[string]any{"analystVerdictsNin": []string{"undefined"}},
			func(t *Threat) bool { return t.AnalystVerdict != "undefined" }},
		{"incidentStatusesNin", map[string]any{"incidentStatusesNin": []string{"resolved", "in_progress"}},
			func(t *Threat) bool { return t.IncidentStatus == "unresolved" }},
		{"confidenceLevelsNin", map[string]any{"confidenceLevelsNin": []string{"malicious"}},
			func(t *Threat) bool { return t.ConfidenceLevel != "malicious" }},
		{"classificationsNin", map[string]any{"classificationsNin": []string{"Trojan", "Ransomware"}},
			func(t *Threat) bool { return t.Classification != "Trojan" && t.Classification != "Ransomware" }},
		{"osTypesNin of the agent", map[string]any{"osTypesNin": []string{"windows"}},
			func(t *Threat) bool { return agentOS[t.AgentID] != "windows" }},
		{"createdAt__lt ISO", map[string]any{"createdAt__lt": created},
			func(t *Threat) bool { return t.CreatedAt < created }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := ids(filterThreats(all, tt.want), threatID)
			require.NotEmpty(t, want)
			require.Less(t, len(want), len(all), "the case must exclude something")
			q := url.Values{"limit": {"1000"}}
			for k, v := range tt.giveJSON {
				if l, ok := v.([]string); ok {
					v = strings.Join(l, ",")
				}
				q.Set(k, v.(string))
			}
			var list idList
			e.get(threatsPath, q).json(t, &list)
			got := make([]string, len(list.Data))
			for i, d := range list.Data {
				got[i] = d.ID
			}
			assert.Equal(t, want, got)

			e2 := newEnv(t, Options{Agents: agents, Threats: threats})
			var out affectedBody
			r := e2.post(threatsPath+"/analyst-verdict", map[string]any{"filter": tt.giveJSON, "data": map[string]any{"analystVerdict": "suspicious"}})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.json(t, &out)
			assert.Equal(t, len(want), out.Data.Affected)
		})
	}
}
