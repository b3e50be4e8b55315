package operations_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// TestFetchThreatsRequests checks the exact SentinelOne requests of a fetch: sorted by
// updatedAt, the filters under their wire names, the start as updatedAt__gte, and the
// checkpoint's bound an overlap before the newest change delivered.
func TestFetchThreatsRequests(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	at := time.Now().Add(time.Hour).Truncate(time.Second).UTC() // after every seeded threat
	h.sim.Sim.AddThreats(3, s1sim.NewThreat{At: at})
	h.warm()
	h.reset()
	var a fetchAnswer
	from := at.Add(-time.Minute).Format(time.RFC3339)
	h.ok(operations.FetchThreats, map[string]any{"start": from, "site_ids": "11,12", "account_ids": "21",
		"group_ids": "31", "classification": "Malware", "confidence": "malicious,suspicious", "incident_status": "unresolved,in_progress,resolved",
		"verdict": "undefined,true_positive,false_positive,suspicious", "max_items": 10}, &a)
	want := url.Values{"sortBy": {"updatedAt"}, "sortOrder": {"asc"}, "limit": {"10"}, "updatedAt__gte": {from},
		"siteIds": {"11,12"}, "accountIds": {"21"}, "groupIds": {"31"}, "classifications": {"Malware"},
		"confidenceLevels": {"malicious,suspicious"}, "incidentStatuses": {"unresolved,in_progress,resolved"},
		"analystVerdicts": {"undefined,true_positive,false_positive,suspicious"}}
	require.Equal(t, []call{{Method: http.MethodGet, Path: "/threats", Query: want}}, h.calls())

	h.ok(operations.FetchThreats, map[string]any{"start": from, "max_items": 10}, &a)
	require.Equal(t, 3, a.Count)
	require.False(t, a.HasMore)
	h.reset()
	h.ok(operations.FetchThreats, map[string]any{"checkpoint": a.Checkpoint}, &a)
	require.Zero(t, a.Count, "nothing changed: nothing delivered again")
	got := h.calls()
	require.Len(t, got, 1)
	require.Equal(t, at.Add(-operations.Overlap).Format(time.RFC3339Nano), got[0].Query.Get("updatedAt__gte"))
}

// TestFetchThreatsDeliversChanges delivers a new threat, then its verdict change marked
// updated, on 2.1 and 2.0, and a stream redelivers an unacknowledged batch only.
func TestFetchThreatsDeliversChanges(t *testing.T) {
	for _, m := range []mode{{"2.1", true}, {"2.0", false}} {
		t.Run(m.String(), func(t *testing.T) {
			h := newHarness(t, m, s1sim.Options{})
			start := time.Now().Add(-time.Hour)
			var a fetchAnswer
			h.ok(operations.FetchThreats, map[string]any{"start": "60 minutes ago"}, &a)
			require.Zero(t, a.Count)
			ids := h.sim.Sim.AddThreats(2, s1sim.NewThreat{At: start.Add(10 * time.Minute)})
			h.ok(operations.FetchThreats, map[string]any{"checkpoint": a.Checkpoint}, &a)
			require.Equal(t, ids, []string{a.Data[0].ID, a.Data[1].ID})
			require.Empty(t, a.Updated)
			h.sim.Sim.UpdateThreats(ids[:1], s1sim.ThreatChange{AnalystVerdict: "true_positive", At: start.Add(40 * time.Minute)})
			h.ok(operations.FetchThreats, map[string]any{"checkpoint": a.Checkpoint}, &a)
			require.Equal(t, 1, a.Count)
			require.Equal(t, ids[:1], a.Updated)

			// a stream: the unacknowledged batch comes again; after the ack, only what is new
			var s1, s2, s3 fetchAnswer
			h.ok(operations.FetchThreats, map[string]any{"stream": "siem", "start": "60 minutes ago"}, &s1)
			require.Equal(t, 2, s1.Count)
			h.ok(operations.FetchThreats, map[string]any{"stream": "siem"}, &s2)
			require.Equal(t, s1.pairs(), s2.pairs(), "not acknowledged: delivered again")
			h.ok(operations.FetchThreats, map[string]any{"stream": "siem", "ack": s2.Checkpoint}, &s3)
			require.Zero(t, s3.Count)
			h.ok(operations.FetchThreats, map[string]any{"stream": "siem", "ack": s2.Checkpoint}, &s3)
			require.Zero(t, s3.Count, "a repeated ack changes nothing")
		})
	}
}

// TestFetchThreatsRefusesBadParams answers 400 naming the param, before any request.
func TestFetchThreatsRefusesBadParams(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	var a fetchAnswer
	h.ok(operations.FetchThreats, map[string]any{"stream": "s"}, &a)
	h.warm()
	h.reset()
	for _, c := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"checkpoint": "nonsense"}, "checkpoint"},
		{map[string]any{"checkpoint": "s1cp1.%%%"}, "damaged"},
		{map[string]any{"checkpoint": a.Checkpoint, "stream": "s"}, "either a checkpoint or a stream"},
		{map[string]any{"start": "yesterday"}, "start"},
		{map[string]any{"ack": a.Checkpoint}, "give the stream too"},
		{map[string]any{"stream": "s", "ack": "s1cp1.eyJhdCI6IjIwMjAtMDEtMDFUMDA6MDA6MDBaIn0"}, "last delivered batch"},
		{map[string]any{"max_items": 0}, "max_items"},
		{map[string]any{"verdict": "bogus"}, "verdict"},
	} {
		status, msg := h.fail(operations.FetchThreats, c.params)
		require.Equal(t, http.StatusBadRequest, status, msg)
		require.Contains(t, msg, c.want)
	}
	for _, c := range h.calls() {
		require.NotEqual(t, "/threats", c.Path, "a refused call reached SentinelOne")
	}
}

// TestManifestOffersDataIngestion checks that FortiSOAR's ingestion wizard offers the
// connector, scheduled.
func TestManifestOffersDataIngestion(t *testing.T) {
	m, err := app.LoadManifest(nil)
	require.NoError(t, err)
	require.True(t, m.IngestionSupported)
	require.Equal(t, []string{"scheduled"}, m.IngestionModes)
}

// TestGetOutputSchemaThreats returns the newest change, on 2.1 and 2.0, in one request.
func TestGetOutputSchemaThreats(t *testing.T) {
	for _, m := range []mode{{"2.1", true}, {"2.0", false}} {
		t.Run(m.String(), func(t *testing.T) {
			h := newHarness(t, m, s1sim.Options{})
			ids := h.sim.Sim.AddThreats(1, s1sim.NewThreat{At: time.Now().Add(time.Hour)})
			h.warm()
			h.reset()
			var out struct {
				Data   []struct{ ID string } `json:"data"`
				Sample bool                  `json:"sample"`
			}
			h.ok(operations.GetOutputSchemaThreats, map[string]any{}, &out)
			require.True(t, out.Sample)
			require.Len(t, out.Data, 1)
			require.Equal(t, ids[0], out.Data[0].ID)
			require.Equal(t, []call{{Method: http.MethodGet, Path: "/threats",
				Query: url.Values{"sortBy": {"updatedAt"}, "sortOrder": {"desc"}, "limit": {"1"}}}}, h.calls())
		})
	}
}

// TestFetchReadsNoPageForNothing: a fetch reads the next page while it delivers one, but
// never a page past where the call ends, so the requests are those of a walk without
// read-ahead. max_items 2500 over 4000 new threats (in pages of 1000): the first call ends
// at the page boundary after 2000 (two pages); the second re-reads the overlap window's
// 2000 delivered threats, drops them, and ends after 2000 more (four pages).
func TestFetchReadsNoPageForNothing(t *testing.T) {
	t.Parallel() // slow, and shares nothing with other tests
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	at := time.Now().Add(time.Hour).Truncate(time.Second).UTC()
	for i := range 5 {
		h.sim.Sim.AddThreats(1000, s1sim.NewThreat{At: at.Add(time.Duration(i) * time.Second)})
	}
	h.warm()
	h.reset()
	var a fetchAnswer
	from := at.Add(-time.Minute).Format(time.RFC3339)
	h.ok(operations.FetchThreats, map[string]any{"start": from, "max_items": 2500}, &a)
	require.Equal(t, 2000, a.Count)
	require.True(t, a.HasMore)
	require.Len(t, h.calls(), 2, "pages read: the call ends after the second")
	h.reset()
	h.ok(operations.FetchThreats, map[string]any{"checkpoint": a.Checkpoint, "max_items": 2500}, &a)
	require.Equal(t, 2000, a.Count)
	require.True(t, a.HasMore)
	calls := h.calls()
	require.Len(t, calls, 4, "pages read: two of the window, then two new ones")
	for i, c := range calls[1:] {
		require.NotEmpty(t, c.Query.Get("cursor"), "page %d follows the cursor", i+2)
	}
}

// TestFetchAlertsRequests checks the exact SentinelOne requests of an alert fetch: sorted by
// alertInfoCreatedAt, the filters under their wire names in the console's upper case, the
// start as createdAt__gte, and the checkpoint's bound an overlap before the newest alert.
func TestFetchAlertsRequests(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	at := time.Now().Add(time.Hour).Truncate(time.Second).UTC() // after every seeded alert
	h.sim.Sim.AddAlerts(3, s1sim.NewAlert{At: at})
	h.warm()
	h.reset()
	var a alertAnswer
	from := at.Add(-time.Minute).Format(time.RFC3339)
	h.ok(operations.FetchAlerts, map[string]any{"start": from, "site_ids": "11,12", "account_ids": "21",
		"incident_status": "unresolved,in_progress", "verdict": "undefined,true_positive", "rule_name": "dump,Power Shell",
		"max_items": 10}, &a)
	want := url.Values{"sortBy": {"alertInfoCreatedAt"}, "sortOrder": {"asc"}, "limit": {"10"}, "createdAt__gte": {from},
		"siteIds": {"11,12"}, "accountIds": {"21"}, "incidentStatus": {"UNRESOLVED,IN_PROGRESS"},
		"analystVerdict": {"UNDEFINED,TRUE_POSITIVE"}, "ruleName__contains": {"dump,Power Shell"}}
	require.Equal(t, []call{{Method: http.MethodGet, Path: "/cloud-detection/alerts", Query: want}}, h.calls())

	h.ok(operations.FetchAlerts, map[string]any{"start": from, "max_items": 10}, &a)
	require.Equal(t, 3, a.Count)
	h.reset()
	h.ok(operations.FetchAlerts, map[string]any{"checkpoint": a.Checkpoint}, &a)
	require.Zero(t, a.Count, "nothing new: nothing delivered again")
	got := h.calls()
	require.Len(t, got, 1)
	require.Equal(t, at.Add(-operations.Overlap).Format(time.RFC3339Nano), got[0].Query.Get("createdAt__gte"))
}

// TestGetAlertsRequests checks get_alerts' exact request: newest first, the limit, ids and
// the created range.
func TestGetAlertsRequests(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	h.warm()
	h.reset()
	var out []map[string]any
	h.ok(operations.GetAlerts, map[string]any{"ids": "5,6", "created_from": "2030-01-01T00:00:00Z",
		"created_until": "2030-01-02T00:00:00Z", "verdict": "false_positive", "limit": 7}, &out)
	require.Equal(t, []call{{Method: http.MethodGet, Path: "/cloud-detection/alerts", Query: url.Values{
		"sortBy": {"alertInfoCreatedAt"}, "sortOrder": {"desc"}, "limit": {"7"}, "ids": {"5,6"},
		"createdAt__gte": {"2030-01-01T00:00:00Z"}, "createdAt__lte": {"2030-01-02T00:00:00Z"},
		"analystVerdict": {"FALSE_POSITIVE"}}}}, h.calls())
}
