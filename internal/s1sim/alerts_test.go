package s1sim

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const alertsPath = v21Path + "/cloud-detection/alerts"

// alertPage is one page of GET /cloud-detection/alerts.
type alertPage struct {
	Data []struct {
		AlertInfo struct {
			AlertID        string `json:"alertId"`
			CreatedAt      string `json:"createdAt"`
			UpdatedAt      string `json:"updatedAt"`
			AnalystVerdict string `json:"analystVerdict"`
			IncidentStatus string `json:"incidentStatus"`
		} `json:"alertInfo"`
		RuleInfo struct {
			Name string `json:"name"`
		} `json:"ruleInfo"`
		AgentDetectionInfo struct {
			SiteID    string `json:"siteId"`
			AccountID string `json:"accountId"`
		} `json:"agentDetectionInfo"`
	} `json:"data"`
	Pagination struct {
		NextCursor *string `json:"nextCursor"`
		TotalItems int     `json:"totalItems"`
	} `json:"pagination"`
}

// alertWalk pages the alerts by cursor and returns id@createdAt in the order served.
func alertWalk(t *testing.T, e *env, q url.Values) []string {
	t.Helper()
	var out []string
	cursor := ""
	for {
		p := url.Values{}
		for k, v := range q {
			p[k] = v
		}
		if cursor != "" {
			p.Set("cursor", cursor)
		}
		r := e.get(alertsPath, p)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var page alertPage
		r.json(t, &page)
		for _, d := range page.Data {
			out = append(out, d.AlertInfo.AlertID+"@"+d.AlertInfo.CreatedAt)
		}
		if page.Pagination.NextCursor == nil {
			return out
		}
		cursor = *page.Pagination.NextCursor
	}
}

// TestAlertsByCreatedAt adds alerts through the control endpoint, in a tie and stamped
// before they are visible, and walks them by createdAt: ties by id, the late ones in
// their createdAt place, the bound, desc order, a page size of 2.
func TestAlertsByCreatedAt(t *testing.T) {
	e := newEnv(t, Options{Agents: 10, Threats: 2, Alerts: 5})
	r := e.do(http.MethodPost, "/_sim/alerts", `{"add":3,"at":"2030-01-01T00:10:00Z"}`, "-")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var added struct {
		Added []string `json:"added"`
	}
	r.json(t, &added)
	require.Len(t, added.Added, 3)
	// visible after the tie, created five minutes before it
	r = e.do(http.MethodPost, "/_sim/alerts", `{"add":1,"at":"2030-01-01T00:11:00Z","created_before_seconds":360}`, "-")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var late struct {
		Added []string `json:"added"`
	}
	r.json(t, &late)

	q := url.Values{"sortBy": {"alertInfoCreatedAt"}, "sortOrder": {"asc"}, "limit": {"2"}, "createdAt__gte": {"2030-01-01T00:00:00Z"}}
	got := alertWalk(t, e, q)
	want := []string{late.Added[0] + "@2030-01-01T00:05:00.000000Z"}
	for _, id := range added.Added {
		want = append(want, id+"@2030-01-01T00:10:00.000000Z")
	}
	require.Equal(t, want, got)
	q.Set("sortOrder", "desc")
	rev := alertWalk(t, e, q)
	slices.Reverse(rev)
	require.Equal(t, want, rev)
	q.Set("createdAt__gt", "2030-01-01T00:05:00Z")
	require.Equal(t, want[1:], alertWalk(t, e, url.Values{"sortBy": {"alertInfoCreatedAt"}, "createdAt__gt": {"2030-01-01T00:05:00Z"}}))
	require.Len(t, alertWalk(t, e, url.Values{"limit": {"3"}}), 9, "the 5 seeded and the 4 added, by id")

	// an update moves updatedAt, not the alert's place in createdAt order
	r = e.do(http.MethodPost, "/_sim/alerts", `{"update":1,"verdict":"true_positive","status":"resolved","at":"2030-01-02T00:00:00Z"}`, "-")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	first := e.sim.Alerts()[0]
	assert.Equal(t, "TRUE_POSITIVE", first.AnalystVerdict)
	assert.Equal(t, "2030-01-02T00:00:00.000000Z", first.UpdatedAt)
	var page alertPage
	e.get(alertsPath, url.Values{"ids": {first.ID}}).json(t, &page)
	require.Len(t, page.Data, 1)
	assert.Equal(t, "TruePositive", page.Data[0].AlertInfo.AnalystVerdict)
	assert.Equal(t, "Resolved", page.Data[0].AlertInfo.IncidentStatus)
	assert.Equal(t, "2030-01-02T00:00:00.000000Z", page.Data[0].AlertInfo.UpdatedAt)
}

// TestAlertFilters checks the content and scope filters against the store.
func TestAlertFilters(t *testing.T) {
	e := newEnv(t, Options{Agents: 50, Threats: 2, Alerts: 60})
	all := e.sim.Alerts()
	count := func(q url.Values) int {
		var page alertPage
		r := e.get(alertsPath, q)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.json(t, &page)
		return page.Pagination.TotalItems
	}
	n := func(keep func(*Alert) bool) int {
		c := 0
		for i := range all {
			if keep(&all[i]) {
				c++
			}
		}
		return c
	}
	a := all[0]
	assert.Equal(t, n(func(x *Alert) bool { return x.SiteID == a.SiteID }), count(url.Values{"siteIds": {a.SiteID}}))
	assert.Equal(t, n(func(x *Alert) bool { return x.AccountID == a.AccountID }), count(url.Values{"accountIds": {a.AccountID}}))
	assert.Equal(t, n(func(x *Alert) bool { return x.IncidentStatus != "UNRESOLVED" }), count(url.Values{"incidentStatus": {"IN_PROGRESS,RESOLVED"}}))
	assert.Equal(t, n(func(x *Alert) bool { return x.AnalystVerdict == "UNDEFINED" }), count(url.Values{"analystVerdict": {"UNDEFINED"}}))
	assert.Equal(t, n(func(x *Alert) bool { return x.Rule.Name == "Credential dumping" }), count(url.Values{"ruleName__contains": {"credential"}}))
	assert.Equal(t, 2, count(url.Values{"ids": {all[1].ID + "," + all[2].ID}}))
	assert.Positive(t, n(func(x *Alert) bool { return x.SiteID != a.SiteID }), "the seeded alerts span sites")
}

// TestAlertsRefusals: 401 before validation, 400 for a bad sortBy, value or date, and no
// such path on 2.0.
func TestAlertsRefusals(t *testing.T) {
	e := newEnv(t, Options{Agents: 5, Alerts: 3})
	r := e.do(http.MethodGet, alertsPath+"?sortBy=bogus", nil, "-")
	assert.Equal(t, http.StatusUnauthorized, r.status)
	for _, q := range []url.Values{{"sortBy": {"bogus"}}, {"incidentStatus": {"unresolved"}}, {"analystVerdict": {"NOPE"}},
		{"createdAt__gte": {"yesterday"}}, {"limit": {"1001"}}, {"cursor": {"garbage"}}} {
		r := e.get(alertsPath, q)
		assert.Equal(t, http.StatusBadRequest, r.status, "%v: %s", q, r.body)
	}
	assert.Equal(t, http.StatusNotFound, e.get("/web/api/v2.0/cloud-detection/alerts", nil).status)
	r = e.do(http.MethodPost, "/_sim/alerts", `{"add":1,"verdict":"maybe"}`, "-")
	assert.Equal(t, http.StatusBadRequest, r.status)
	e.sim.Reset()
	assert.Len(t, e.sim.Alerts(), 3, "a reset regenerates the seeded alerts")
}
