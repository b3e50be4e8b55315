package server_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// auditServer is the dev server logging into an observer.
func auditServer(t *testing.T) (*app.App, *httptest.Server, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.InfoLevel)
	a, ts := devServer(t, app.Options{Logger: zap.New(core), DataDir: t.TempDir()})
	return a, ts, logs
}

// auditLine returns the one "audit execute" line logged since the last TakeAll.
func auditLine(t *testing.T, logs *observer.ObservedLogs) observer.LoggedEntry {
	t.Helper()
	lines := logs.FilterMessage("audit execute").All()
	require.Len(t, lines, 1, "one audit line per execute")
	return lines[0]
}

// TestAuditEveryOperation runs each operation and reads its audit line: request
// id, operation, configuration, outcome, duration and exactly the SentinelOne requests the
// simulator received for it.
func TestAuditEveryOperation(t *testing.T) {
	a, ts, logs := auditServer(t)
	cases := operationExamples(t, a.Sim.Sim)
	require.Len(t, cases, len(a.Manifest.Operations))
	sim, err := a.Store.Resolve(t.Context(), app.DevConfigName)
	require.NoError(t, err)
	for _, op := range a.Manifest.Operations {
		t.Run(op.Name, func(t *testing.T) {
			params, ok := cases[op.Name]
			require.True(t, ok, "a case for every operation")
			a.Sim.Sim.ResetRequests()
			logs.TakeAll()
			resp, env := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody(op.Name, params))
			require.Equal(t, http.StatusOK, resp.StatusCode, env.Message)
			line := auditLine(t, logs)
			f := line.ContextMap()
			assert.Equal(t, zapcore.InfoLevel, line.Level)
			assert.Equal(t, resp.Header.Get("X-Request-Id"), f["request_id"])
			assert.Equal(t, op.Name, f["operation"])
			assert.Equal(t, app.DevConfigName, f["config_name"])
			assert.Equal(t, sim.ID, f["config_id"])
			assert.Equal(t, "success", f["outcome"])
			assert.Positive(t, f["duration"])
			assert.EqualValues(t, len(a.Sim.Sim.Requests()), f["upstream_requests"], "the SentinelOne requests of this call, no more, no less")
			assert.Positive(t, f["upstream_requests"])
			if _, destructive := operations.Destructive()[op.Name]; destructive {
				ids, ok := f["target_ids"]
				require.True(t, ok, "a destructive operation's audit line names its targets")
				assert.EqualValues(t, len(ids.([]any)), f["target_count"])
				assert.Positive(t, f["target_count"])
			} else {
				assert.NotContains(t, f, "target_ids")
			}
		})
	}
}

// TestAuditFailures: refusals of bad input are INFO lines with their kind and no SentinelOne
// request; SentinelOne failures are WARN lines with their class.
func TestAuditFailures(t *testing.T) {
	a, ts, logs := auditServer(t)
	exec := ts.URL + "/api/integration/execute/"
	tlsOnly := httptest.NewTLSServer(http.NotFoundHandler()) // a certificate nobody trusts
	t.Cleanup(tlsOnly.Close)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedAddr := closed.Addr().String()
	require.NoError(t, closed.Close())
	for name, values := range map[string]map[string]any{
		"wrong-password": {"host_name": a.Sim.URL, "username": s1sim.AdminUser, "password": "Not-The-Password-1"},
		"untrusted-tls":  {"host_name": tlsOnly.URL, "api_token": "tok-0123456789"},
		"nothing-there":  {"host_name": "https://" + closedAddr, "api_token": "tok-0123456789"},
	} {
		body, _ := json.Marshal(map[string]any{"name": name, "config": values})
		resp, env := do(t, "POST", ts.URL+"/api/integration/configuration/", "application/json", body)
		require.Equal(t, http.StatusCreated, resp.StatusCode, env.Message)
	}
	withConfig := func(op, cfg string, params map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"connector": "sentinelone", "operation": op, "config": cfg, "params": params})
		return b
	}
	tests := []struct {
		name      string
		body      []byte
		faults    s1sim.Faults
		level     zapcore.Level
		kind      string
		class     string
		operation string
	}{
		{"bad param", execBody("get_agents", map[string]any{"limit": 0}), s1sim.Faults{}, zapcore.InfoLevel, "invalid", "", "get_agents"},
		{"unknown operation", execBody("reboot_agent", nil), s1sim.Faults{}, zapcore.InfoLevel, "not_found", "", "reboot_agent"},
		{"unknown configuration", withConfig("get_agents", "tenant-b", nil), s1sim.Faults{}, zapcore.InfoLevel, "no_config", "", "get_agents"},
		{"duplicate key", []byte(`{"connector":"sentinelone","operation":"get_agents","operation":"agent_action"}`), s1sim.Faults{}, zapcore.InfoLevel, "invalid", "", ""},
		{"unknown envelope key", []byte(`{"connector":"sentinelone","operation":"get_agents","confg":"x"}`), s1sim.Faults{}, zapcore.InfoLevel, "invalid", "", ""},
		{"console down", execBody("get_agent_count", map[string]any{}), s1sim.Faults{Down: true}, zapcore.WarnLevel, "unavailable", "server_error", "get_agent_count"},
		{"rate limited", execBody("get_agent_count", map[string]any{}), s1sim.Faults{RateLimitEvery: 1, RetryAfter: time.Millisecond}, zapcore.WarnLevel, "busy", "rate_limited", "get_agent_count"},
		{"credentials", withConfig("get_agent_count", "wrong-password", map[string]any{}), s1sim.Faults{}, zapcore.WarnLevel, "operation", "credentials", "get_agent_count"},
		{"tls", withConfig("get_agent_count", "untrusted-tls", map[string]any{}), s1sim.Faults{}, zapcore.WarnLevel, "operation", "tls", "get_agent_count"},
		{"unreachable", withConfig("get_agent_count", "nothing-there", map[string]any{}), s1sim.Faults{}, zapcore.WarnLevel, "unavailable", "unreachable", "get_agent_count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.Sim.Sim.SetFaults(tt.faults)
			defer a.Sim.Sim.SetFaults(s1sim.Faults{})
			a.Sim.Sim.ResetRequests()
			logs.TakeAll()
			resp, env := do(t, "POST", exec, "application/json", tt.body)
			require.NotEqual(t, http.StatusOK, resp.StatusCode)
			line := auditLine(t, logs)
			f := line.ContextMap()
			assert.Equal(t, tt.level, line.Level, env.Message)
			assert.Equal(t, "failed", f["outcome"])
			assert.Equal(t, tt.kind, f["kind"])
			assert.Equal(t, tt.operation, f["operation"])
			assert.Equal(t, resp.Header.Get("X-Request-Id"), f["request_id"])
			if tt.class == "" {
				assert.NotContains(t, f, "class")
				assert.EqualValues(t, 0, f["upstream_requests"], "a refusal makes no SentinelOne request")
				assert.Empty(t, a.Sim.Sim.Requests())
			} else {
				assert.Equal(t, tt.class, f["class"], env.Message)
			}
			assert.NotContains(t, f["error"], "Not-The-Password-1")
		})
	}
	t.Run("health check", func(t *testing.T) {
		logs.TakeAll()
		h := health(t, ts.URL+"/api/integration/connectors/healthcheck/sentinelone/1.0.0/?config=wrong-password")
		assert.Equal(t, "Disconnected", h.Status)
		lines := logs.FilterMessage("health check failed").All()
		require.Len(t, lines, 1)
		assert.Equal(t, zapcore.WarnLevel, lines[0].Level)
		assert.Equal(t, "credentials", lines[0].ContextMap()["class"])
		assert.Equal(t, "wrong-password", lines[0].ContextMap()["config_name"])
	})
}

// TestAuditTargets: a call that resolved targets lists them up to the bound, then gives
// only their count and digest; the digest does not depend on their order.
func TestAuditTargets(t *testing.T) {
	m, err := app.LoadManifest(nil)
	require.NoError(t, err)
	var targets []string
	reg := connector.NewRegistry()
	for _, o := range m.Operations {
		require.NoError(t, reg.Register(o.Name, connector.HandlerFunc(func(_ context.Context, call *connector.Call) (any, error) {
			call.SetTargets(targets)
			return map[string]any{}, nil
		})))
	}
	core, logs := observer.New(zapcore.InfoLevel)
	conn, err := connector.New(m, reg, connector.NewStaticConfigs(&connector.Config{Name: "", Default: true}),
		connector.WithLogger(zap.New(core)))
	require.NoError(t, err)
	ts := httptest.NewServer(server.New(conn, server.Options{Logger: zap.New(core)}).Handler())
	t.Cleanup(ts.Close)
	run := func(ids []string) map[string]any {
		targets = ids
		logs.TakeAll()
		resp, env := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json",
			execBody("agent_action", map[string]any{"action": "Isolate Agent Network", "ids": "1"}))
		require.Equal(t, http.StatusOK, resp.StatusCode, env.Message)
		return auditLine(t, logs).ContextMap()
	}
	few := run([]string{"3", "1", "2"})
	assert.EqualValues(t, 3, few["target_count"])
	assert.Equal(t, []any{"3", "1", "2"}, few["target_ids"])
	assert.Equal(t, "inline", few["config_id"], "a configuration without an id is an inline one")
	assert.Equal(t, "inline", few["config_name"])
	assert.Equal(t, run([]string{"1", "2", "3"})["target_digest"], few["target_digest"])

	many := make([]string, connector.MaxAuditedTargets+1)
	for i := range many {
		many[i] = strings.Repeat("9", 18) + string(rune('0'+i%10))
	}
	big := run(many)
	assert.EqualValues(t, len(many), big["target_count"])
	assert.NotContains(t, big, "target_ids")
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, big["target_digest"])
}

// TestAuditConfigurationChanges: every change through the configuration API writes its
// audit line (create, update, activate, deactivate, default, delete), naming the changed
// fields but never a value, so no secret reaches the log.
func TestAuditConfigurationChanges(t *testing.T) {
	_, ts, logs := auditServer(t)
	const secretPass, secretToken, secretNew = "Audit-Secret-Pass-1", "audit-secret-token-1", "Audit-Secret-Pass-2"
	cfgs := ts.URL + "/api/integration/configuration/"
	var written strings.Builder // every log line of the test, as the JSON encoder writes it
	send := func(method, url string, body any) configJSON {
		t.Helper()
		var raw []byte
		if body != nil {
			raw, _ = json.Marshal(body)
		}
		req, err := http.NewRequest(method, url, strings.NewReader(string(raw)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Less(t, resp.StatusCode, 300)
		var out configJSON
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	check := func(want ...string) []map[string]any {
		t.Helper()
		var got []map[string]any
		var kinds []string
		for _, e := range logs.TakeAll() {
			buf, err := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()).EncodeEntry(e.Entry, e.Context)
			require.NoError(t, err)
			written.WriteString(buf.String())
			if e.Message != "audit configuration" {
				continue
			}
			f := e.ContextMap()
			assert.Equal(t, zapcore.InfoLevel, e.Level)
			assert.NotEmpty(t, f["request_id"])
			got = append(got, f)
			kinds = append(kinds, f["change"].(string))
		}
		assert.Equal(t, want, kinds)
		return got
	}
	logs.TakeAll()
	created := send("POST", cfgs, map[string]any{"name": "tenant-b", "config": map[string]any{
		"host_name": "b.example.net", "username": "soar", "password": secretPass, "api_token": secretToken}})
	lines := check("create")
	assert.Equal(t, created.ID, lines[0]["config_id"])
	assert.Equal(t, "tenant-b", lines[0]["config_name"])
	assert.Equal(t, []any{"api_token", "api_version", "host_name", "max_targets", "password", "username", "verify_ssl"}, lines[0]["fields"])

	one := cfgs + created.ID + "/"
	send("PUT", one, map[string]any{"config": map[string]any{"password": secretNew}})
	assert.Equal(t, []any{"password"}, check("update")[0]["fields"])

	send("PUT", one, map[string]any{"active": false})
	check("update", "deactivate")
	send("PUT", one, map[string]any{"active": true})
	check("update", "activate")

	send("PUT", one, map[string]any{"default": true})
	lines = check("update", "default")
	assert.Equal(t, created.ID, lines[1]["config_id"])
	assert.Equal(t, app.DevConfigName, lines[1]["previous_default_name"])

	send("DELETE", one, nil)
	lines = check("delete", "default")
	assert.Equal(t, created.ID, lines[0]["config_id"])
	assert.Equal(t, app.DevConfigName, lines[1]["config_name"], "the remaining configuration became the default")

	send("POST", cfgs, map[string]any{"name": "tenant-c", "default": true, "config": map[string]any{"host_name": "c.example.net", "api_token": secretToken}})
	check("create", "default")

	require.NotEmpty(t, written.String())
	for _, secret := range []string{secretPass, secretToken, secretNew} {
		assert.NotContains(t, written.String(), secret)
	}
}

// staticGroupID is a group agents can be moved into.
func staticGroupID(sim *s1sim.Simulator) string {
	for _, g := range sim.Groups() {
		if g.Type == "static" {
			return g.ID
		}
	}
	panic("the seeded console has no static group")
}
