package sentinelone

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAgentsPages(t *testing.T) {
	f := newFixture(t)
	calls := 0
	f.mux.HandleFunc("/agents", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testAuth(t, r, "ApiToken "+testAPIToken)
		calls++
		want := url.Values{
			"ids":                {"1,2,3"},
			"isActive":           {"true"},
			"isDecommissioned":   {"false,true"},
			"totalMemory__gt":    {"4096"},
			"coreCount__lt":      {"8"},
			"computerName__like": {"lab"},
			"osTypes":            {"windows,linux"},
			"ratio":              {"1.5"},
			"limit":              {"1000"},
		}
		if calls == 1 {
			testQuery(t, r, want)
			writeJSON(w, http.StatusOK, `{"data":[{"id":"1"},{"id":"2"}],"pagination":{"nextCursor":"Y3Vyc29yOjI=","totalItems":3}}`)
			return
		}
		want.Set("cursor", "Y3Vyc29yOjI=")
		testQuery(t, r, want)
		writeJSON(w, http.StatusOK, `{"data":[{"id":"3"}],"pagination":{"nextCursor":null,"totalItems":3}}`)
	})
	filter := Filter{
		"ids":                []string{"1", "2", "3"},
		"isActive":           true,
		"isDecommissioned":   []bool{false, true},
		"totalMemory__gt":    4096,
		"coreCount__lt":      int64(8),
		"computerName__like": "lab",
		"osTypes":            []string{"windows", "linux"},
		"ratio":              1.5,
	}
	var pages [][]map[string]any
	for page, err := range f.client.Agents.Pages(context.Background(), filter, ListOptions{}) {
		require.NoError(t, err)
		pages = append(pages, decodeJSON(t, page))
	}
	assert.Equal(t, [][]map[string]any{{{"id": "1"}, {"id": "2"}}, {{"id": "3"}}}, pages)
	assert.Equal(t, 2, calls)
}

func TestAgentsPassphrasePages(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/agents/passphrases", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, url.Values{"ids": {"42"}, "limit": {"1"}})
		writeJSON(w, http.StatusOK, `{"data":[{"id":"42","passphrase":"ONE WAGE OBEY"}],"pagination":{"nextCursor":"more","totalItems":1}}`)
	})
	got, err := Collect(f.client.Agents.PassphrasePages(context.Background(), Filter{"ids": []string{"42"}}, ListOptions{Limit: 1}))
	require.NoError(t, err)
	assert.Equal(t, []map[string]any{{"id": "42", "passphrase": "ONE WAGE OBEY"}}, decodeJSON(t, got))
}

func TestAgentsCount(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testAuth(t, r, "ApiToken "+testAPIToken)
		testQuery(t, r, url.Values{"infected": {"true"}, "networkStatuses": {"connected,connecting"}})
		writeJSON(w, http.StatusOK, `{"data":{"total":17}}`)
	})
	n, err := f.client.Agents.Count(context.Background(), Filter{"infected": true, "networkStatuses": []string{"connected", "connecting"}})
	require.NoError(t, err)
	assert.Equal(t, 17, n)

	_, err = f.client.Agents.Count(context.Background(), Filter{"limit": 5})
	assert.ErrorContains(t, err, `filter key "limit" does not apply`)
}

func TestAgentsAction(t *testing.T) {
	tests := []struct {
		give     string
		giveData map[string]any
		wantBody string
	}{
		{give: ActionDisconnect, wantBody: `{"filter":{"ids":["1","2"]},"data":{}}`},
		{give: ActionConnect, wantBody: `{"filter":{"ids":["1","2"]},"data":{}}`},
		{give: ActionDecommission, wantBody: `{"filter":{"ids":["1","2"]},"data":{}}`},
		{give: ActionUninstall, wantBody: `{"filter":{"ids":["1","2"]},"data":{}}`},
		{give: ActionShutdown, wantBody: `{"filter":{"ids":["1","2"]},"data":{}}`},
		{give: ActionBroadcast, giveData: map[string]any{"message": "patch tonight"}, wantBody: `{"filter":{"ids":["1","2"]},"data":{"message":"patch tonight"}}`},
		{give: ActionInitiateScan, wantBody: `{"filter":{"ids":["1","2"]},"data":{}}`},
		{give: ActionAbortScan, wantBody: `{"filter":{"ids":["1","2"]},"data":{}}`},
		{give: ActionFetchLogs, giveData: map[string]any{"agentLogs": true}, wantBody: `{"filter":{"ids":["1","2"]},"data":{"agentLogs":true}}`},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			f := newFixture(t)
			f.mux.HandleFunc("/agents/actions/"+tt.give, func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodPost)
				testAuth(t, r, "ApiToken "+testAPIToken)
				testQuery(t, r, url.Values{})
				testBody(t, r, tt.wantBody)
				writeJSON(w, http.StatusOK, `{"data":{"affected":2}}`)
			})
			n, err := f.client.Agents.Action(context.Background(), tt.give, Filter{"ids": []string{"1", "2"}}, tt.giveData)
			require.NoError(t, err)
			assert.Equal(t, 2, n)
		})
	}
}

func TestAgentsActionRejectsBadInput(t *testing.T) {
	f := newFixture(t)
	_, err := f.client.Agents.Action(context.Background(), "restart-everything", Filter{"ids": []string{"1"}}, nil)
	assert.ErrorContains(t, err, `agent action "restart-everything" is unknown`)
	_, err = f.client.Agents.Action(context.Background(), ActionConnect, Filter{"ids": []int{1}}, nil)
	assert.ErrorContains(t, err, `filter key "ids": unsupported value type []int`)
	assert.Zero(t, f.requests.Load())
}

func TestAgentsActionNilFilter(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/agents/actions/connect", func(w http.ResponseWriter, r *http.Request) {
		testBody(t, r, `{"filter":{},"data":{}}`)
		writeJSON(w, http.StatusOK, `{"data":{"affected":0}}`)
	})
	n, err := f.client.Agents.Action(context.Background(), ActionConnect, nil, nil)
	require.NoError(t, err)
	assert.Zero(t, n)
}

func TestAgentsApplicationsAndProcesses(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/agents/applications", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testAuth(t, r, "ApiToken "+testAPIToken)
		testQuery(t, r, url.Values{"ids": {"11,12"}})
		writeJSON(w, http.StatusOK, `{"data":[{"name":"7-Zip","version":"23.01","size":1024}]}`)
	})
	f.mux.HandleFunc("/agents/processes", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, url.Values{"ids": {"11"}})
		writeJSON(w, http.StatusOK, `{"data":[]}`)
	})
	ctx := context.Background()
	apps, err := f.client.Agents.Applications(ctx, []string{"11", "12"})
	require.NoError(t, err)
	assert.Equal(t, []map[string]any{{"name": "7-Zip", "version": "23.01", "size": float64(1024)}}, decodeJSON(t, apps))

	procs, err := f.client.Agents.Processes(ctx, []string{"11"})
	require.NoError(t, err)
	assert.Equal(t, []json.RawMessage{}, procs)

	_, err = f.client.Agents.Applications(ctx, nil)
	assert.ErrorContains(t, err, "no agent ids")
	_, err = f.client.Agents.Processes(ctx, []string{"1,2"})
	assert.ErrorContains(t, err, `invalid agent id "1,2"`)
}

func TestAgentsRecommission(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/agents/77/recommission", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testAuth(t, r, "ApiToken "+testAPIToken)
		testQuery(t, r, url.Values{})
		testBody(t, r, "")
		writeJSON(w, http.StatusOK, `{"data":{"success":true}}`)
	})
	f.mux.HandleFunc("/agents/78/recommission", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, `{"errors":[{"code":4040010,"title":"Not Found","detail":"Agent 78 not found"}]}`)
	})
	ctx := context.Background()
	require.NoError(t, f.client.Agents.Recommission(ctx, "77"))

	err := f.client.Agents.Recommission(ctx, "78")
	require.ErrorIs(t, err, ErrRecommissionUnsupported)
	assert.ErrorIs(t, err, ErrNotFound)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusNotFound, ae.StatusCode)
	assert.Equal(t, []ErrorDetail{{Code: 4040010, Title: "Not Found", Detail: "Agent 78 not found"}}, ae.Errors)
	assert.Contains(t, err.Error(), "a decommissioned agent is recommissioned automatically when it next checks in")
	assert.Contains(t, err.Error(), "Agent 78 not found")

	// Any other status is not "unsupported".
	f.mux.HandleFunc("/agents/79/recommission", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, `{"errors":[{"code":4030010,"title":"Insufficient permissions","detail":null}]}`)
	})
	err = f.client.Agents.Recommission(ctx, "79")
	assert.ErrorIs(t, err, ErrPermissionDenied)
	assert.NotErrorIs(t, err, ErrRecommissionUnsupported)
}
