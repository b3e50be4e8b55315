package s1sim

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogin(t *testing.T) {
	e := newEnv(t, Options{})
	tests := []struct {
		name       string
		givePath   string
		giveBody   any
		wantStatus int
	}{
		{"admin password v2.1", "/web/api/v2.1/users/login", map[string]string{"username": AdminUser, "password": AdminPassword}, http.StatusOK},
		{"viewer password v2.0", "/web/api/v2.0/users/login", map[string]string{"username": ViewerUser, "password": ViewerPassword}, http.StatusOK},
		{"wrong password", "/web/api/v2.1/users/login", map[string]string{"username": AdminUser, "password": "nope"}, http.StatusUnauthorized},
		{"unknown user", "/web/api/v2.1/users/login", map[string]string{"username": "x@y", "password": AdminPassword}, http.StatusUnauthorized},
		{"wrapped body is not the login shape", "/web/api/v2.1/users/login", map[string]any{"data": map[string]string{"username": AdminUser, "password": AdminPassword}}, http.StatusUnauthorized},
		{"api token v2.1", "/web/api/v2.1/users/login/by-api-token", map[string]any{"data": map[string]string{"apiToken": AdminAPIToken}}, http.StatusOK},
		{"api token v2.0", "/web/api/v2.0/users/login/by-api-token", map[string]any{"data": map[string]string{"apiToken": ViewerAPIToken}}, http.StatusOK},
		{"bad api token", "/web/api/v2.1/users/login/by-api-token", map[string]any{"data": map[string]string{"apiToken": "nope"}}, http.StatusUnauthorized},
		{"flat api token is not the shape", "/web/api/v2.1/users/login/by-api-token", map[string]string{"apiToken": AdminAPIToken}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(http.MethodPost, tt.givePath, tt.giveBody, "-")
			if tt.wantStatus != http.StatusOK {
				requireError(t, r, tt.wantStatus, 4010010)
				assert.JSONEq(t, `{"errors":[{"code":4010010,"title":"Authentication Failed","detail":null}]}`, string(r.body))
				return
			}
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var out struct {
				Data struct {
					Token string `json:"token"`
				} `json:"data"`
			}
			r.json(t, &out)
			require.NotEmpty(t, out.Data.Token)
			// The session token works with the Token scheme only.
			assert.Equal(t, http.StatusOK, e.do(http.MethodGet, "/web/api/v2.1/system/info", nil, "Token "+out.Data.Token).status)
			assert.Equal(t, http.StatusUnauthorized, e.do(http.MethodGet, "/web/api/v2.1/system/info", nil, "ApiToken "+out.Data.Token).status)
		})
	}
}

func TestAuthHeaders(t *testing.T) {
	e := newEnv(t, Options{})
	tests := []struct {
		name       string
		giveAuth   string
		wantStatus int
	}{
		{"admin api token", "ApiToken " + AdminAPIToken, http.StatusOK},
		{"viewer api token", "ApiToken " + ViewerAPIToken, http.StatusOK},
		{"api token with the session scheme", "Token " + AdminAPIToken, http.StatusUnauthorized},
		{"unknown scheme", "Bearer " + AdminAPIToken, http.StatusUnauthorized},
		{"bad token", "ApiToken nope", http.StatusUnauthorized},
		{"no header", "-", http.StatusUnauthorized},
		{"scheme only", "Token", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range []string{v21, v20} {
				r := e.do(http.MethodGet, "/web/api/"+v+"/system/info", nil, tt.giveAuth)
				if tt.wantStatus == http.StatusOK {
					require.Equal(t, http.StatusOK, r.status)
					var info struct {
						Data map[string]string `json:"data"`
					}
					r.json(t, &info)
					for _, k := range []string{"version", "build", "release", "patch", "latestAgentVersion"} {
						assert.NotEmpty(t, info.Data[k], k)
					}
					continue
				}
				requireError(t, r, tt.wantStatus, 4010010)
			}
		})
	}
	t.Run("system status needs no auth", func(t *testing.T) {
		r := e.do(http.MethodGet, "/web/api/v2.1/system/status", nil, "-")
		require.Equal(t, http.StatusOK, r.status)
		assert.JSONEq(t, `{"data":{"health":"ok"}}`, string(r.body))
	})
}

func TestSessionLifecycle(t *testing.T) {
	e := newEnv(t, Options{TokenTTL: time.Hour})
	info := func(tok string) int {
		return e.do(http.MethodGet, "/web/api/v2.1/system/info", nil, "Token "+tok).status
	}

	t.Run("logout ends the session", func(t *testing.T) {
		tok := e.login(v21, AdminUser, AdminPassword)
		require.Equal(t, http.StatusOK, info(tok))
		r := e.do(http.MethodPost, "/web/api/v2.1/users/logout", nil, "Token "+tok)
		require.Equal(t, http.StatusOK, r.status)
		assert.Empty(t, r.body)
		assert.Equal(t, http.StatusUnauthorized, info(tok))
	})
	t.Run("ExpireTokens ends every session, not API tokens", func(t *testing.T) {
		a, b := e.login(v21, AdminUser, AdminPassword), e.login(v20, ViewerUser, ViewerPassword)
		e.sim.ExpireTokens()
		assert.Equal(t, http.StatusUnauthorized, info(a))
		assert.Equal(t, http.StatusUnauthorized, info(b))
		assert.Equal(t, http.StatusOK, e.do(http.MethodGet, "/web/api/v2.1/system/info", nil, "").status)
	})
	t.Run("TTL expiry", func(t *testing.T) {
		e := newEnv(t, Options{TokenTTL: time.Minute})
		clock := &fakeClock{now: fleetEpoch}
		e.sim.clock = clock.Now
		tok := e.login(v21, AdminUser, AdminPassword)
		clock.Advance(59 * time.Second)
		require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/web/api/v2.1/system/info", nil, "Token "+tok).status)
		clock.Advance(time.Second)
		requireError(t, e.do(http.MethodGet, "/web/api/v2.1/system/info", nil, "Token "+tok), http.StatusUnauthorized, 4010010)
	})
}

func TestViewerIsReadOnly(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.sim.Agents()[0]
	th := e.sim.Threats()[0]
	viewerSession := "Token " + e.login(v21, ViewerUser, ViewerPassword)
	filter := map[string]any{"filter": map[string]any{"ids": []string{a.ID}}, "data": map[string]any{"message": "hi", "analystVerdict": "false_positive"}}
	threatFilter := map[string]any{"filter": map[string]any{"ids": []string{th.ID}}, "data": map[string]any{"analystVerdict": "false_positive"}}
	tests := []struct {
		name     string
		givePath string
		giveBody any
	}{
		{"disconnect", "/web/api/v2.1/agents/actions/disconnect", filter},
		{"connect", "/web/api/v2.1/agents/actions/connect", filter},
		{"decommission", "/web/api/v2.1/agents/actions/decommission", filter},
		{"uninstall", "/web/api/v2.1/agents/actions/uninstall", filter},
		{"shutdown", "/web/api/v2.1/agents/actions/shutdown", filter},
		{"broadcast", "/web/api/v2.1/agents/actions/broadcast", filter},
		{"initiate scan", "/web/api/v2.1/agents/actions/initiate-scan", filter},
		{"abort scan", "/web/api/v2.0/agents/actions/abort-scan", filter},
		{"fetch logs", "/web/api/v2.1/agents/actions/fetch-logs", filter},
		{"recommission", "/web/api/v2.1/agents/" + a.ID + "/recommission", nil},
		{"mitigate", "/web/api/v2.1/threats/mitigate/kill", threatFilter},
		{"analyst verdict", "/web/api/v2.1/threats/analyst-verdict", threatFilter},
		{"mark as benign", "/web/api/v2.0/threats/mark-as-benign", threatFilter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, auth := range []string{"ApiToken " + ViewerAPIToken, viewerSession} {
				r := e.do(http.MethodPost, tt.givePath, tt.giveBody, auth)
				requireError(t, r, http.StatusForbidden, 4030010)
				assert.JSONEq(t, `{"errors":[{"code":4030010,"title":"Insufficient permissions","detail":"User does not have required permissions"}]}`, string(r.body))
			}
		})
	}
	after, _ := e.sim.Agent(a.ID)
	assert.Equal(t, a.NetworkStatus, after.NetworkStatus)
	assert.Zero(t, after.LogsRequested)
	assert.Empty(t, after.Messages)
	thAfter, _ := e.sim.Threat(th.ID)
	assert.Empty(t, thAfter.Actions)
	// Reads stay allowed.
	assert.Equal(t, http.StatusOK, e.do(http.MethodGet, agentsPath, nil, viewerSession).status)
	assert.Equal(t, http.StatusOK, e.do(http.MethodGet, "/web/api/v2.1/threats", nil, "ApiToken "+ViewerAPIToken).status)
}
