package server_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

const executePrefix = "CS-INTEGRATION-5: Error occurred while executing the connector action ERROR :: "

// upstreamServer is a dev server whose client retries once at most and gives up fast.
func upstreamServer(t *testing.T, opts app.Options) (*app.App, *httptest.Server) {
	t.Helper()
	opts.Dev = true
	opts.Sim = s1sim.Options{Agents: 20, Threats: 5}
	opts.Server.APIToken = testToken
	opts.Client.Retry = sentinelone.RetryPolicy{MaxAttempts: 1}
	a, err := app.New(context.Background(), opts)
	require.NoError(t, err)
	ts := httptest.NewServer(a.Server.Handler())
	t.Cleanup(func() {
		ts.Close()
		_ = a.Close()
	})
	return a, ts
}

// TestUpstreamFailuresAreTold502503504 checks that an outage of SentinelOne keeps FortiSOAR's
// failure envelope and message prefix but answers a status that tells it from bad input.
func TestUpstreamFailuresAreTold502503504(t *testing.T) {
	a, ts := upstreamServer(t, app.Options{})
	url := ts.URL + "/api/integration/execute/"
	run := func(t *testing.T, f s1sim.Faults) (*http.Response, envelope) {
		t.Helper()
		a.Sim.Sim.SetFaults(f)
		t.Cleanup(func() { a.Sim.Sim.SetFaults(s1sim.Faults{}) })
		return do(t, http.MethodPost, url, "application/json", execBody("get_agent_count", map[string]any{}))
	}
	t.Run("console 5xx is 502", func(t *testing.T) {
		resp, env := run(t, s1sim.Faults{Down: true})
		assert.Equal(t, http.StatusBadGateway, resp.StatusCode, env.Message)
		assert.Equal(t, "failed", env.Status)
		assert.Contains(t, env.Message, executePrefix)
		assert.Contains(t, env.Message, "HTTP 503")
	})
	t.Run("console 500 is 502", func(t *testing.T) {
		resp, env := run(t, s1sim.Faults{FailNext: 5, FailStatus: http.StatusInternalServerError})
		assert.Equal(t, http.StatusBadGateway, resp.StatusCode, env.Message)
		assert.Contains(t, env.Message, "HTTP 500")
	})
	t.Run("dropped connection is 502", func(t *testing.T) {
		resp, env := run(t, s1sim.Faults{DropNext: 5})
		assert.Equal(t, http.StatusBadGateway, resp.StatusCode, env.Message)
		assert.Contains(t, env.Message, executePrefix)
	})
	t.Run("rate limited beyond retries is 503 with Retry-After", func(t *testing.T) {
		resp, env := run(t, s1sim.Faults{RateLimitEvery: 1, RetryAfter: 3 * time.Second})
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, env.Message)
		assert.Equal(t, "3", resp.Header.Get("Retry-After"))
		assert.Contains(t, env.Message, executePrefix)
		assert.Contains(t, env.Message, "429")
	})
	t.Run("bad input stays 400", func(t *testing.T) {
		a.Sim.Sim.SetFaults(s1sim.Faults{Down: true})
		t.Cleanup(func() { a.Sim.Sim.SetFaults(s1sim.Faults{}) })
		resp, env := do(t, http.MethodPost, url, "application/json", execBody("get_agents", map[string]any{"limit": "many"}))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, env.Message)
	})
}

func TestUpstreamTimeoutIs504(t *testing.T) {
	a, ts := upstreamServer(t, app.Options{Client: operations.ClientOptions{Timeout: 100 * time.Millisecond}})
	a.Sim.Sim.SetFaults(s1sim.Faults{Latency: time.Second})
	resp, env := do(t, http.MethodPost, ts.URL+"/api/integration/execute/", "application/json", execBody("get_agent_count", map[string]any{}))
	t.Log(env.Message)
	assert.Equal(t, http.StatusGatewayTimeout, resp.StatusCode, env.Message)
	assert.Contains(t, env.Message, executePrefix)
	assert.Contains(t, env.Message, "no answer from")
}

// TestUnreachableConsoleIs502AndRejectedCredentials4xx: a console that cannot be reached is
// an outage (502); credentials it rejects are the configuration's problem and stay 4xx.
func TestUnreachableConsoleIs502AndRejectedCredentials4xx(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "https://" + l.Addr().String()
	require.NoError(t, l.Close())
	sim, err := s1sim.Start(s1sim.Options{Agents: 5, Threats: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	cfgs := connector.NewStaticConfigs(
		&connector.Config{ID: "00000000-0000-4000-8000-000000000010", Name: "gone", Default: true,
			Values: map[string]any{"host_name": closed, "api_token": "x", "api_version": "2.1", "verify_ssl": true}},
		&connector.Config{ID: "00000000-0000-4000-8000-000000000011", Name: "wrong-password",
			Values: map[string]any{"host_name": sim.URL, "username": s1sim.AdminUser, "password": "not-the-password",
				"api_version": "2.1", "verify_ssl": true}},
	)
	a, err := app.New(context.Background(), app.Options{Configs: cfgs, Server: server.Options{APIToken: testToken},
		Client: operations.ClientOptions{RootCAs: sim.CertPool(), Retry: sentinelone.RetryPolicy{MaxAttempts: 1}}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	ts := httptest.NewServer(a.Server.Handler())
	t.Cleanup(ts.Close)
	url := ts.URL + "/api/integration/execute/"

	resp, env := do(t, http.MethodPost, url, "application/json", execBody("get_agent_count", map[string]any{}))
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode, env.Message)
	assert.Contains(t, env.Message, executePrefix)
	assert.Contains(t, env.Message, "refused")

	body := []byte(`{"connector":"sentinelone","operation":"get_agent_count","config":"wrong-password","params":{}}`)
	resp, env = do(t, http.MethodPost, url, "application/json", body)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, env.Message)
	assert.Contains(t, env.Message, executePrefix)
	assert.Contains(t, env.Message, "credentials")
}
