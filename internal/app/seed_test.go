package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

const token = "seed-test-token-0123456789"

// start opens the app on dir with the SENTINELONE_* environment env, as a restart does.
func start(t *testing.T, dir string, env map[string]string, overwrite bool) (*app.App, *httptest.Server, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	a, err := app.New(context.Background(), app.Options{DataDir: dir, Logger: zap.New(core), SeedOverwrite: overwrite,
		Getenv: func(k string) string { return env[k] }, Server: server.Options{APIToken: token}})
	require.NoError(t, err)
	ts := httptest.NewServer(a.Server.Handler())
	return a, ts, logs
}

func stop(a *app.App, ts *httptest.Server) {
	ts.Close()
	_ = a.Close()
}

func configOf(t *testing.T, ts *httptest.Server, ref string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/integration/configuration/"+ref+"/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var v struct {
		Config map[string]any `json:"config"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	return v.Config
}

func logged(logs *observer.ObservedLogs) []string {
	var out []string
	for _, e := range logs.FilterLoggerName("seed").All() {
		out = append(out, e.Message)
	}
	return out
}

// TestRestartWithSeedingKeepsAPIChanges: an environment seed creates its configuration once;
// a change made through the API survives every restart with the same seed, unless
// SeedOverwrite; each start logs what seeding did.
func TestRestartWithSeedingKeepsAPIChanges(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		operations.EnvHost: "usea1.example.net", operations.EnvAPIToken: "seeded-api-token-1",
		operations.EnvVerifySSL: "true", operations.EnvConfigName: "tenant",
	}
	a, ts, logs := start(t, dir, env, false)
	assert.Equal(t, []string{`configuration "tenant" created: "tenant" is now the default`}, logged(logs))
	body := []byte(`{"config":{"verify_ssl":false}}`)
	req, _ := http.NewRequest(http.MethodPut, ts.URL+"/api/integration/configuration/tenant/", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	stop(a, ts)

	a, ts, logs = start(t, dir, env, false)
	assert.Equal(t, false, configOf(t, ts, "tenant")["verify_ssl"], "the API change survives the restart")
	assert.Equal(t, []string{`configuration "tenant" exists and was left as it is; changes made through the API are kept (overwrite with --seed-overwrite)`}, logged(logs))
	stop(a, ts)

	a, ts, logs = start(t, dir, env, true)
	defer stop(a, ts)
	assert.Equal(t, true, configOf(t, ts, "tenant")["verify_ssl"], "--seed-overwrite applies the seed")
	assert.Equal(t, []string{`configuration "tenant" updated: verify_ssl changed`}, logged(logs))
}
