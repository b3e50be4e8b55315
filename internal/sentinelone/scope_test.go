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

func pinSites(ids ...string) func(*Config) {
	return func(c *Config) { c.Pin.SiteIDs = ids }
}

func pinAccounts(ids ...string) func(*Config) {
	return func(c *Config) { c.Pin.AccountIDs = ids }
}

// TestScopeNarrowsRequests: a pinned scope is added to every agent and threat request that
// lacks it, a call's own sites may narrow it, and sites outside it are refused before any
// request.
func TestScopeNarrowsRequests(t *testing.T) {
	f := newFixture(t, pinSites("10", "11"))
	ctx := context.Background()
	var got []url.Values
	f.mux.HandleFunc("/agents", func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Query())
		writeJSON(w, http.StatusOK, `{"data":[{"id":"1","siteId":"10","accountId":"7"}],"pagination":{"nextCursor":null}}`)
	})
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"siteIds": {"10,11"}, "isActive": {"true"}})
		writeJSON(w, http.StatusOK, `{"data":{"total":3}}`)
	})
	f.mux.HandleFunc("/agents/actions/disconnect", func(w http.ResponseWriter, r *http.Request) {
		testBody(t, r, `{"filter":{"ids":["1"],"siteIds":["11"]},"data":{}}`)
		writeJSON(w, http.StatusOK, `{"data":{"affected":1}}`)
	})
	f.mux.HandleFunc("/threats/mitigate/kill", func(w http.ResponseWriter, r *http.Request) {
		testBody(t, r, `{"filter":{"ids":["5"],"siteIds":["10","11"]},"data":{}}`)
		writeJSON(w, http.StatusOK, `{"data":{"affected":1}}`)
	})
	_, err := Collect(f.client.Agents.Pages(ctx, AgentFilter{IDs: []string{"1"}}.Filter(), ListOptions{}))
	require.NoError(t, err)
	_, err = Collect(f.client.Agents.Pages(ctx, AgentFilter{SiteIDs: []string{"10"}}.Filter(), ListOptions{}))
	require.NoError(t, err)
	assert.Equal(t, []url.Values{
		{"ids": {"1"}, "siteIds": {"10,11"}, "limit": {"1000"}},
		{"siteIds": {"10"}, "limit": {"1000"}},
	}, got)
	n, err := f.client.Agents.Count(ctx, AgentFilter{IsActive: ptrTo(true)}.Filter())
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	_, err = f.client.Agents.Action(ctx, ActionDisconnect, AgentFilter{IDs: []string{"1"}, SiteIDs: []string{"11"}}.Filter(), nil)
	require.NoError(t, err)
	_, err = f.client.Threats.Mitigate(ctx, MitigateKill, ThreatFilter{IDs: []string{"5"}}.Filter())
	require.NoError(t, err)

	before := f.requests.Load()
	_, err = f.client.Agents.Action(ctx, ActionDisconnect, AgentFilter{SiteIDs: []string{"10", "99"}}.Filter(), nil)
	var se *ScopeError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "siteIds", se.Key)
	assert.Equal(t, []string{"99"}, se.IDs)
	assert.Contains(t, err.Error(), "99 is outside the pinned scope (sites 10, 11)")
	_, err = f.client.Threats.Count(ctx, ThreatFilter{SiteIDs: []string{"98"}}.Filter())
	require.ErrorAs(t, err, &se)
	assert.Equal(t, before, f.requests.Load(), "nothing is sent outside the scope")
	assert.Equal(t, Pin{SiteIDs: []string{"10", "11"}}, f.client.PinnedScope())
}

func ptrTo[T any](v T) *T { return &v }

// TestScopeRefusesAnswersOutside: an object SentinelOne returns outside the scope (a console
// that ignored the filter) fails the walk instead of reaching the caller.
func TestScopeRefusesAnswersOutside(t *testing.T) {
	f := newFixture(t, pinAccounts("7"))
	f.mux.HandleFunc("/agents", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"data":[{"id":"1","siteId":"10","accountId":"7"},{"id":"2","siteId":"20","accountId":"8"}],"pagination":{"nextCursor":null}}`)
	})
	f.mux.HandleFunc("/threats", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"accountIds": {"7"}, "limit": {"1000"}})
		writeJSON(w, http.StatusOK, `{"data":[{"id":"5","agentRealtimeInfo":{"siteId":"20","accountId":"8"}}],"pagination":{"nextCursor":null}}`)
	})
	_, err := Collect(f.client.Agents.Pages(context.Background(), Filter{}, ListOptions{}))
	var se *ScopeError
	require.ErrorAs(t, err, &se)
	assert.Empty(t, se.Key)
	assert.Contains(t, err.Error(), `SentinelOne returned an item of list agents in account "8" outside the pinned scope (accounts 7)`)
	_, err = Collect(f.client.Threats.Pages(context.Background(), Filter{}, ListOptions{}))
	require.ErrorAs(t, err, &se, "2.1 threats name their account in agentRealtimeInfo")
}

// TestScopeByIDEndpoints: the endpoints that take bare agent ids first confirm the ids lie in
// the scope, and the sites a call names under pinned accounts must belong to them.
func TestScopeByIDEndpoints(t *testing.T) {
	f := newFixture(t, pinAccounts("7"))
	f.mux.HandleFunc("/agents", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"ids": {"1,2"}, "accountIds": {"7"}, "isDecommissioned": {"false,true"}, "limit": {"1000"}})
		writeJSON(w, http.StatusOK, `{"data":[{"id":"1","siteId":"10","accountId":"7"}],"pagination":{"nextCursor":null}}`)
	})
	f.mux.HandleFunc("/agents/applications", func(w http.ResponseWriter, r *http.Request) {
		t.Error("applications asked for an agent outside the scope")
	})
	f.mux.HandleFunc("/sites", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"siteIds": {"10,20"}, "accountIds": {"7"}, "limit": {"1000"}})
		writeJSON(w, http.StatusOK, `{"data":{"allSites":{},"sites":[{"id":"10","accountId":"7"}]},"pagination":{"nextCursor":null}}`)
	})
	_, err := f.client.Agents.Applications(context.Background(), []string{"1", "2"})
	var se *ScopeError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, []string{"2"}, se.IDs)
	_, err = f.client.Agents.Count(context.Background(), AgentFilter{SiteIDs: []string{"10", "20"}}.Filter())
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "siteIds", se.Key)
	assert.Equal(t, []string{"20"}, se.IDs)
}

// TestRespondEndpoints pins the requests of the response area's endpoints.
func TestRespondEndpoints(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.mux.HandleFunc("/groups/55/move-agents", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPut)
		testBody(t, r, `{"filter":{"ids":["1","2"]}}`)
		writeJSON(w, http.StatusOK, `{"data":{"agentsMoved":2}}`)
	})
	f.mux.HandleFunc("/agents/actions/move-to-site", func(w http.ResponseWriter, r *http.Request) {
		testBody(t, r, `{"filter":{"ids":["1"]},"data":{"targetSiteId":"10"}}`)
		writeJSON(w, http.StatusOK, `{"data":{"affected":1}}`)
	})
	f.mux.HandleFunc("/agents/actions/enable-agent", func(w http.ResponseWriter, r *http.Request) {
		testBody(t, r, `{"filter":{"ids":["1"]},"data":{"shouldReboot":true}}`)
		writeJSON(w, http.StatusOK, `{"data":{"affected":1}}`)
	})
	f.mux.HandleFunc("/sites", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"accountIds": {"7"}, "limit": {"1000"}})
		writeJSON(w, http.StatusOK, `{"data":{"allSites":{"activeLicenses":3},"sites":[{"id":"10"},{"id":"11"}]},"pagination":{"nextCursor":null}}`)
	})
	f.mux.HandleFunc("/activities", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"agentIds": {"1"}, "activityTypes": {"61,62"}, "createdAt__gte": {"2024-06-01T00:00:00.000000Z"},
			"sortBy": {"createdAt"}, "sortOrder": {"asc"}, "limit": {"1000"}})
		writeJSON(w, http.StatusOK, `{"data":[{"id":"a1"}],"pagination":{"nextCursor":null}}`)
	})
	f.mux.HandleFunc("/activities/types", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"data":[{"id":61,"action":"Agent Disconnected From Network"}]}`)
	})
	n, err := f.client.Agents.MoveToGroup(ctx, Filter{"ids": []string{"1", "2"}}, "55")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	n, err = f.client.Agents.MoveToSite(ctx, Filter{"ids": []string{"1"}}, "10")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = f.client.Agents.Action(ctx, ActionEnable, Filter{"ids": []string{"1"}}, map[string]any{"shouldReboot": true})
	require.NoError(t, err)
	sites, err := Collect(f.client.Management.Sites(ctx, SiteFilter{AccountIDs: []string{"7"}}, ListOptions{}))
	require.NoError(t, err)
	assert.Len(t, sites, 2, "sites are data.sites")
	acts, err := Collect(f.client.Management.Activities(ctx, ActivityFilter{AgentIDs: []string{"1"}, ActivityTypes: []string{"61", "62"},
		CreatedAtGTE: "2024-06-01T00:00:00.000000Z", SortBy: "createdAt", SortOrder: "asc"}, ListOptions{}))
	require.NoError(t, err)
	assert.Len(t, acts, 1)
	types, err := f.client.Management.ActivityTypes(ctx)
	require.NoError(t, err)
	assert.Len(t, types, 1)
	_, err = f.client.Agents.MoveToGroup(ctx, Filter{"ids": []string{"1"}}, "")
	assert.Error(t, err)
	assert.False(t, errors.Is(err, ErrNotFound))
}

// TestThreatsInScope: threats named by id alone are confirmed inside the scope first.
func TestThreatsInScope(t *testing.T) {
	f := newFixture(t, pinSites("10"))
	f.mux.HandleFunc("/threats", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"ids": {"5,6"}, "siteIds": {"10"}, "limit": {"1000"}})
		writeJSON(w, http.StatusOK, `{"data":[{"id":"5","agentRealtimeInfo":{"siteId":"10","accountId":"7"}}],"pagination":{"nextCursor":null}}`)
	})
	err := f.client.Threats.inScope(context.Background(), "add a note", []string{"5", "6"})
	var se *ScopeError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "threatIds", se.Key)
	assert.Equal(t, []string{"6"}, se.IDs)
	assert.Contains(t, err.Error(), "threat(s) 6 not found inside the pinned scope (sites 10)")
	unpinned := newFixture(t)
	require.NoError(t, unpinned.client.Threats.inScope(context.Background(), "add a note", []string{"5"}), "no request without a pin")
}
