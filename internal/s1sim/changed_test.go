package s1sim

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// changedWalk pages GET /threats sorted by updatedAt by cursor and returns id@updatedAt.
func changedWalk(t *testing.T, e *env, q url.Values, limit string) []string {
	t.Helper()
	var out []string
	cursor := ""
	for {
		p := url.Values{"sortBy": {"updatedAt"}, "sortOrder": {"asc"}, "limit": {limit}}
		for k, v := range q {
			p[k] = v
		}
		if cursor != "" {
			p.Set("cursor", cursor)
		}
		var page struct {
			Data []struct {
				ID         string `json:"id"`
				ThreatInfo struct {
					UpdatedAt string `json:"updatedAt"`
				} `json:"threatInfo"`
			} `json:"data"`
			Pagination struct {
				NextCursor *string `json:"nextCursor"`
			} `json:"pagination"`
		}
		r := e.get("/web/api/v2.1/threats", p)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.json(t, &page)
		for _, d := range page.Data {
			out = append(out, d.ID+"@"+d.ThreatInfo.UpdatedAt)
		}
		if page.Pagination.NextCursor == nil {
			return out
		}
		cursor = *page.Pagination.NextCursor
	}
}

// TestThreatsByUpdateAndChurn adds and updates threats through the control endpoint and
// walks them in updatedAt order: ties by id, updated threats moved to the end, the bound.
func TestThreatsByUpdateAndChurn(t *testing.T) {
	e := newEnv(t, Options{Agents: 10, Threats: 6})
	r := e.do(http.MethodPost, "/_sim/threats", `{"add":3,"at":"2030-01-01T00:00:00Z","created_before_seconds":60}`, "-")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var added struct {
		Added   []string `json:"added"`
		Updated int      `json:"updated"`
	}
	r.json(t, &added)
	require.Len(t, added.Added, 3)
	th, ok := e.sim.Threat(added.Added[0])
	require.True(t, ok)
	assert.Equal(t, "2030-01-01T00:00:00.000000Z", th.UpdatedAt)
	assert.Equal(t, "2029-12-31T23:59:00.000000Z", th.CreatedAt, "stamped before it is visible")

	r = e.do(http.MethodPost, "/_sim/threats", `{"update":2,"verdict":"true_positive","at":"2030-01-02T00:00:00Z"}`, "-")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var updated struct {
		Updated int `json:"updated"`
	}
	r.json(t, &updated)
	assert.Equal(t, 2, updated.Updated)

	all := changedWalk(t, e, nil, "2")
	require.Len(t, all, 9)
	first := e.sim.Threats()[:2]
	assert.Equal(t, []string{first[0].ID + "@2030-01-02T00:00:00.000000Z", first[1].ID + "@2030-01-02T00:00:00.000000Z"}, all[7:],
		"updated last, ties by id")
	assert.Equal(t, added.Added[0]+"@2030-01-01T00:00:00.000000Z", all[4])
	bounded := changedWalk(t, e, url.Values{"updatedAt__gte": {"2030-01-01T00:00:00Z"}}, "1000")
	assert.Equal(t, all[4:], bounded)

	requireError(t, e.do(http.MethodPost, "/_sim/threats", `{"add":-1}`, "-"), http.StatusBadRequest, 4000010)
	requireError(t, e.do(http.MethodPost, "/_sim/threats", `{"adds":1}`, "-"), http.StatusBadRequest, 4000010)
	requireError(t, e.get("/web/api/v2.1/threats", url.Values{"sortBy": {"updatedAt"}, "cursor": {"bogus"}}), http.StatusBadRequest, 4000010)
}
