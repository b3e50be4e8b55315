package sentinelone

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAlertsCreated walks by createdAt ascending, the filter under its wire names with the
// enum values upper-cased, the second page by cursor.
func TestAlertsCreated(t *testing.T) {
	f := newFixture(t)
	var got []url.Values
	f.mux.HandleFunc("/cloud-detection/alerts", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testAuth(t, r, "ApiToken "+testAPIToken)
		got = append(got, r.URL.Query())
		if r.URL.Query().Get("cursor") == "" {
			writeJSON(w, http.StatusOK, `{"data":[{"alertInfo":{"alertId":"1"}}],"pagination":{"nextCursor":"c2","totalItems":2}}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"data":[{"alertInfo":{"alertId":"2"}}],"pagination":{"nextCursor":null,"totalItems":2}}`)
	})
	items, err := Collect(f.client.Alerts.Created(context.Background(), AlertFilter{
		SiteIDs: []string{"5", "6"}, AccountIDs: []string{"7"}, IncidentStatuses: []string{"unresolved", "in_progress"},
		AnalystVerdicts: []string{"true_positive"}, RuleNameContains: []string{"dump"}, CreatedAtGTE: "2030-01-01T00:00:00Z",
	}, 1, nil))
	require.NoError(t, err)
	require.Len(t, items, 2)
	first := url.Values{"sortBy": {"alertInfoCreatedAt"}, "sortOrder": {"asc"}, "limit": {"1"}, "siteIds": {"5,6"},
		"accountIds": {"7"}, "incidentStatus": {"UNRESOLVED,IN_PROGRESS"}, "analystVerdict": {"TRUE_POSITIVE"},
		"ruleName__contains": {"dump"}, "createdAt__gte": {"2030-01-01T00:00:00Z"}}
	second := url.Values{}
	for k, v := range first {
		second[k] = v
	}
	second.Set("cursor", "c2")
	assert.Equal(t, []url.Values{first, second}, got)
}

// TestAlertsList asks newest first, with ids and the created range.
func TestAlertsList(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/cloud-detection/alerts", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"sortBy": {"alertInfoCreatedAt"}, "sortOrder": {"desc"}, "limit": {"10"},
			"ids": {"1,2"}, "createdAt__gte": {"2030-01-01T00:00:00Z"}, "createdAt__lte": {"2030-01-02T00:00:00Z"}})
		writeJSON(w, http.StatusOK, `{"data":[{"alertInfo":{"alertId":"2"}}],"pagination":{"nextCursor":null,"totalItems":1}}`)
	})
	items, err := Collect(f.client.Alerts.List(context.Background(), AlertFilter{IDs: []string{"1", "2"},
		CreatedAtGTE: "2030-01-01T00:00:00Z", CreatedAtLTE: "2030-01-02T00:00:00Z"}, ListOptions{Limit: 10}))
	require.NoError(t, err)
	require.Len(t, items, 1)
}

// TestAlertsOnly21 refuses on API 2.0 without a request.
func TestAlertsOnly21(t *testing.T) {
	f := newFixture(t, withVersion20)
	_, err := Collect(f.client.Alerts.List(context.Background(), AlertFilter{}, ListOptions{}))
	require.ErrorIs(t, err, ErrVersionUnsupported)
	assert.ErrorContains(t, err, "/cloud-detection/alerts exists only in API 2.1")
	assert.Zero(t, f.requests.Load())
}

// TestAlertsPinnedScope confines the walk to the pinned sites and refuses an alert whose
// agentDetectionInfo lies outside them.
func TestAlertsPinnedScope(t *testing.T) {
	f := newFixture(t, pinSites("10"))
	f.mux.HandleFunc("/cloud-detection/alerts", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "10", r.URL.Query().Get("siteIds"))
		writeJSON(w, http.StatusOK, `{"data":[{"alertInfo":{"alertId":"1"},"agentDetectionInfo":{"siteId":"10"}},`+
			`{"alertInfo":{"alertId":"2"},"agentDetectionInfo":{"siteId":"99"}}],"pagination":{"nextCursor":null}}`)
	})
	_, err := Collect(f.client.Alerts.Created(context.Background(), AlertFilter{}, 100, nil))
	var se *ScopeError
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Contains(t, err.Error(), `site "99"`)
	_, err = Collect(f.client.Alerts.Created(context.Background(), AlertFilter{SiteIDs: []string{"11"}}, 100, nil))
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Equal(t, "siteIds", se.Key)
}
