package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
)

// TestNoSecretLeaks runs every endpoint and every operation, with a working configuration and
// with one whose password SentinelOne rejects, stored and inline, and asserts that no secret (passwords, API
// tokens, the server's own token, the key of the store) appears in any response body or in
// any log line, at debug level.
func TestNoSecretLeaks(t *testing.T) {
	const (
		canaryPassword = "Leak-Canary-Password-7f3a91"
		canaryToken    = "leak-canary-api-token-c0ffee42"
	)
	core, logs := observer.New(zapcore.DebugLevel)
	a, ts := devServer(t, app.Options{Logger: zap.New(core), Server: server.Options{APIToken: testToken}, DataDir: t.TempDir()})
	secrets := []string{testToken, s1sim.AdminPassword, canaryPassword, canaryToken}

	var bodies []string
	call := func(method, path string, body any) (int, string) {
		var raw []byte
		if body != nil {
			raw, _ = json.Marshal(body)
		}
		resp, env := do(t, method, ts.URL+path, "application/json", raw)
		b, _ := json.Marshal(env)
		bodies = append(bodies, string(b))
		return resp.StatusCode, string(b)
	}
	get := func(path string) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		bodies = append(bodies, string(b))
	}

	// A configuration SentinelOne rejects, and one with a canary API token.
	status, _ := call("POST", "/api/integration/configuration/", map[string]any{"name": "wrong-password", "config": map[string]any{
		"host_name": a.Sim.URL, "username": s1sim.AdminUser, "password": canaryPassword, "verify_ssl": true}})
	require.Equal(t, http.StatusCreated, status)
	status, _ = call("POST", "/api/integration/configuration/", map[string]any{"name": "canary-token", "config": map[string]any{
		"host_name": a.Sim.URL, "api_token": canaryToken, "verify_ssl": true}})
	require.Equal(t, http.StatusCreated, status)
	// A bad create that echoes the secret back would leak through its error.
	call("POST", "/api/integration/configuration/", map[string]any{"name": "bad", "config": map[string]any{
		"host_name": "http://bad host", "password": canaryPassword, "api_token": canaryToken}})

	params := operationExamples(t, a.Sim.Sim)
	require.Len(t, params, len(a.Manifest.Operations))
	for _, cfg := range []string{app.DevConfigName, "wrong-password", "canary-token"} {
		for op, p := range params {
			call("POST", "/api/integration/execute/", map[string]any{"connector": "sentinelone", "operation": op, "config": cfg, "params": p})
		}
		get("/api/integration/connectors/healthcheck/sentinelone/1.0.0/?config=" + cfg)
	}
	// The same calls with the configurations inline, as FortiSOAR's connector.py sends them,
	// plus inline values that fail validation.
	inline := []map[string]any{
		{"host_name": a.Sim.URL, "username": s1sim.AdminUser, "password": s1sim.AdminPassword},
		{"host_name": a.Sim.URL, "username": s1sim.AdminUser, "password": canaryPassword},
		{"host_name": a.Sim.URL, "api_token": canaryToken},
		{"host_name": "http://bad host", "password": canaryPassword, "api_token": canaryToken, "extra": canaryToken},
	}
	for _, values := range inline {
		for op, p := range params {
			call("POST", "/api/integration/execute/", map[string]any{"connector": "sentinelone", "operation": op, "config": values, "params": p})
		}
		call("POST", "/api/integration/connectors/healthcheck/sentinelone/1.0.0/", map[string]any{"config": values})
		call("POST", "/api/integration/connectors/sessions/sentinelone/1.0.0/forget/", map[string]any{"config": values})
	}
	_, failed := call("POST", "/api/integration/execute/", map[string]any{"connector": "sentinelone", "operation": "get_agent_count", "config": "wrong-password", "params": map[string]any{}})
	assert.Contains(t, failed, "credentials", "the failure explains itself without the secret")

	get("/api/integration/configuration/")
	get("/api/integration/connectors/")
	get("/metrics")
	call("POST", "/api/integration/connectors/sentinelone/1.0.0/", nil)
	cfgs, err := a.Store.List(t.Context())
	require.NoError(t, err)
	for _, c := range cfgs {
		get("/api/integration/configuration/" + c.ID + "/")
		call("PUT", "/api/integration/configuration/"+c.ID+"/", map[string]any{"config": map[string]any{"password": "********"}})
	}
	call("DELETE", "/api/integration/configuration/"+cfgs[len(cfgs)-1].ID+"/", nil)

	require.Greater(t, logs.Len(), 50, "the test must capture the logs it checks")
	for _, secret := range secrets {
		for _, body := range bodies {
			assert.NotContains(t, body, secret)
		}
		for _, entry := range logs.All() {
			line, err := json.Marshal(map[string]any{"msg": entry.Message, "fields": entry.ContextMap()})
			require.NoError(t, err)
			assert.NotContains(t, string(line), secret, "log line %q", entry.Message)
		}
	}
	assert.True(t, strings.Contains(strings.Join(bodies, "\n"), "********"), "secrets are shown masked")
}
