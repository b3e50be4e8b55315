package s1sim

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryActionIsAnActivity: each agent action and threat action the simulator applies
// records one activity per object, with the object's agent, site, group and account and a
// type GET /activities/types lists; GET /activities filters them.
func TestEveryActionIsAnActivity(t *testing.T) {
	e := newEnv(t, Options{Agents: 40, Threats: 10})
	a := e.sim.Agents()[2]
	types := map[int]bool{}
	var listed []activityType
	r := e.get("/web/api/v2.1/activities/types", nil)
	require.Equal(t, http.StatusOK, r.status)
	var typesBody struct{ Data []activityType }
	r.json(t, &typesBody)
	listed = typesBody.Data
	for _, ty := range listed {
		types[ty.ID] = true
	}
	one := map[string]any{"ids": []string{a.ID}}
	var actions []string
	for name := range agentActions {
		actions = append(actions, name)
	}
	for name := range respondActions {
		actions = append(actions, name)
	}
	for _, name := range actions {
		before := len(e.sim.Activities())
		body := map[string]any{"filter": one, "data": map[string]any{"message": "hi"}}
		r := e.post("/web/api/v2.1/agents/actions/"+name, body)
		require.Equal(t, http.StatusOK, r.status, "%s: %s", name, r.body)
		acts := e.sim.Activities()
		require.Len(t, acts, before+1, name)
		got := acts[len(acts)-1]
		assert.Equal(t, a.ID, *got.AgentID, name)
		assert.True(t, types[got.ActivityType], "%s: type %d is listed", name, got.ActivityType)
		assert.Equal(t, a.SiteID, got.SiteID)
		assert.Equal(t, a.AccountID, got.AccountID)
	}
	site := e.sim.Sites()[2]
	r = e.post("/web/api/v2.1/agents/actions/move-to-site", map[string]any{"filter": one, "data": map[string]any{"targetSiteId": site.ID}})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	moved, _ := e.sim.Agent(a.ID)
	assert.Equal(t, site.ID, moved.SiteID)
	assert.Equal(t, site.AccountID, moved.AccountID)
	var group Group
	for _, g := range e.sim.Groups() {
		if g.Type == "static" && g.SiteID != site.ID {
			group = g
		}
	}
	r = e.do(http.MethodPut, "/web/api/v2.1/groups/"+group.ID+"/move-agents", map[string]any{"filter": one}, "")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.JSONEq(t, `{"data":{"agentsMoved":1}}`, string(r.body))
	th := e.sim.Threats()[0]
	r = e.post("/web/api/v2.1/threats/mitigate/kill", map[string]any{"filter": map[string]any{"ids": []string{th.ID}}})
	require.Equal(t, http.StatusOK, r.status)
	last := e.sim.Activities()[len(e.sim.Activities())-1]
	assert.Equal(t, th.ID, *last.ThreatID)

	r = e.get("/web/api/v2.1/activities", url.Values{"agentIds": {a.ID}, "limit": {"1000"}})
	var page struct{ Data []Activity }
	r.json(t, &page)
	assert.Len(t, page.Data, len(actions)+2+boolInt(th.AgentID == a.ID))
	r = e.get("/web/api/v2.1/activities", url.Values{"threatIds": {th.ID}})
	r.json(t, &page)
	assert.Len(t, page.Data, 1)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRespondEndpointsCheckAuthFirst: the response endpoints answer 401 without credentials
// before they judge the request, and 400 for a move to no site.
func TestRespondEndpointsCheckAuthFirst(t *testing.T) {
	e := newEnv(t, Options{Agents: 10, Threats: 2})
	for _, p := range []struct{ method, path string }{
		{http.MethodGet, "/web/api/v2.1/sites?limit=0"}, {http.MethodGet, "/web/api/v2.1/groups"},
		{http.MethodGet, "/web/api/v2.1/accounts"}, {http.MethodGet, "/web/api/v2.1/activities"},
		{http.MethodGet, "/web/api/v2.1/activities/types"}, {http.MethodPost, "/web/api/v2.1/agents/actions/restart-machine"},
		{http.MethodPost, "/web/api/v2.1/agents/actions/move-to-site"}, {http.MethodPut, "/web/api/v2.1/groups/1/move-agents"},
	} {
		r := e.do(p.method, p.path, "not json", "-")
		assert.Equal(t, http.StatusUnauthorized, r.status, p.path)
	}
	r := e.post("/web/api/v2.1/agents/actions/move-to-site", map[string]any{"filter": map[string]any{"ids": []string{"1"}}, "data": map[string]any{"targetSiteId": "9"}})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, string(r.body), "targetSiteId")
}
