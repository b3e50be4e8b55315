package operations_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// alertItem is the part of an alert the tests read.
type alertItem struct {
	AlertInfo struct {
		AlertID        string `json:"alertId"`
		CreatedAt      string `json:"createdAt"`
		AnalystVerdict string `json:"analystVerdict"`
		IncidentStatus string `json:"incidentStatus"`
	} `json:"alertInfo"`
	RuleInfo struct {
		Name string `json:"name"`
	} `json:"ruleInfo"`
	AgentDetectionInfo struct {
		SiteID string `json:"siteId"`
	} `json:"agentDetectionInfo"`
}

// alertAnswer is fetch_alerts' answer.
type alertAnswer struct {
	Data       []alertItem `json:"data"`
	Checkpoint string      `json:"checkpoint"`
	HasMore    bool        `json:"has_more"`
	Count      int         `json:"count"`
	Updated    []string    `json:"updated"`
	Stream     string      `json:"stream"`
}

// ids lists the delivered alert ids.
func (a alertAnswer) ids() []string {
	out := make([]string, len(a.Data))
	for i, d := range a.Data {
		out[i] = d.AlertInfo.AlertID
	}
	return out
}

// TestFetchAlertsDeliversNew delivers new alerts once each, in createdAt order (a late one
// stamped before the newest delivered, within the overlap, too), never an alert again after
// its verdict changes; a stream redelivers an unacknowledged batch only.
func TestFetchAlertsDeliversNew(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	start := time.Now().Add(-time.Hour).UTC()
	var a alertAnswer
	h.ok(operations.FetchAlerts, map[string]any{"start": "60 minutes ago"}, &a)
	require.Zero(t, a.Count, "the seeded alerts are older")
	ids := h.sim.Sim.AddAlerts(2, s1sim.NewAlert{At: start.Add(10 * time.Minute)})
	h.ok(operations.FetchAlerts, map[string]any{"checkpoint": a.Checkpoint}, &a)
	require.Equal(t, ids, a.ids())
	require.Empty(t, a.Updated)

	// visible now, created two minutes before the newest delivered: inside the overlap
	late := h.sim.Sim.AddAlerts(1, s1sim.NewAlert{At: start.Add(11 * time.Minute), CreatedBefore: 3 * time.Minute})
	h.sim.Sim.UpdateAlerts(ids[:1], s1sim.AlertChange{AnalystVerdict: "TRUE_POSITIVE", At: start.Add(12 * time.Minute)})
	h.ok(operations.FetchAlerts, map[string]any{"checkpoint": a.Checkpoint}, &a)
	require.Equal(t, late, a.ids(), "the late alert once; the changed one not again")
	require.Empty(t, a.Updated)
	h.ok(operations.FetchAlerts, map[string]any{"checkpoint": a.Checkpoint}, &a)
	require.Zero(t, a.Count)

	var s1, s2, s3 alertAnswer
	h.ok(operations.FetchAlerts, map[string]any{"stream": "siem", "start": "60 minutes ago"}, &s1)
	require.Equal(t, append([]string{late[0]}, ids...), s1.ids(), "createdAt order: the late one first")
	h.ok(operations.FetchAlerts, map[string]any{"stream": "siem"}, &s2)
	require.Equal(t, s1.ids(), s2.ids(), "not acknowledged: delivered again")
	h.ok(operations.FetchAlerts, map[string]any{"stream": "siem", "ack": s2.Checkpoint}, &s3)
	require.Zero(t, s3.Count)
	require.Equal(t, "siem", s3.Stream)

	// a threats stream of the same name is another stream
	var th fetchAnswer
	h.ok(operations.FetchThreats, map[string]any{"stream": "siem", "start": "60 minutes ago"}, &th)
	require.Zero(t, th.Count)
}

// TestFetchAlertsRefusesOtherCheckpoints: a fetch_threats checkpoint is refused by name, and
// fetch_threats refuses an alerts one, before any request.
func TestFetchAlertsRefusesOtherCheckpoints(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	var th fetchAnswer
	var al alertAnswer
	h.ok(operations.FetchThreats, map[string]any{"start": "5 minutes ago"}, &th)
	h.ok(operations.FetchAlerts, map[string]any{"start": "5 minutes ago"}, &al)
	h.reset()
	status, msg := h.fail(operations.FetchAlerts, map[string]any{"checkpoint": th.Checkpoint})
	require.Equal(t, http.StatusBadRequest, status, msg)
	require.Contains(t, msg, "checkpoint is a checkpoint of fetch_threats, not of fetch_alerts")
	status, msg = h.fail(operations.FetchThreats, map[string]any{"checkpoint": al.Checkpoint})
	require.Equal(t, http.StatusBadRequest, status, msg)
	require.Contains(t, msg, "checkpoint is a checkpoint of fetch_alerts, not of fetch_threats")
	status, msg = h.fail(operations.FetchAlerts, map[string]any{"stream": "s", "ack": th.Checkpoint})
	require.Equal(t, http.StatusBadRequest, status, msg)
	require.Contains(t, msg, "ack is a checkpoint of fetch_threats")
	require.Empty(t, h.calls())
}

// TestAlertsBadParams answers 400 naming the param, before any request.
func TestAlertsBadParams(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	h.warm()
	h.reset()
	for _, c := range []struct {
		op     string
		params map[string]any
		want   string
	}{
		{operations.FetchAlerts, map[string]any{"checkpoint": "nonsense"}, "checkpoint"},
		{operations.FetchAlerts, map[string]any{"start": "soon"}, "start"},
		{operations.FetchAlerts, map[string]any{"verdict": "bogus"}, "verdict"},
		{operations.FetchAlerts, map[string]any{"incident_status": "open"}, "incident_status"},
		{operations.FetchAlerts, map[string]any{"max_items": 0}, "max_items"},
		{operations.GetAlerts, map[string]any{"limit": 1001}, "limit"},
		{operations.GetAlerts, map[string]any{"created_from": "last week"}, "created_from"},
		{operations.GetAlerts, map[string]any{"created_from": "2030-01-02T00:00:00Z", "created_until": "2030-01-01T00:00:00Z"}, "created_until"},
		{operations.GetAlerts, map[string]any{"ids": "12,abc"}, "ids"},
	} {
		status, msg := h.fail(c.op, c.params)
		require.Equal(t, http.StatusBadRequest, status, "%s %v: %s", c.op, c.params, msg)
		require.Contains(t, msg, c.want)
	}
	require.Empty(t, h.calls(), "a refused call reached SentinelOne")
}

// TestAlertsOn20 refuses both alert operations on API 2.0 with a clear error and no request.
func TestAlertsOn20(t *testing.T) {
	h := newHarness(t, mode{"2.0", false}, s1sim.Options{})
	h.warm()
	h.reset()
	for _, op := range []string{operations.FetchAlerts, operations.GetAlerts} {
		status, msg := h.fail(op, map[string]any{})
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, msg, op+" needs SentinelOne API 2.1: GET /cloud-detection/alerts does not exist in API 2.0")
	}
	assert.Empty(t, h.calls())
}

// TestGetAlerts lists newest first within the limit, filters by status, verdict, rule and
// site, and reads back a verdict the console changed.
func TestGetAlerts(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{Alerts: 40})
	all := h.sim.Sim.Alerts()
	var out []alertItem
	h.ok(operations.GetAlerts, map[string]any{"limit": 5}, &out)
	require.Len(t, out, 5)
	for i := 1; i < len(out); i++ {
		require.GreaterOrEqual(t, out[i-1].AlertInfo.CreatedAt, out[i].AlertInfo.CreatedAt, "newest first")
	}
	h.ok(operations.GetAlerts, map[string]any{"incident_status": "resolved", "limit": 1000}, &out)
	n := 0
	for _, a := range all {
		if a.IncidentStatus == "RESOLVED" {
			n++
		}
	}
	require.Len(t, out, n)
	for _, a := range out {
		require.Equal(t, "Resolved", a.AlertInfo.IncidentStatus)
	}
	h.ok(operations.GetAlerts, map[string]any{"rule_name": "credential", "site_ids": all[0].SiteID, "limit": 1000}, &out)
	for _, a := range out {
		require.Equal(t, "Credential dumping", a.RuleInfo.Name)
		require.Equal(t, all[0].SiteID, a.AgentDetectionInfo.SiteID)
	}

	h.sim.Sim.UpdateAlerts([]string{all[3].ID}, s1sim.AlertChange{AnalystVerdict: "FALSE_POSITIVE", IncidentStatus: "RESOLVED"})
	h.ok(operations.GetAlerts, map[string]any{"ids": all[3].ID}, &out)
	require.Len(t, out, 1)
	require.Equal(t, "FalsePositive", out[0].AlertInfo.AnalystVerdict)
	h.ok(operations.GetAlerts, map[string]any{"ids": all[3].ID, "verdict": "false_positive"}, &out)
	require.Len(t, out, 1)
}

// TestAlertsPinnedScope confines both alert operations to the configuration's pinned site:
// only its alerts come back, and a site outside it is refused naming the param, with no
// request.
func TestAlertsPinnedScope(t *testing.T) {
	probe := s1sim.New(s1sim.Options{Alerts: 40})
	site := probe.Alerts()[0].SiteID
	h := newHarnessWith(t, mode{"2.1", true}, s1sim.Options{Alerts: 40}, map[string]any{"scope_site_ids": site})
	want := 0
	for _, a := range h.sim.Sim.Alerts() {
		if a.SiteID == site {
			want++
		}
	}
	require.Positive(t, want)
	require.Less(t, want, 40)
	var out []alertItem
	h.ok(operations.GetAlerts, map[string]any{"limit": 1000}, &out)
	require.Len(t, out, want)
	var a alertAnswer
	h.ok(operations.FetchAlerts, map[string]any{"start": "2024-01-01T00:00:00Z"}, &a)
	require.Equal(t, want, a.Count)
	for _, x := range a.Data {
		require.Equal(t, site, x.AgentDetectionInfo.SiteID)
	}
	h.reset()
	status, msg := h.fail(operations.FetchAlerts, map[string]any{"site_ids": "1"})
	require.Equal(t, http.StatusBadRequest, status, msg)
	require.Contains(t, msg, "site_ids: 1 is outside the pinned scope")
	require.Empty(t, h.calls())
}
