package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
)

// devServer starts the connector with an embedded simulator behind a real HTTP server.
func devServer(t *testing.T, opts app.Options) (*app.App, *httptest.Server) {
	t.Helper()
	opts.Dev = true
	if opts.Sim.Agents == 0 {
		opts.Sim = s1sim.Options{Agents: 40, Threats: 10}
	}
	opts.Client.Retry = sentinelone.RetryPolicy{MaxAttempts: 2, BaseDelay: 5 * time.Millisecond}
	a, err := app.New(context.Background(), opts)
	require.NoError(t, err)
	ts := httptest.NewServer(a.Server.Handler())
	t.Cleanup(func() {
		ts.Close()
		_ = a.Close()
	})
	return a, ts
}

type envelope struct {
	Data      json.RawMessage `json:"data"`
	Message   string          `json:"message"`
	Operation *string         `json:"operation"`
	Status    string          `json:"status"`
}

func do(t *testing.T, method, url, contentType string, body []byte) (*http.Response, envelope) {
	t.Helper()
	return doAuth(t, method, url, contentType, "Bearer "+testToken, body)
}

// doAuth sends a request with the given Authorization header ("" sends none).
func doAuth(t *testing.T, method, url, contentType, auth string, body []byte) (*http.Response, envelope) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var env envelope
	require.NoError(t, json.Unmarshal(raw, &env), "body: %s", raw)
	return resp, env
}

func execBody(op string, params any) []byte {
	b, _ := json.Marshal(map[string]any{"connector": "sentinelone", "version": "1.0.0", "operation": op, "params": params})
	return b
}

// TestBadRequestsNeverReachSentinelOne is the bad-input catalogue: every endpoint, each case
// with its status, a message fragment, and an empty SentinelOne request log.
func TestBadRequestsNeverReachSentinelOne(t *testing.T) {
	a, ts := devServer(t, app.Options{Server: server.Options{APIToken: testToken}, DataDir: t.TempDir()})
	exec := ts.URL + "/api/integration/execute/"
	cfgs := ts.URL + "/api/integration/configuration/"
	sim, err := a.Store.Resolve(t.Context(), app.DevConfigName)
	require.NoError(t, err)
	cfgJSON := func(v map[string]any) []byte { b, _ := json.Marshal(v); return b }
	good := map[string]any{"host_name": "tenant-b.example.net", "api_token": "tok-0123456789"}
	off := cfgJSON(map[string]any{"name": "no-isolation", "config": good, "operations": map[string]any{"agent_action": false}})
	resp, env := do(t, "POST", cfgs, "application/json", off)
	require.Equal(t, http.StatusCreated, resp.StatusCode, env.Message)
	const js = "application/json"
	big := append([]byte(`{"connector":"sentinelone","operation":"get_agents","params":{"computerName__like":"`), bytes.Repeat([]byte("x"), 1<<20)...)
	big = append(big, []byte(`"}}`)...)
	tests := []struct {
		name       string
		method     string
		url        string
		ct         string
		body       []byte
		wantStatus int
		wantMsg    string
		auth       string // Authorization header; "" means the valid token, "-" none
	}{
		{"text content type", "POST", exec, "text/plain", execBody("get_agents", nil), 415, "Content-Type must be application/json", ""},
		{"no content type", "POST", exec, "", execBody("get_agents", nil), 415, "Content-Type must be application/json", ""},
		{"empty body", "POST", exec, js, nil, 400, "request body is empty", ""},
		{"malformed JSON", "POST", exec, js, []byte(`{"connector":`), 400, "request body is not a JSON object", ""},
		{"JSON array", "POST", exec, js, []byte(`[]`), 400, "request body is not a JSON object", ""},
		{"JSON null", "POST", exec, js, []byte(`null`), 400, "must be a JSON object, not null", ""},
		{"trailing data", "POST", exec, js, []byte(`{} {}`), 400, "data after the JSON object", ""},
		{"trailing brace", "POST", exec, js, []byte(`{"connector":"sentinelone","operation":"get_agent_count"}}`), 400, "data after the JSON object", ""},
		{"trailing bracket", "POST", exec, js, []byte(`{"connector":"sentinelone","operation":"get_agent_count"}]`), 400, "data after the JSON object", ""},
		{"body over 1 MiB", "POST", exec, js, big, 413, "larger than 1048576 bytes", ""},
		{"missing connector", "POST", exec, js, []byte(`{"operation":"get_agents"}`), 400, "connector is required", ""},
		{"connector not a string", "POST", exec, js, []byte(`{"connector":7,"operation":"get_agents"}`), 400, "connector must be a string", ""},
		{"unknown connector", "POST", exec, js, []byte(`{"connector":"crowdstrike","operation":"get_agents"}`), 404, `unknown connector "crowdstrike"`, ""},
		{"unknown version", "POST", exec, js, []byte(`{"connector":"sentinelone","version":"2.0.0","operation":"get_agents"}`), 404, `has no version "2.0.0"`, ""},
		{"missing operation", "POST", exec, js, []byte(`{"connector":"sentinelone"}`), 400, "operation is required", ""},
		{"unknown operation", "POST", exec, js, execBody("reboot_agent", nil), 404, `has no operation "reboot_agent"`, ""},
		{"params a string", "POST", exec, js, []byte(`{"connector":"sentinelone","operation":"get_agents","params":"limit=3"}`), 400, "params must be a JSON object", ""},
		{"params a list", "POST", exec, js, []byte(`{"connector":"sentinelone","operation":"get_agents","params":[1]}`), 400, "params must be a JSON object", ""},
		{"config not a string", "POST", exec, js, []byte(`{"connector":"sentinelone","operation":"get_agents","config":5}`), 400, "config must be a configuration id or name, or an object", ""},
		{"unknown config", "POST", exec, js, []byte(`{"connector":"sentinelone","operation":"get_agents","config":"tenant-b"}`), 404, "INTEGRATION-12: Could not find a connector configuration", ""},
		{"missing required param", "POST", exec, js, execBody("get_hash_details", map[string]any{}), 400, "hash: is required", ""},
		{"hash not SHA-1", "POST", exec, js, execBody("get_hash_details", map[string]any{"hash": "d41d8cd98f00b204e9800998ecf8427e"}), 400, "hash: does not match the rule: Only SHA-1", ""},
		{"limit zero", "POST", exec, js, execBody("get_agents", map[string]any{"limit": 0}), 400, "limit: must be >= 1 but found 0", ""},
		{"limit not a number", "POST", exec, js, execBody("get_agents", map[string]any{"limit": "ten"}), 400, `limit: must be a whole number written in decimal digits, got "ten"`, ""},
		{"tri-state not an option", "POST", exec, js, execBody("get_agents", map[string]any{"isActive": "maybe"}), 400, `isActive: must be one of "Any", "true", "false"`, ""},
		{"multiselect value", "POST", exec, js, execBody("get_agent_count", map[string]any{"osTypes": []string{"windows", "solaris"}}), 400, `osTypes: must be one of "windows", "macos", "linux", got "solaris"`, ""},
		{"unknown param", "POST", exec, js, execBody("get_agents", map[string]any{"excludeID": "1"}), 400, `excludeID: unknown parameter (did you mean "excludeIds"?)`, ""},
		{"action not an option", "POST", exec, js, execBody("agent_action", map[string]any{"action": "Reboot Agent", "ids": "1"}), 400, `action: must be one of "Isolate Agent Network"`, ""},
		{"non-numeric id", "POST", exec, js, execBody("get_agents", map[string]any{"ids": "1418295327049126913, abc"}), 400, `ids: item 2 ("abc") is not a numeric SentinelOne id`, ""},
		{"non-numeric excluded id", "POST", exec, js, execBody("reconnect_agent_network", map[string]any{"osTypes": "linux", "excludeIds": "12;13"}), 400, `excludeIds: item 1 ("12;13") is not a numeric SentinelOne id`, ""},
		{"isolate without a narrowing", "POST", exec, js, execBody("agent_action", map[string]any{"action": "Isolate Agent Network"}), 400, "refusing to run agent_action on every agent: narrow the selection with at least one of ids, groupIds", ""},
		{"reconnect with only limit and exclusion", "POST", exec, js, execBody("reconnect_agent_network", map[string]any{"limit": 5, "excludeIds": "1"}), 400, "refusing to run reconnect_agent_network on every agent", ""},
		{"scan with an empty filter", "POST", exec, js, execBody("initiate_agent_scan", map[string]any{}), 400, "refusing to run initiate_agent_scan on every agent", ""},
		{"mitigate with only fromScan", "POST", exec, js, execBody("mitigate_threats", map[string]any{"action": "Kill", "fromScan": "true"}), 400, "refusing to run mitigate_threats on every threat: narrow the selection with at least one of threat_id, contentHash, threatName, agent_id", ""},
		{"benign with an empty filter", "POST", exec, js, execBody("mark_threat_as_benign", map[string]any{}), 400, "refusing to run mark_threat_as_benign on every threat", ""},
		{"isHidden cannot be honoured", "POST", exec, js, execBody("list_all_threats", map[string]any{"isHidden": "true"}), 400, "isHidden: SentinelOne's threats API has no hidden-threat filter", ""},
		{"broadcast without message", "POST", exec, js, execBody("broadcast_message_to_agent", map[string]any{"ids": "1"}), 400, "message: is required", ""},
		{"broadcast message too long", "POST", exec, js, execBody("broadcast_message_to_agent", map[string]any{"ids": "1", "message": strings.Repeat("m", 141)}), 400, "message: length must be <= 140, but got 141", ""},
		{"threat id not numeric", "POST", exec, js, execBody("get_threat_details", map[string]any{"threat_id": "T-1"}), 400, "threat_id: does not match the rule: A threat id is a numeric SentinelOne id.", ""},
		{"commission without agent", "POST", exec, js, execBody("commission_agent", map[string]any{"agent_id": ""}), 400, "narrow the selection with at least one of agent_id, endpoint", ""},
		{"GET on execute", "GET", exec, "", nil, 405, "method GET is not allowed", ""},
		{"unknown route", "GET", ts.URL + "/api/integration/unknown/", "", nil, 404, "no route for GET /api/integration/unknown/", ""},
		{"health of unknown connector", "GET", ts.URL + "/api/integration/connectors/healthcheck/crowdstrike/1.0.0/", "", nil, 404, `unknown connector "crowdstrike"`, ""},
		{"detail of unknown version", "POST", ts.URL + "/api/integration/connectors/sentinelone/9.9.9/", js, nil, 404, `has no version "9.9.9"`, ""},
		{"health of unknown version", "GET", ts.URL + "/api/integration/connectors/healthcheck/sentinelone/0.9.0/", "", nil, 404, `has no version "0.9.0"`, ""},
		{"disabled operation", "POST", exec, js, []byte(`{"connector":"sentinelone","operation":"agent_action","config":"no-isolation","params":{"action":"Isolate Agent Network","ids":"1"}}`), 403, `operation "agent_action" (Agent Action) is disabled for configuration "no-isolation"`, ""},
		{"execute without token", "POST", exec, js, execBody("get_agent_count", nil), 401, "authentication required", "-"},
		{"execute with wrong token", "POST", exec, js, execBody("get_agent_count", nil), 401, "authentication failed", "Bearer not-the-token-0000"},
		{"execute with basic auth", "POST", exec, js, execBody("get_agent_count", nil), 401, "authentication failed", "Basic " + testToken},
		{"health without token", "GET", ts.URL + "/api/integration/connectors/healthcheck/sentinelone/1.0.0/", "", nil, 401, "authentication required", "-"},
		{"configurations without token", "GET", cfgs, "", nil, 401, "authentication required", "-"},
		{"metrics without token", "GET", ts.URL + "/metrics", "", nil, 401, "authentication required", "-"},
		{"config: wrong content type", "POST", cfgs, "text/plain", cfgJSON(map[string]any{"name": "x", "config": good}), 415, "Content-Type must be application/json", ""},
		{"config: malformed JSON", "POST", cfgs, js, []byte(`{"name":`), 400, "request body is not a JSON object", ""},
		{"config: missing name", "POST", cfgs, js, cfgJSON(map[string]any{"config": good}), 400, "name: is required", ""},
		{"config: duplicate name", "POST", cfgs, js, cfgJSON(map[string]any{"name": app.DevConfigName, "config": good}), 409, `a configuration named "simulator" already exists`, ""},
		{"config: host with http", "POST", cfgs, js, cfgJSON(map[string]any{"name": "x", "config": map[string]any{"host_name": "http://a.example.net", "api_token": "t-0123456789"}}), 400, "host_name:", ""},
		{"config: host with a path", "POST", cfgs, js, cfgJSON(map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net/web", "api_token": "t-0123456789"}}), 400, "host_name: does not match the rule", ""},
		{"config: host with a space", "POST", cfgs, js, cfgJSON(map[string]any{"name": "x", "config": map[string]any{"host_name": "a example.net", "api_token": "t-0123456789"}}), 400, "host_name:", ""},
		{"config: username without password", "POST", cfgs, js, cfgJSON(map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net", "username": "soar"}}), 400, "password: is required with username", ""},
		{"config: no credentials", "POST", cfgs, js, cfgJSON(map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net"}}), 400, "api_token: is required unless username and password are given", ""},
		{"config: api version", "POST", cfgs, js, cfgJSON(map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net", "api_token": "t-0123456789", "api_version": "1.6"}}), 400, `api_version: must be one of "2.1", "2.0", got "1.6"`, ""},
		{"config: verify_ssl type", "POST", cfgs, js, cfgJSON(map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net", "api_token": "t-0123456789", "verify_ssl": "maybe"}}), 400, "verify_ssl: must be true or false", ""},
		{"config: unknown field", "POST", cfgs, js, cfgJSON(map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net", "api_token": "t-0123456789", "proxy": "p"}}), 400, "proxy: unknown parameter", ""},
		{"config: unknown operation", "POST", cfgs, js, cfgJSON(map[string]any{"name": "x", "config": good, "operations": map[string]any{"reboot_agent": false}}), 400, `unknown operation(s) "reboot_agent"`, ""},
		{"config: get unknown id", "GET", cfgs + "00000000-0000-4000-8000-00000000abcd/", "", nil, 404, "no configuration with id or name", ""},
		{"config: update unknown id", "PUT", cfgs + "00000000-0000-4000-8000-00000000abcd/", js, []byte(`{"active":false}`), 404, "no configuration with id or name", ""},
		{"config: delete unknown id", "DELETE", cfgs + "00000000-0000-4000-8000-00000000abcd/", "", nil, 404, "no configuration with id or name", ""},
		{"config: active not a boolean", "PUT", cfgs + sim.ID + "/", js, []byte(`{"active":"no"}`), 400, "active: must be true or false", ""},
	}
	require.GreaterOrEqual(t, len(tests), 60)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.Sim.Sim.ResetRequests()
			auth := "Bearer " + testToken
			switch tt.auth {
			case "":
			case "-":
				auth = ""
			default:
				auth = tt.auth
			}
			resp, env := doAuth(t, tt.method, tt.url, tt.ct, auth, tt.body)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, "failed", env.Status)
			assert.Contains(t, env.Message, tt.wantMsg)
			assert.NotEmpty(t, resp.Header.Get("X-Request-Id"))
			assert.Empty(t, a.Sim.Sim.Requests(), "no SentinelOne request may be made for a bad request")
		})
	}
}

func TestExecuteEnvelopes(t *testing.T) {
	_, ts := devServer(t, app.Options{})
	resp, env := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agents", map[string]any{"limit": "3"}))
	require.Equal(t, http.StatusOK, resp.StatusCode, env.Message)
	assert.Equal(t, "Success", env.Status)
	assert.Equal(t, "", env.Message)
	require.NotNil(t, env.Operation)
	assert.Equal(t, "get_agents", *env.Operation)
	var agents []map[string]any
	require.NoError(t, json.Unmarshal(env.Data, &agents))
	assert.Len(t, agents, 3)

	resp, env = do(t, "POST", ts.URL+"/api/integration/execute/", "application/json; charset=utf-8", execBody("get_agent_count", map[string]any{}))
	require.Equal(t, http.StatusOK, resp.StatusCode, env.Message)
	var count struct{ Count int }
	require.NoError(t, json.Unmarshal(env.Data, &count))
	assert.Positive(t, count.Count)

	resp, env = do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_threat_details", map[string]any{"threat_id": "999"}))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "CS-INTEGRATION-5: Error occurred while executing the connector action ERROR :: threat 999 not found", env.Message)
}

type healthBody struct {
	OK       bool    `json:"_status"`
	ConfigID *string `json:"config_id"`
	Message  string  `json:"message"`
	Name     string  `json:"name"`
	Status   string  `json:"status"`
	Version  string  `json:"version"`
}

func health(t *testing.T, url string) healthBody {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var h healthBody
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&h))
	return h
}

func TestHealthCheck(t *testing.T) {
	a, ts := devServer(t, app.Options{})
	url := ts.URL + "/api/integration/connectors/healthcheck/sentinelone/1.0.0/"
	h := health(t, url+"?config="+app.DevConfigName)
	assert.Equal(t, healthBody{OK: true, ConfigID: h.ConfigID, Message: "Connector is available", Name: "sentinelone", Status: "Available", Version: "1.1.0"}, h)
	require.NotNil(t, h.ConfigID)

	h = health(t, url+"?config=nope")
	assert.Equal(t, "NotConfigured", h.Status)
	assert.False(t, h.OK)

	require.NoError(t, a.Sim.Close()) // SentinelOne goes away
	h = health(t, url)
	assert.Equal(t, "Disconnected", h.Status)
	assert.False(t, h.OK)
	assert.Contains(t, h.Message, "127.0.0.1")
}

func TestConnectorListAndDetail(t *testing.T) {
	_, ts := devServer(t, app.Options{})
	resp, err := http.Get(ts.URL + "/api/integration/connectors/")
	require.NoError(t, err)
	var list struct {
		TotalItems int              `json:"totalItems"`
		Data       []map[string]any `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	resp.Body.Close()
	require.Equal(t, 1, list.TotalItems)
	assert.Equal(t, "sentinelone", list.Data[0]["name"])
	assert.EqualValues(t, 1, list.Data[0]["config_count"])

	resp, err = http.Post(ts.URL+"/api/integration/connectors/sentinelone/1.0.0/", "application/json", nil)
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var detail struct {
		Operations     []map[string]any `json:"operations"`
		Configurations []map[string]any `json:"configurations"`
	}
	require.NoError(t, json.Unmarshal(raw, &detail))
	m, err := app.LoadManifest(nil)
	require.NoError(t, err)
	assert.Len(t, detail.Operations, len(m.Operations))
	require.Len(t, detail.Configurations, 1)
	cfg := detail.Configurations[0]["config"].(map[string]any)
	assert.Equal(t, connector.Mask, cfg["password"])
	assert.NotContains(t, string(raw), s1sim.AdminPassword)
}

// TestPanicBecomes500 swaps one handler for one that panics: the caller gets a 500 envelope,
// the stack is logged with the request id, and the server keeps serving.
func TestPanicBecomes500(t *testing.T) {
	m, err := app.LoadManifest(nil)
	require.NoError(t, err)
	reg := connector.NewRegistry()
	for _, o := range m.Operations {
		name := o.Name
		require.NoError(t, reg.Register(name, connector.HandlerFunc(func(context.Context, *connector.Call) (any, error) {
			if name == "get_agents" {
				panic("boom")
			}
			return map[string]int{"count": 1}, nil
		})))
	}
	core, logs := observer.New(zap.InfoLevel)
	conn, err := connector.New(m, reg, connector.NewStaticConfigs(&connector.Config{ID: "c1", Name: "c1", Default: true}), connector.WithLogger(zap.New(core)))
	require.NoError(t, err)
	ts := httptest.NewServer(server.New(conn, server.Options{Logger: zap.New(core)}).Handler())
	defer ts.Close()

	resp, env := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agents", map[string]any{}))
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Contains(t, env.Message, `internal error in operation "get_agents"`)
	panics := logs.FilterMessage("operation panicked").All()
	require.Len(t, panics, 1)
	ctx := panics[0].ContextMap()
	assert.Equal(t, resp.Header.Get("X-Request-Id"), ctx["request_id"])
	assert.Contains(t, ctx["stack"], "runtime/debug.Stack")

	resp, env = do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agent_count", map[string]any{}))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "Success", env.Status)
}

// TestConfigurationChangeTakesEffect: health reports bad credentials, and an update of the
// stored configuration replaces its client and token on the next call, with no restart.
func TestConfigurationChangeTakesEffect(t *testing.T) {
	a, ts := devServer(t, app.Options{Server: server.Options{APIToken: testToken}, DataDir: t.TempDir()})
	cfg, err := a.Store.Resolve(t.Context(), app.DevConfigName)
	require.NoError(t, err)
	healthURL := ts.URL + "/api/integration/connectors/healthcheck/sentinelone/1.0.0/?config=" + app.DevConfigName
	checkHealth := func() healthBody {
		req, _ := http.NewRequest("GET", healthURL, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		r, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer r.Body.Close()
		require.Equal(t, http.StatusOK, r.StatusCode)
		var h healthBody
		require.NoError(t, json.NewDecoder(r.Body).Decode(&h))
		return h
	}
	update := func(values map[string]any) {
		body, _ := json.Marshal(map[string]any{"config": values})
		resp, env := do(t, "PUT", ts.URL+"/api/integration/configuration/"+cfg.ID+"/", "application/json", body)
		require.Equal(t, http.StatusOK, resp.StatusCode, env.Message)
	}
	count := func() (int, string) {
		resp, env := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agent_count", map[string]any{}))
		return resp.StatusCode, env.Message
	}

	require.Equal(t, "Available", checkHealth().Status)
	status, _ := count()
	require.Equal(t, http.StatusOK, status)

	update(map[string]any{"password": "not-the-password"})
	h := checkHealth()
	assert.Equal(t, "Disconnected", h.Status)
	assert.Contains(t, h.Message, "was refused")
	status, msg := count()
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, "was refused")

	update(map[string]any{"password": s1sim.AdminPassword})
	status, msg = count()
	assert.Equal(t, http.StatusOK, status, msg)
	assert.Equal(t, "Available", checkHealth().Status)

	update(map[string]any{"username": "", "password": "", "api_token": s1sim.ViewerAPIToken})
	a.Sim.Sim.ResetRequests()
	status, _ = count()
	require.Equal(t, http.StatusOK, status)
	reqs := a.Sim.Sim.Requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, "ApiToken", reqs[len(reqs)-1].Auth, "the new configuration's API token is used at once")

	body, _ := json.Marshal(map[string]any{"name": "spare", "config": map[string]any{"host_name": a.Sim.URL, "api_token": s1sim.ViewerAPIToken}})
	resp, env := do(t, "POST", ts.URL+"/api/integration/configuration/", "application/json", body)
	require.Equal(t, http.StatusCreated, resp.StatusCode, env.Message)
	body, _ = json.Marshal(map[string]any{"active": false, "new_default": "spare"})
	resp, env = do(t, "PUT", ts.URL+"/api/integration/configuration/"+cfg.ID+"/", "application/json", body)
	require.Equal(t, http.StatusOK, resp.StatusCode, env.Message)
	assert.Equal(t, "Deactivated", checkHealth().Status)
	resp, env = do(t, "POST", ts.URL+"/api/integration/execute/", "application/json",
		[]byte(`{"connector":"sentinelone","operation":"get_agent_count","config":"simulator","params":{}}`))
	status, msg = resp.StatusCode, env.Message
	assert.Equal(t, http.StatusForbidden, status)
	assert.Contains(t, msg, "deactivated")
}

// TestHealthChecksLeaveNoSessions: repeated health checks reuse one SentinelOne session
// (proved by GET /system/info) instead of logging in each time and leaving the old session
// open; after the console drops the session, one new login follows.
func TestHealthChecksLeaveNoSessions(t *testing.T) {
	a, ts := devServer(t, app.Options{})
	url := ts.URL + "/api/integration/connectors/healthcheck/sentinelone/1.0.0/"
	count := func() (logins, logouts, infos int) {
		for _, r := range a.Sim.Sim.Requests() {
			switch {
			case strings.HasSuffix(r.Path, "/users/login"):
				logins++
			case strings.HasSuffix(r.Path, "/users/logout"):
				logouts++
			case strings.HasSuffix(r.Path, "/system/info"):
				infos++
			}
		}
		return
	}
	for range 5 {
		assert.Equal(t, "Available", health(t, url).Status)
	}
	logins, logouts, infos := count()
	assert.Equal(t, 5, infos, "each check proves the session with an authenticated read")
	assert.Equal(t, 1, logins)
	assert.LessOrEqual(t, logins-logouts, 1, "at most one session open")

	a.Sim.Sim.ExpireTokens()
	assert.Equal(t, "Available", health(t, url).Status)
	logins, _, _ = count()
	assert.Equal(t, 2, logins, "a refused session means one new login")

	a.Clients.Close()
	logins, logouts, _ = count()
	assert.Equal(t, 1, logouts, "closing logs out the session left")
	assert.Equal(t, 1, logins-logouts, "the expired session needs no logout")
}
