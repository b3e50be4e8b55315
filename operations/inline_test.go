package operations_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// clock is a settable clock for the inline cache's idle eviction.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// inlineEnv is the connector with a configuration store (holding no configuration) and
// a simulator; every call carries its configuration inline.
type inlineEnv struct {
	t    testing.TB
	sim  *s1sim.Server
	app  *app.App
	url  string
	logs *observer.ObservedLogs
}

func newInlineEnv(t testing.TB, tune func(*operations.ClientOptions)) *inlineEnv {
	t.Helper()
	sim, err := s1sim.Start(s1sim.Options{Agents: 30, Threats: 10})
	require.NoError(t, err)
	core, logs := observer.New(zap.DebugLevel)
	opts := operationsClientOptions(sim)
	if tune != nil {
		tune(&opts)
	}
	a, err := app.New(context.Background(), app.Options{DataDir: t.TempDir(), Client: opts, Logger: zap.New(core),
		Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	ts := httptest.NewServer(a.Server.Handler())
	t.Cleanup(func() {
		ts.Close()
		_ = a.Close()
		_ = sim.Close()
	})
	return &inlineEnv{t: t, sim: sim, app: a, url: ts.URL, logs: logs}
}

func (e *inlineEnv) values(version, user, password string) map[string]any {
	return map[string]any{"host_name": e.sim.URL, "api_version": version, "verify_ssl": true, "username": user, "password": password}
}

// post sends body to path and decodes the JSON answer.
func (e *inlineEnv) post(path string, body any) (int, map[string]any) {
	e.t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(e.t, err)
	resp, err := http.Post(e.url+path, "application/json", bytes.NewReader(raw))
	require.NoError(e.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	var v map[string]any
	require.NoError(e.t, json.Unmarshal(out, &v), "body: %s", out)
	return resp.StatusCode, v
}

func (e *inlineEnv) exec(op string, values map[string]any, params map[string]any) (int, map[string]any) {
	return e.post("/api/integration/execute/", map[string]any{"connector": "sentinelone", "version": "1.0.0",
		"operation": op, "config": values, "params": params})
}

func (e *inlineEnv) logouts() int {
	n := 0
	for _, r := range e.sim.Sim.Requests() {
		if strings.HasSuffix(r.Path, "/users/logout") {
			n++
		}
	}
	return n
}

func TestInlineWarmCallMakesOneRequest(t *testing.T) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			e := newInlineEnv(t, nil)
			values := map[string]any{"host_name": e.sim.URL, "api_version": m.version, "verify_ssl": "true"}
			if m.token {
				values["api_token"] = s1sim.AdminAPIToken
			} else {
				values["username"], values["password"] = s1sim.AdminUser, s1sim.AdminPassword
			}
			status, env := e.exec("get_agent_count", values, nil)
			require.Equal(t, http.StatusOK, status, "%v", env)
			for range 5 {
				e.sim.Sim.ResetRequests()
				status, env = e.exec("get_agent_count", values, nil)
				require.Equal(t, http.StatusOK, status, "%v", env)
				assert.Len(t, e.sim.Sim.Requests(), 1, "a warm inline call is one SentinelOne request")
			}
			assert.Equal(t, 1, e.app.Clients.InlineClients())
		})
	}
}

func TestInlineValuesValidatedAsStored(t *testing.T) {
	e := newInlineEnv(t, nil)
	tests := []struct {
		name string
		give map[string]any
		want string
	}{
		{"username without password", map[string]any{"host_name": e.sim.URL, "username": "u"}, "password: is required with username"},
		{"no credentials", map[string]any{"host_name": e.sim.URL}, "api_token: is required unless"},
		{"unknown field", map[string]any{"host_name": e.sim.URL, "api_token": "t", "hostname": "x"}, "hostname: unknown parameter"},
		{"bad version", map[string]any{"host_name": e.sim.URL, "api_token": "t", "api_version": "3.0"}, "api_version: must be one of"},
		{"no host", map[string]any{"api_token": "t"}, "host_name"},
		{"masked secret", map[string]any{"host_name": e.sim.URL, "api_token": "********"}, "is the mask"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.sim.Sim.ResetRequests()
			status, env := e.exec("get_agent_count", tt.give, nil)
			assert.Equal(t, http.StatusBadRequest, status)
			msg, _ := env["message"].(string)
			assert.Contains(t, msg, tt.want)
			assert.Empty(t, e.sim.Sim.Requests(), "bad values never reach SentinelOne")

			// The configuration API refuses the same values with the same error.
			in, err := server.DecodeConfigInput(e.app.Manifest, createBody(t, tt.give))
			require.NoError(t, err)
			_, err = e.app.Store.Create(context.Background(), in)
			require.Error(t, err)
			assert.Equal(t, "CS-INTEGRATION-5: Error occurred while executing the connector action ERROR :: "+err.Error(), msg)
		})
	}
	list, err := e.app.Store.List(context.Background())
	require.NoError(t, err)
	assert.Empty(t, list, "inline values are never stored")
}

func createBody(t *testing.T, values map[string]any) map[string]json.RawMessage {
	raw, err := json.Marshal(map[string]any{"name": "x", "config": values})
	require.NoError(t, err)
	var body map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &body))
	return body
}

func TestInlineCacheBoundedIdleForget(t *testing.T) {
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	e := newInlineEnv(t, func(o *operations.ClientOptions) {
		o.MaxInline, o.InlineIdle, o.Now = 2, time.Minute, clk.Now
	})
	a := e.values("2.1", s1sim.AdminUser, s1sim.AdminPassword)
	b := e.values("2.0", s1sim.AdminUser, s1sim.AdminPassword)
	c := e.values("2.1", s1sim.ViewerUser, s1sim.ViewerPassword)
	for _, v := range []map[string]any{a, b} {
		status, env := e.exec("get_agent_count", v, nil)
		require.Equal(t, http.StatusOK, status, "%v", env)
		clk.add(time.Second)
	}
	require.Equal(t, 0, e.logouts())

	// A third configuration evicts the least recently used one (a) and logs it out.
	status, env := e.exec("get_agent_count", c, nil)
	require.Equal(t, http.StatusOK, status, "%v", env)
	e.app.Clients.Close() // waits for background logouts; the cache keeps working after
	assert.Equal(t, 3, e.logouts(), "Close logged out b and c; eviction logged out a")

	e.sim.Sim.ResetRequests()
	for _, v := range []map[string]any{a, b} {
		status, env := e.exec("get_agent_count", v, nil)
		require.Equal(t, http.StatusOK, status, "%v", env)
	}
	clk.add(2 * time.Minute) // both idle
	status, env = e.exec("get_agent_count", c, nil)
	require.Equal(t, http.StatusOK, status, "%v", env)
	assert.Equal(t, 1, e.app.Clients.InlineClients(), "idle clients were evicted")

	status, env = e.post("/api/integration/connectors/sessions/sentinelone/1.0.0/forget/", map[string]any{"config": c})
	require.Equal(t, http.StatusOK, status, "%v", env)
	assert.Equal(t, true, env["forgotten"])
	assert.Equal(t, 0, e.app.Clients.InlineClients())
	status, env = e.post("/api/integration/connectors/sessions/sentinelone/1.0.0/forget/", map[string]any{"config": c})
	require.Equal(t, http.StatusOK, status, "%v", env)
	assert.Equal(t, false, env["forgotten"])
	e.app.Clients.Close()
	assert.Equal(t, 3, e.logouts(), "a and b idle, c forgotten: each logged out once")

	for _, entry := range e.logs.All() {
		line, _ := json.Marshal(entry.ContextMap())
		for _, secret := range []string{s1sim.AdminPassword, s1sim.ViewerPassword} {
			assert.NotContains(t, entry.Message+string(line), secret)
		}
	}
}

func TestInlineHealthCheck(t *testing.T) {
	e := newInlineEnv(t, nil)
	path := "/api/integration/connectors/healthcheck/sentinelone/1.0.0/"
	good := e.values("2.1", s1sim.AdminUser, s1sim.AdminPassword)
	status, h := e.post(path, map[string]any{"config": good})
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "Available", h["status"])
	assert.Equal(t, true, h["_status"])
	assert.Nil(t, h["config_id"])

	bad := e.values("2.1", s1sim.AdminUser, "wrong-password-42")
	status, h = e.post(path, map[string]any{"config": bad})
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "Disconnected", h["status"])
	assert.NotContains(t, h["message"], "wrong-password-42")

	status, h = e.post(path, map[string]any{"config": map[string]any{"host_name": e.sim.URL}})
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "Disconnected", h["status"])
	assert.Contains(t, h["message"], "invalid configuration: api_token: is required")

	status, h = e.post(path, map[string]any{})
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "NotConfigured", h["status"], "no body config and no default configuration")

	for _, body := range []any{map[string]any{"config": 7}, map[string]any{"config": good, "extra": 1}, []any{}} {
		status, h = e.post(path, body)
		assert.Equal(t, http.StatusBadRequest, status, "%v", body)
		assert.Equal(t, "failed", h["status"])
	}
}

// BenchmarkInlineWarmCall is a warm get_agent_count with the configuration inline, over
// real HTTP: it reports the SentinelOne requests per call (1 when sessions are reused).
func BenchmarkInlineWarmCall(b *testing.B) {
	e := newInlineEnv(b, nil)
	values := e.values("2.1", s1sim.AdminUser, s1sim.AdminPassword)
	if status, env := e.exec("get_agent_count", values, nil); status != http.StatusOK {
		b.Fatalf("warm-up: %d %v", status, env)
	}
	e.sim.Sim.ResetRequests()
	b.ResetTimer()
	for b.Loop() {
		if status, env := e.exec("get_agent_count", values, nil); status != http.StatusOK {
			b.Fatalf("%d %v", status, env)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(e.sim.Sim.Requests()))/float64(b.N), "s1-requests/op")
}
