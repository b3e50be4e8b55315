package s1sim

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const v21Path = "/web/api/v2.1"

// TestTriageAuthBeforeValidation: every triage endpoint answers 401 to a bad token before
// it looks at the body, and 403 to the read-only user on writes.
func TestTriageAuthBeforeValidation(t *testing.T) {
	e := newEnv(t, Options{Agents: 10, Threats: 5})
	th := e.sim.Threats()[0]
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/threats/incident"}, {http.MethodPost, "/threats/notes"},
		{http.MethodGet, "/threats/" + th.ID + "/notes"}, {http.MethodGet, "/threats/" + th.ID + "/timeline"},
		{http.MethodGet, "/restrictions"}, {http.MethodPost, "/restrictions"}, {http.MethodDelete, "/restrictions"},
		{http.MethodGet, "/exclusions"}, {http.MethodPost, "/exclusions"}, {http.MethodDelete, "/exclusions"},
	} {
		requireError(t, e.do(c.method, v21Path+c.path, "not json", "ApiToken wrong"), http.StatusUnauthorized, codeAuth)
		if c.method != http.MethodGet {
			requireError(t, e.do(c.method, v21Path+c.path, "not json", "ApiToken "+ViewerAPIToken), http.StatusForbidden, codeForbidden)
			requireError(t, e.do(c.method, v21Path+c.path, "not json", ""), http.StatusBadRequest, codeValidation)
		}
	}
	requireError(t, e.post("/web/api/v2.0/threats/incident", map[string]any{}), http.StatusNotFound, codeNotFound)
	requireError(t, e.do(http.MethodPut, v21Path+"/restrictions", nil, ""), http.StatusMethodNotAllowed, codeMethod)
}

// TestIncidentKeepsAgentsConsistent: resolving a threat takes it out of its agent's
// activeThreats and infected; reopening puts it back; updatedAt moves each time; the
// timeline records each change.
func TestIncidentKeepsAgentsConsistent(t *testing.T) {
	e := newEnv(t, Options{Agents: 20, Threats: 10})
	var th Threat
	for _, x := range e.sim.Threats() {
		if x.active() {
			th = x
			break
		}
	}
	require.NotEmpty(t, th.ID)
	before, _ := e.sim.Agent(th.AgentID)
	body := func(status string) map[string]any {
		return map[string]any{"filter": map[string]any{"ids": []string{th.ID}}, "data": map[string]any{"incidentStatus": status}}
	}
	r := e.post(v21Path+"/threats/incident", body("resolved"))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	after, _ := e.sim.Agent(th.AgentID)
	assert.Equal(t, before.ActiveThreats-1, after.ActiveThreats)
	assert.Equal(t, after.ActiveThreats > 0, after.Infected)
	now, _ := e.sim.Threat(th.ID)
	assert.True(t, now.Resolved)
	assert.NotEqual(t, th.UpdatedAt, now.UpdatedAt)

	r = e.post(v21Path+"/threats/incident", body("unresolved"))
	require.Equal(t, http.StatusOK, r.status)
	again, _ := e.sim.Agent(th.AgentID)
	assert.Equal(t, before.ActiveThreats, again.ActiveThreats)
	assert.True(t, again.Infected)
	requireError(t, e.post(v21Path+"/threats/incident", body("closed")), http.StatusBadRequest, codeValidation)

	tl := e.sim.Timeline(th.ID)
	require.Len(t, tl, 3, "detection and two status changes")
	assert.Equal(t, ActivityDetected, tl[0].ActivityType)
	assert.Equal(t, ActivityIncidentStatus, tl[2].ActivityType)
}

// TestListDuplicates: the same type, value and OS in the same scope is refused with
// 4000030; another scope or OS is a new entry; an unknown scope id is a 400.
func TestListDuplicates(t *testing.T) {
	e := newEnv(t, Options{Agents: 10, Threats: 5})
	a := e.sim.Agents()[0]
	hash := e.sim.Threats()[0].SHA1
	add := func(filter map[string]any, os string) resp {
		return e.post(v21Path+"/restrictions", map[string]any{"filter": filter,
			"data": map[string]any{"type": "black_hash", "value": hash, "osType": os}})
	}
	require.Equal(t, http.StatusOK, add(map[string]any{"tenant": true}, "windows").status)
	requireError(t, add(map[string]any{"tenant": true}, "windows"), http.StatusBadRequest, codeAlreadyExists)
	require.Equal(t, http.StatusOK, add(map[string]any{"tenant": true}, "linux").status)
	require.Equal(t, http.StatusOK, add(map[string]any{"siteIds": []string{a.SiteID}}, "windows").status)
	requireError(t, add(map[string]any{"siteIds": []string{"123"}}, "windows"), http.StatusBadRequest, codeValidation)
	requireError(t, add(map[string]any{}, "windows"), http.StatusBadRequest, codeValidation)
	assert.Len(t, e.sim.Blocklist(), 3)

	var page struct {
		Data []ListEntry `json:"data"`
	}
	e.get(v21Path+"/restrictions", url.Values{"siteIds": {a.SiteID}}).json(t, &page)
	require.Len(t, page.Data, 1)
	r := e.do(http.MethodDelete, v21Path+"/restrictions", map[string]any{"data": map[string]any{"ids": []string{page.Data[0].ID}, "type": "black_hash"}}, "")
	require.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"data":{"affected":1}}`, string(r.body))
	assert.Len(t, e.sim.Blocklist(), 2)
}
