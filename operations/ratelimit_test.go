package operations_test

import (
	"context"
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
	"github.com/fortisoar-connectors/sentinelone/operations"
)

func TestOneLimiterPerConfiguration(t *testing.T) {
	limits := sentinelone.RateLimits{sentinelone.LimitAgents: {PerSecond: 25, Burst: 1}}
	c := operations.NewClients(operations.ClientOptions{RateLimits: limits})
	t.Cleanup(c.Close)
	values := func(user string) map[string]any {
		return map[string]any{"host_name": "console.example.net", "username": user, "password": "p4ss-word"}
	}
	inline := func(user string) *sentinelone.Client {
		cl, err := c.For(&connector.Config{Name: connector.InlineConfigName, Inline: true, Values: values(user)})
		require.NoError(t, err)
		return cl
	}
	a, same, other := inline("soar"), inline("soar"), inline("other")
	require.NotNil(t, a.Limiter())
	assert.Equal(t, limits, a.Limiter().Limits())
	assert.Same(t, a.Limiter(), same.Limiter(), "identical inline configurations share one limiter")
	assert.NotSame(t, a.Limiter(), other.Limiter(), "another tenant has its own")

	stored := &connector.Config{ID: "c1", Name: "tenant", Values: values("soar"), Updated: time.Unix(1, 0)}
	before, err := c.For(stored)
	require.NoError(t, err)
	assert.NotSame(t, a.Limiter(), before.Limiter(), "a stored configuration has its own, apart from inline ones")
	changed := *stored
	changed.Updated, changed.Values = time.Unix(2, 0), values("renamed-user")
	after, err := c.For(&changed)
	require.NoError(t, err)
	assert.NotSame(t, before, after, "a changed configuration gets a new client")
	assert.Same(t, before.Limiter(), after.Limiter(), "and keeps its budget")

	unlimited := operations.NewClients(operations.ClientOptions{})
	t.Cleanup(unlimited.Close)
	cl, err := unlimited.For(stored)
	require.NoError(t, err)
	assert.Nil(t, cl.Limiter(), "no limits, no pacing")
}

// An execute whose request would wait past the execute deadline fails at once, in words.
func TestPacedExecuteHonoursTheDeadline(t *testing.T) {
	sim, err := s1sim.Start(s1sim.Options{Agents: 10, Threats: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	opts := operationsClientOptions(sim)
	opts.RateLimits = sentinelone.RateLimits{sentinelone.LimitAgents: {PerSecond: 0.1, Burst: 1}}
	a, err := app.New(context.Background(), app.Options{DataDir: t.TempDir(), Client: opts,
		ExecuteTimeout: 2 * time.Second, Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	ts := httptest.NewServer(a.Server.Handler())
	t.Cleanup(func() { ts.Close(); _ = a.Close() })
	e := &inlineEnv{t: t, sim: sim, app: a, url: ts.URL}

	values := map[string]any{"host_name": sim.URL, "api_version": "2.1", "verify_ssl": true, "api_token": s1sim.AdminAPIToken}
	status, env := e.exec("get_agent_count", values, nil)
	require.Equal(t, http.StatusOK, status, "%v", env)
	// The next agents request may go in 10 s, past the 2 s execute deadline.
	status, env = e.exec("get_agent_count", values, nil)
	assert.Equal(t, http.StatusServiceUnavailable, status, "%v", env)
	msg, _ := env["message"].(string)
	assert.Contains(t, msg, "GET /agents/count was not sent: this configuration's SentinelOne rate limit for agents (0.1 requests/s) would hold it")
	assert.Contains(t, msg, "past the call's deadline")
	assert.Len(t, sim.Sim.Requests(), 1, "the paced call never reached the console")
}
