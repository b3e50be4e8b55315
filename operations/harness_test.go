package operations_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// harness is the connector server, over real HTTP, configured against its own simulator.
type harness struct {
	t       testing.TB
	sim     *s1sim.Server
	app     *app.App
	url     string
	version string
}

type mode struct {
	version string
	token   bool
}

func (m mode) String() string {
	auth := "password"
	if m.token {
		auth = "token"
	}
	return "v" + m.version + "/" + auth
}

var modes = []mode{{"2.1", false}, {"2.1", true}, {"2.0", false}, {"2.0", true}}

func newHarness(t testing.TB, m mode, simOpts s1sim.Options) *harness {
	t.Helper()
	return newHarnessWith(t, m, simOpts, nil)
}

// newHarnessWith is newHarness with extra configuration values (max_targets, say).
func newHarnessWith(t testing.TB, m mode, simOpts s1sim.Options, extra map[string]any) *harness {
	t.Helper()
	if simOpts.Agents == 0 {
		simOpts.Agents, simOpts.Threats = 60, 30
	}
	sim, err := s1sim.Start(simOpts)
	require.NoError(t, err)
	values := map[string]any{"host_name": sim.URL, "api_version": m.version, "verify_ssl": true}
	if m.token {
		values["api_token"] = s1sim.AdminAPIToken
	} else {
		values["username"], values["password"] = s1sim.AdminUser, s1sim.AdminPassword
	}
	for k, v := range extra {
		values[k] = v
	}
	cfg := &connector.Config{ID: "11111111-1111-4111-8111-111111111111", Name: "tenant", Default: true, Values: values}
	a, err := app.New(context.Background(), app.Options{
		Configs: connector.NewStaticConfigs(cfg),
		Client:  operationsClientOptions(sim),
	})
	require.NoError(t, err)
	ts := httptest.NewServer(a.Server.Handler())
	t.Cleanup(func() {
		ts.Close()
		_ = a.Close()
		_ = sim.Close()
	})
	return &harness{t: t, sim: sim, app: a, url: ts.URL, version: m.version}
}

type envelope struct {
	Data      json.RawMessage `json:"data"`
	Message   string          `json:"message"`
	Operation string          `json:"operation"`
	Status    string          `json:"status"`
}

// exec runs an operation through the HTTP server.
func (h *harness) exec(op string, params map[string]any) (int, envelope) {
	h.t.Helper()
	body, err := json.Marshal(map[string]any{"connector": "sentinelone", "version": "1.0.0", "operation": op, "params": params})
	require.NoError(h.t, err)
	resp, err := http.Post(h.url+"/api/integration/execute/", "application/json", bytes.NewReader(body))
	require.NoError(h.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	var env envelope
	require.NoError(h.t, json.Unmarshal(raw, &env), "body: %s", raw)
	return resp.StatusCode, env
}

// ok runs an operation that must succeed, checks its output against the manifest's
// output_schema and decodes its data into out.
func (h *harness) ok(op string, params map[string]any, out any) {
	h.t.Helper()
	status, env := h.exec(op, params)
	require.Equal(h.t, http.StatusOK, status, "%s: %s", op, env.Message)
	require.Equal(h.t, "Success", env.Status)
	require.Equal(h.t, op, env.Operation)
	var data any
	require.NoError(h.t, json.Unmarshal(env.Data, &data))
	require.NoError(h.t, h.app.Manifest.Operation(op).CheckOutput(data))
	if out != nil {
		require.NoError(h.t, json.Unmarshal(env.Data, out))
	}
}

// fail runs an operation that must fail and returns its status and message.
func (h *harness) fail(op string, params map[string]any) (int, string) {
	h.t.Helper()
	status, env := h.exec(op, params)
	require.NotEqual(h.t, http.StatusOK, status, "%s unexpectedly succeeded: %s", op, env.Data)
	require.Equal(h.t, "failed", env.Status)
	return status, env.Message
}

// call is one SentinelOne request as the simulator logged it, without the API prefix.
type call struct {
	Method string
	Path   string
	Query  url.Values
	Body   string
}

// actions returns the action requests (POSTs other than logins and logouts) since the last
// reset.
func (h *harness) actions() []call {
	var out []call
	for _, c := range h.calls() {
		if c.Method == http.MethodPost {
			out = append(out, c)
		}
	}
	return out
}

// calls returns the API requests since the last reset, leaving out logins.
func (h *harness) calls() []call {
	var out []call
	for _, r := range h.sim.Sim.Requests() {
		path := strings.TrimPrefix(r.Path, "/web/api/v"+h.version)
		if strings.HasPrefix(path, "/users/") {
			continue
		}
		q, err := url.ParseQuery(r.Query)
		require.NoError(h.t, err)
		c := call{Method: r.Method, Path: path, Query: q}
		if len(r.Body) > 0 {
			var v any
			require.NoError(h.t, json.Unmarshal(r.Body, &v))
			b, _ := json.Marshal(v) // canonical key order
			c.Body = string(b)
		}
		out = append(out, c)
	}
	return out
}

func (h *harness) reset() { h.sim.Sim.ResetRequests() }

// warm logs the client in so request logs hold only the operation's own calls.
func (h *harness) warm() {
	h.ok("get_agent_count", map[string]any{"ids": "1"}, nil)
	h.reset()
}

// agents returns the simulator's agents matching keep, sorted by id.
func (h *harness) agents(keep func(a s1sim.Agent) bool) []s1sim.Agent {
	var out []s1sim.Agent
	for _, a := range h.sim.Sim.Agents() {
		if keep(a) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func ids(agents []s1sim.Agent) []string {
	out := make([]string, len(agents))
	for i, a := range agents {
		out[i] = a.ID
	}
	return out
}

func idsOf(t *testing.T, raw []map[string]any) []string {
	t.Helper()
	out := make([]string, len(raw))
	for i, o := range raw {
		out[i] = o["id"].(string)
	}
	return out
}

func live(a s1sim.Agent) bool { return !a.IsDecommissioned }

// snapshot maps agent ids to their state, for "the rest untouched" assertions.
func (h *harness) snapshot() map[string]s1sim.Agent {
	out := map[string]s1sim.Agent{}
	for _, a := range h.sim.Sim.Agents() {
		out[a.ID] = a
	}
	return out
}

// requireUntouched asserts that every agent outside changed is as it was in before.
func (h *harness) requireUntouched(before map[string]s1sim.Agent, changed []string) {
	h.t.Helper()
	skip := map[string]bool{}
	for _, id := range changed {
		skip[id] = true
	}
	for _, a := range h.sim.Sim.Agents() {
		if !skip[a.ID] {
			require.Equal(h.t, before[a.ID], a, "agent %s must be untouched", a.ID)
		}
	}
}

func operationsClientOptions(sim *s1sim.Server) operations.ClientOptions {
	return operations.ClientOptions{
		RootCAs: sim.CertPool(),
		Retry:   sentinelone.RetryPolicy{MaxAttempts: 3, BaseDelay: 5 * time.Millisecond},
	}
}
