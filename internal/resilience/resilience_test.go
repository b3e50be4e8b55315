package resilience_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

const (
	// bearer is the connector's API token in these tests.
	bearer = "resilience-bearer-token-0123456789abcdef"
	// apiBase is the simulator's API prefix the connector speaks.
	apiBase = "/web/api/v2.1"
	// callBound bounds every execute: well above what a scenario needs, well below a hang.
	callBound = 20 * time.Second
)

// fastRetry keeps retries in milliseconds; MaxWait caps waiting for Retry-After at one
// second, so a 429 storm ends after two attempts.
var fastRetry = sentinelone.RetryPolicy{
	MaxAttempts: 3, BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond, MaxWait: time.Second,
}

// exchange is one API request as the tap saw it answered.
type exchange struct {
	Method string
	Path   string // without the API prefix, e.g. "/agents/count"
	// Status is the answer's status; 0 when none was written (dropped or abandoned).
	Status int
}

// tap serves a simulator, records the status of every API request and runs a hook after
// each one is answered, before the answer is flushed to the client.
type tap struct {
	sim *s1sim.Simulator

	mu   sync.Mutex
	log  []exchange
	hook func(exchange)
}

var _ http.Handler = (*tap)(nil)

func (tp *tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/web/api/") {
		tp.sim.ServeHTTP(w, r)
		return
	}
	e := exchange{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, apiBase)}
	// A dropped request is recorded before its connection closes: the client may act on
	// the drop before this handler returns.
	rec := &recorder{ResponseWriter: w, onHijack: func() { tp.record(e) }}
	tp.sim.ServeHTTP(rec, r)
	if rec.hijacked {
		return
	}
	e.Status = rec.status
	tp.record(e)
}

// record logs e and runs the hook.
func (tp *tap) record(e exchange) {
	tp.mu.Lock()
	tp.log = append(tp.log, e)
	hook := tp.hook
	tp.mu.Unlock()
	if hook != nil {
		hook(e)
	}
}

// setHook replaces the hook; nil removes it.
func (tp *tap) setHook(h func(exchange)) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.hook = h
}

// exchanges returns the requests answered since the last reset.
func (tp *tap) exchanges() []exchange {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return append([]exchange(nil), tp.log...)
}

func (tp *tap) reset() {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.log = nil
}

// recorder remembers the status written and whether the connection was hijacked (dropped).
type recorder struct {
	http.ResponseWriter
	status   int
	hijacked bool
	onHijack func()
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Hijack lets the simulator drop the connection, and records the drop first.
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked = true
	w.onHijack()
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// step is one stage of a hook sequence: at the first exchange matching method, path and
// status (after the previous stage fired), do runs.
type step struct {
	method, path string
	status       int
	do           func()
}

// sequence returns a hook that fires steps in order, each once.
func sequence(steps ...step) func(exchange) {
	var mu sync.Mutex
	next := 0
	return func(e exchange) {
		mu.Lock()
		defer mu.Unlock()
		if next >= len(steps) {
			return
		}
		s := steps[next]
		if e.Method == s.method && e.Path == s.path && e.Status == s.status {
			next++
			s.do()
		}
	}
}

// rig is the connector's HTTP server, configured against a tapped simulator over TLS.
type rig struct {
	t      *testing.T
	sim    *s1sim.Simulator
	tap    *tap
	simSrv *httptest.Server
	app    *app.App
	srv    *httptest.Server
	tr     *http.Transport
	hc     *http.Client
	host   string // the simulator's host:port, as messages name it
	once   sync.Once
}

type rigOptions struct {
	agents         int
	executeTimeout time.Duration
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	if o.agents == 0 {
		o.agents = 60
	}
	sim := s1sim.New(s1sim.Options{Agents: o.agents, Threats: 10})
	tp := &tap{sim: sim}
	simSrv := httptest.NewUnstartedServer(tp)
	simSrv.StartTLS() // HTTP/1.1 only, so a dropped connection is a real TCP close
	pool := x509.NewCertPool()
	pool.AddCert(simSrv.Certificate())
	cfg := &connector.Config{
		ID: "22222222-2222-4222-8222-222222222222", Name: "console", Default: true,
		Values: map[string]any{
			"host_name": simSrv.URL, "username": s1sim.AdminUser, "password": s1sim.AdminPassword,
			"api_version": sentinelone.APIVersion21, "verify_ssl": true,
		},
	}
	a, err := app.New(context.Background(), app.Options{
		Configs:        connector.NewStaticConfigs(cfg),
		Client:         operations.ClientOptions{RootCAs: pool, Retry: fastRetry},
		ExecuteTimeout: o.executeTimeout,
		Server:         server.Options{APIToken: bearer},
	})
	if err != nil {
		simSrv.Close()
		require.NoError(t, err)
	}
	tr := &http.Transport{}
	return &rig{
		t: t, sim: sim, tap: tp, simSrv: simSrv, app: a,
		srv: httptest.NewServer(a.Server.Handler()),
		tr:  tr, hc: &http.Client{Transport: tr, Timeout: callBound},
		host: strings.TrimPrefix(simSrv.URL, "https://"),
	}
}

// close stops everything the rig started; it is safe to call twice.
func (r *rig) close() {
	r.once.Do(func() {
		r.tap.setHook(nil)
		r.sim.SetFaults(s1sim.Faults{})
		r.tr.CloseIdleConnections()
		r.srv.Close()
		_ = r.app.Close()
		r.simSrv.Close()
	})
}

// result is what a caller of the execute route sees.
type result struct {
	Code    int
	Status  string
	Message string
	Data    json.RawMessage
	Elapsed time.Duration
}

func (r *rig) exec(op string, params map[string]any) result {
	r.t.Helper()
	return execute(r.t, r.hc, r.srv.URL, op, params)
}

func execute(t *testing.T, hc *http.Client, base, op string, params map[string]any) result {
	t.Helper()
	res, err := tryExecute(hc, base, op, params)
	require.NoError(t, err)
	return res
}

// tryExecute posts one execute and decodes the envelope; safe outside the test goroutine.
func tryExecute(hc *http.Client, base, op string, params map[string]any) (result, error) {
	body, err := json.Marshal(map[string]any{"connector": "sentinelone", "version": "1.0.0", "operation": op, "params": params})
	if err != nil {
		return result{}, err
	}
	req, err := http.NewRequest(http.MethodPost, base+"/api/integration/execute/", bytes.NewReader(body))
	if err != nil {
		return result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return result{}, fmt.Errorf("execute %s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, fmt.Errorf("execute %s: read answer: %w", op, err)
	}
	var env struct {
		Data    json.RawMessage `json:"data"`
		Message string          `json:"message"`
		Status  string          `json:"status"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return result{}, fmt.Errorf("execute %s: decode %.300q: %w", op, raw, err)
	}
	return result{Code: resp.StatusCode, Status: env.Status, Message: env.Message, Data: env.Data, Elapsed: time.Since(start)}, nil
}

// health is the connector's health check answer.
type health struct {
	OK      bool   `json:"_status"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

func (r *rig) health() health {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodGet, r.srv.URL+"/api/integration/connectors/healthcheck/sentinelone/1.0.0/", nil)
	require.NoError(r.t, err)
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := r.hc.Do(req)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	require.Equal(r.t, http.StatusOK, resp.StatusCode)
	var h health
	require.NoError(r.t, json.NewDecoder(resp.Body).Decode(&h))
	return h
}

// warm logs the connector in and empties both request logs, so a scenario sees only its
// own requests.
func (r *rig) warm() {
	r.t.Helper()
	res := r.exec("get_agent_count", map[string]any{"ids": r.targets()[0]})
	require.Equal(r.t, "Success", res.Status, res.Message)
	r.resetLogs()
}

func (r *rig) resetLogs() {
	r.tap.reset()
	r.sim.ResetRequests()
}

// targets are the ids of the agents actions are aimed at: three live agents.
func (r *rig) targets() []string {
	var ids []string
	for _, a := range r.sim.Agents() {
		if !a.IsDecommissioned {
			ids = append(ids, a.ID)
		}
		if len(ids) == 3 {
			break
		}
	}
	require.Len(r.t, ids, 3)
	return ids
}

// broadcast runs broadcast_message_to_agent on the targets with message.
func (r *rig) broadcast(message string) result {
	r.t.Helper()
	return r.exec("broadcast_message_to_agent", map[string]any{"ids": strings.Join(r.targets(), ","), "message": message})
}

// applied returns how many times message reached each target agent.
func (r *rig) applied(message string) []int {
	r.t.Helper()
	var out []int
	for _, id := range r.targets() {
		a, ok := r.sim.Agent(id)
		require.True(r.t, ok)
		n := 0
		for _, m := range a.Messages {
			if m == message {
				n++
			}
		}
		out = append(out, n)
	}
	return out
}

// calls returns the tap's exchanges with method and path.
func (r *rig) calls(method, path string) []exchange {
	var out []exchange
	for _, e := range r.tap.exchanges() {
		if e.Method == method && e.Path == path {
			out = append(out, e)
		}
	}
	return out
}

// simPosts counts the simulator's own log entries for POST path: its record of every
// request it received, faulted or not.
func (r *rig) simPosts(path string) int {
	n := 0
	for _, q := range r.sim.Requests() {
		if q.Method == http.MethodPost && q.Path == apiBase+path {
			n++
		}
	}
	return n
}

func statuses(es []exchange) []int {
	out := make([]int, len(es))
	for i, e := range es {
		out[i] = e.Status
	}
	return out
}

func count2xx(es []exchange) int {
	n := 0
	for _, e := range es {
		if e.Status >= 200 && e.Status < 300 {
			n++
		}
	}
	return n
}

// afterResolve returns a step that fires once the action's resolving reads (the selection and the
// population count) succeeded.
func afterResolve(do func()) step {
	// The population count behind the whole-population guard is the last read before the POST.
	return step{method: http.MethodGet, path: "/agents/count", status: http.StatusOK, do: do}
}

// requireFailure asserts a failure envelope whose message holds every part.
func requireFailure(t *testing.T, res result, parts ...string) {
	t.Helper()
	t.Logf("caller sees HTTP %d %s: %s", res.Code, res.Status, res.Message)
	require.NotEqual(t, http.StatusOK, res.Code, "unexpected success: %s", res.Data)
	require.Equal(t, "failed", res.Status)
	for _, p := range parts {
		require.Contains(t, res.Message, p)
	}
	require.NotContains(t, res.Message, s1sim.AdminPassword)
	require.Less(t, res.Elapsed, callBound)
}

// requireAffected asserts a success envelope of an agent action with n affected agents.
func requireAffected(t *testing.T, res result, n int) {
	t.Helper()
	require.Equal(t, http.StatusOK, res.Code, res.Message)
	require.Equal(t, "Success", res.Status)
	var data struct {
		Affected int `json:"affected_agents"`
	}
	require.NoError(t, json.Unmarshal(res.Data, &data))
	require.Equal(t, n, data.Affected)
}

var attemptsRE = regexp.MustCompile(`after (\d+) attempts`)

// attempts reads "after N attempts" from a message.
func attempts(t *testing.T, msg string) int {
	t.Helper()
	m := attemptsRE.FindStringSubmatch(msg)
	require.NotNil(t, m, "no attempt count in %q", msg)
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	return n
}

// TestRateLimitStorm: SentinelOne answers every request 429 with Retry-After 1s.
func TestRateLimitStorm(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r := newRig(t, rigOptions{})
	defer r.close()
	r.warm()
	storm := s1sim.Faults{RateLimitEvery: 1, RetryAfter: time.Second}
	calm := func() { r.sim.SetFaults(s1sim.Faults{}) }

	t.Run("read gives up rate limited", func(t *testing.T) {
		defer r.resetLogs()
		r.sim.SetFaults(storm)
		defer calm()
		res := r.exec("get_agent_count", map[string]any{"ids": r.targets()[0]})
		requireFailure(t, res, "rate limit", "GET /agents/count", "HTTP 429")
		sent := r.calls(http.MethodGet, "/agents/count")
		assert.Equal(t, len(sent), attempts(t, res.Message), "the message counts the attempts SentinelOne saw")
		assert.GreaterOrEqual(t, len(sent), 2, "a 429 is retried")
		assert.LessOrEqual(t, len(sent), fastRetry.MaxAttempts)
		assert.Zero(t, count2xx(sent))
	})

	t.Run("action refused while resolving sends no POST", func(t *testing.T) {
		defer r.resetLogs()
		r.sim.SetFaults(storm)
		defer calm()
		res := r.broadcast("storm-resolve")
		requireFailure(t, res, "rate limit", "GET /agents")
		assert.Zero(t, r.simPosts("/agents/actions/broadcast"))
		assert.Equal(t, []int{0, 0, 0}, r.applied("storm-resolve"))
	})

	t.Run("action POST refused on every attempt is never applied", func(t *testing.T) {
		defer r.resetLogs()
		r.tap.setHook(sequence(afterResolve(func() { r.sim.SetFaults(storm) })))
		defer r.tap.setHook(nil)
		defer calm()
		res := r.broadcast("storm-post")
		requireFailure(t, res, "rate limit", "POST /agents/actions/broadcast", "HTTP 429")
		posts := r.calls(http.MethodPost, "/agents/actions/broadcast")
		assert.Equal(t, len(posts), attempts(t, res.Message))
		assert.GreaterOrEqual(t, len(posts), 2, "a 429 on an action is retried: SentinelOne did not act")
		assert.Zero(t, count2xx(posts))
		assert.Equal(t, len(posts), r.simPosts("/agents/actions/broadcast"))
		assert.Equal(t, []int{0, 0, 0}, r.applied("storm-post"))
	})

	t.Run("action POST retried after a 429 is applied once", func(t *testing.T) {
		defer r.resetLogs()
		r.tap.setHook(sequence(
			afterResolve(func() { r.sim.SetFaults(storm) }),
			step{method: http.MethodPost, path: "/agents/actions/broadcast", status: http.StatusTooManyRequests, do: calm},
		))
		defer r.tap.setHook(nil)
		res := r.broadcast("storm-recovered")
		requireAffected(t, res, 3)
		posts := r.calls(http.MethodPost, "/agents/actions/broadcast")
		assert.Equal(t, []int{http.StatusTooManyRequests, http.StatusOK}, statuses(posts))
		assert.Equal(t, 2, r.simPosts("/agents/actions/broadcast"))
		assert.Equal(t, []int{1, 1, 1}, r.applied("storm-recovered"))
	})
}

// TestServerErrorBurst: SentinelOne answers the next requests 503.
func TestServerErrorBurst(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r := newRig(t, rigOptions{})
	defer r.close()
	r.warm()
	burst := func(n int) s1sim.Faults {
		return s1sim.Faults{FailNext: n, FailStatus: http.StatusServiceUnavailable}
	}

	t.Run("read succeeds after retries", func(t *testing.T) {
		defer r.resetLogs()
		r.sim.SetFaults(burst(2))
		res := r.exec("get_agent_count", map[string]any{"ids": r.targets()[0]})
		require.Equal(t, "Success", res.Status, res.Message)
		assert.JSONEq(t, `{"count":1}`, string(res.Data))
		assert.Equal(t, []int{503, 503, 200}, statuses(r.calls(http.MethodGet, "/agents/count")))
	})

	t.Run("read gives up after the last attempt", func(t *testing.T) {
		defer r.resetLogs()
		r.sim.SetFaults(burst(fastRetry.MaxAttempts))
		res := r.exec("get_agent_count", map[string]any{"ids": r.targets()[0]})
		requireFailure(t, res, "GET /agents/count", "HTTP 503", fmt.Sprintf("after %d attempts", fastRetry.MaxAttempts))
		assert.Equal(t, []int{503, 503, 503}, statuses(r.calls(http.MethodGet, "/agents/count")))
	})

	t.Run("action whose resolving read hit the burst acts once", func(t *testing.T) {
		defer r.resetLogs()
		r.sim.SetFaults(burst(2))
		res := r.broadcast("burst-resolve")
		requireAffected(t, res, 3)
		assert.Equal(t, []int{503, 503, 200}, statuses(r.calls(http.MethodGet, "/agents")))
		assert.Equal(t, []int{200}, statuses(r.calls(http.MethodPost, "/agents/actions/broadcast")))
		assert.Equal(t, []int{1, 1, 1}, r.applied("burst-resolve"))
	})

	t.Run("action whose POST got a 503 is not repeated", func(t *testing.T) {
		defer r.resetLogs()
		r.tap.setHook(sequence(afterResolve(func() { r.sim.SetFaults(burst(1)) })))
		defer r.tap.setHook(nil)
		res := r.broadcast("burst-post")
		requireFailure(t, res, "POST /agents/actions/broadcast", "HTTP 503", "SentinelOne may have applied the action before this failure")
		assert.NotContains(t, res.Message, "attempts", "an action is sent once")
		assert.Equal(t, []int{503}, statuses(r.calls(http.MethodPost, "/agents/actions/broadcast")))
		assert.Equal(t, 1, r.simPosts("/agents/actions/broadcast"))
		assert.Equal(t, []int{0, 0, 0}, r.applied("burst-post"))
	})
}

// TestLatencyBeyondDeadline: every SentinelOne answer takes longer than the execute deadline.
func TestLatencyBeyondDeadline(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const deadline = 300 * time.Millisecond
	r := newRig(t, rigOptions{executeTimeout: deadline})
	defer r.close()
	r.warm()
	tests := []struct {
		name   string
		give   string
		params map[string]any
	}{
		{name: "count", give: "get_agent_count", params: map[string]any{"ids": r.targets()[0]}},
		{name: "streamed list", give: "get_agents", params: map[string]any{"limit": 5}},
		{name: "action", give: "broadcast_message_to_agent", params: map[string]any{"ids": strings.Join(r.targets(), ","), "message": "slow"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer r.resetLogs()
			r.sim.SetFaults(s1sim.Faults{Latency: 3 * time.Second})
			defer r.sim.SetFaults(s1sim.Faults{})
			res := r.exec(tt.give, tt.params)
			requireFailure(t, res, deadline.String(), "deadline", r.host)
			// The console answers after 3s; the caller must hear well before.
			assert.Less(t, res.Elapsed, 2*time.Second)
			assert.Zero(t, r.simPosts("/agents/actions/broadcast"))
		})
	}
	assert.Equal(t, []int{0, 0, 0}, r.applied("slow"))
}

// TestTokenExpiryMidWalk: the session token expires after the first page of a cursor walk.
func TestTokenExpiryMidWalk(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r := newRig(t, rigOptions{agents: 3000})
	defer r.close()
	r.warm()
	var want []string
	for _, a := range r.sim.Agents() {
		if !a.IsDecommissioned {
			want = append(want, a.ID)
		}
	}
	require.GreaterOrEqual(t, len(want), 2500)
	want = want[:2500]

	r.tap.setHook(sequence(step{method: http.MethodGet, path: "/agents", status: http.StatusOK, do: r.sim.ExpireTokens}))
	res := r.exec("get_agents", map[string]any{"limit": 2500})
	require.Equal(t, http.StatusOK, res.Code, res.Message)
	require.Equal(t, "Success", res.Status)
	var agents []struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(res.Data, &agents))
	got := make([]string, len(agents))
	seen := map[string]bool{}
	for i, a := range agents {
		require.False(t, seen[a.ID], "agent %s listed twice", a.ID)
		seen[a.ID] = true
		got[i] = a.ID
	}
	assert.Equal(t, want, got, "every agent exactly once, in order")
	assert.Equal(t, []int{200, 401, 200, 200}, statuses(r.calls(http.MethodGet, "/agents")),
		"pages of 1000, 1000 and 500; the second repeated once after the new login")
	assert.Equal(t, []int{200}, statuses(r.calls(http.MethodPost, "/users/login")), "one new login")
}

// TestDroppedConnections: SentinelOne closes the connection without answering.
func TestDroppedConnections(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r := newRig(t, rigOptions{})
	defer r.close()
	r.warm()
	drop := s1sim.Faults{DropNext: 1}

	t.Run("read is retried", func(t *testing.T) {
		defer r.resetLogs()
		r.sim.SetFaults(drop)
		res := r.exec("get_agent_count", map[string]any{"ids": r.targets()[0]})
		require.Equal(t, "Success", res.Status, res.Message)
		assert.JSONEq(t, `{"count":1}`, string(res.Data))
		assert.Equal(t, []int{0, 200}, statuses(r.calls(http.MethodGet, "/agents/count")))
	})

	t.Run("action whose resolving read dropped acts once", func(t *testing.T) {
		defer r.resetLogs()
		r.sim.SetFaults(drop)
		res := r.broadcast("drop-resolve")
		requireAffected(t, res, 3)
		assert.Equal(t, []int{0, 200}, statuses(r.calls(http.MethodGet, "/agents")))
		assert.Equal(t, 1, r.simPosts("/agents/actions/broadcast"))
		assert.Equal(t, []int{1, 1, 1}, r.applied("drop-resolve"))
	})

	t.Run("action whose POST dropped is not repeated", func(t *testing.T) {
		defer r.resetLogs()
		r.tap.setHook(sequence(afterResolve(func() { r.sim.SetFaults(drop) })))
		defer r.tap.setHook(nil)
		res := r.broadcast("drop-post")
		assert.Equal(t, []int{0}, statuses(r.calls(http.MethodPost, "/agents/actions/broadcast")))
		assert.Equal(t, 1, r.simPosts("/agents/actions/broadcast"))
		// The console took the POST and closed the connection: the caller hears that the
		// action failed on that call, never a success, and nothing is repeated.
		requireFailure(t, res, "POST /agents/actions/broadcast", r.host, "closed before a complete answer", "SentinelOne may have applied the action before this failure")
		assert.NotContains(t, res.Message, "attempts", "an action is sent once")
		assert.Equal(t, []int{0, 0, 0}, r.applied("drop-post"))
	})
}

// TestConsoleDown: SentinelOne answers 503 to every request.
func TestConsoleDown(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r := newRig(t, rigOptions{})
	defer r.close()
	r.warm()
	r.sim.SetFaults(s1sim.Faults{Down: true})

	res := r.exec("get_agent_count", map[string]any{"ids": r.targets()[0]})
	requireFailure(t, res, "GET /agents/count", "HTTP 503 Service Unavailable", "Service Unavailable (code 5030010)",
		fmt.Sprintf("after %d attempts", fastRetry.MaxAttempts))
	assert.Equal(t, []int{503, 503, 503}, statuses(r.calls(http.MethodGet, "/agents/count")))

	res = r.broadcast("down")
	requireFailure(t, res, "GET /agents", "HTTP 503")
	assert.Zero(t, r.simPosts("/agents/actions/broadcast"))
	assert.Equal(t, []int{0, 0, 0}, r.applied("down"))

	h := r.health()
	t.Logf("health check: %s: %s", h.Status, h.Message)
	assert.False(t, h.OK)
	assert.Equal(t, connector.StatusDisconnected, h.Status)
	// the health check proves the cached session with GET /system/info, rather than a login
	assert.Contains(t, h.Message, "GET /system/info (HTTP 503 Service Unavailable)")
}

// TestConsoleGone: nothing listens at the console's address any more.
func TestConsoleGone(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r := newRig(t, rigOptions{})
	defer r.close()
	r.simSrv.Close()

	res := r.exec("get_agent_count", map[string]any{"ids": r.targets()[0]})
	requireFailure(t, res, "connection to "+r.host+" refused", fmt.Sprintf("after %d attempts", fastRetry.MaxAttempts))
	res = r.broadcast("gone")
	requireFailure(t, res, "connection to "+r.host+" refused")
	assert.Equal(t, []int{0, 0, 0}, r.applied("gone"))

	h := r.health()
	t.Logf("health check: %s: %s", h.Status, h.Message)
	assert.False(t, h.OK)
	assert.Equal(t, connector.StatusDisconnected, h.Status)
	assert.Contains(t, h.Message, "connection to "+r.host+" refused")
	assert.Empty(t, r.tap.exchanges())
}

// TestMain builds the connector binary once for TestSIGTERMDrains.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "resilience-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = dir + "/sentinelone-connector"
	out, err := exec.Command("go", "build", "-o", binary, "../../cmd/sentinelone-connector").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build the connector: %v\n%s", err, out)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// binary is the connector built by TestMain.
var binary string

// lockedBuffer collects a child's output safely across goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// childEnv is the test's environment without connector or seed settings.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CONNECTOR_") || strings.HasPrefix(kv, "SENTINELONE_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "CONNECTOR_API_TOKEN="+bearer)
}

var (
	listeningRE = regexp.MustCompile(`listening on http://(127\.0\.0\.1:\d+)`)
	simulatorRE = regexp.MustCompile(`SentinelOne simulator at (https://127\.0\.0\.1:\d+)`)
)

// TestSIGTERMDrains: the real binary gets SIGTERM with 50 executes in flight.
func TestSIGTERMDrains(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const (
		callers         = 50
		shutdownTimeout = 10 * time.Second
	)
	cmd := exec.Command(binary, "serve", "--dev", "--listen", "127.0.0.1:0", "--sim-listen", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--shutdown-timeout", shutdownTimeout.String())
	cmd.Env = childEnv()
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		exited <- cmd.Wait() // after every read from the pipe
	}()
	stopped := false
	defer func() {
		if !stopped {
			_ = cmd.Process.Kill()
			for range lines {
			}
			<-exited
			t.Logf("connector stderr:\n%s", stderr)
		}
	}()

	var addr, simURL string
	startup := time.After(15 * time.Second)
	for addr == "" || simURL == "" {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "the connector exited during start-up: %s", stderr)
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				addr = m[1]
			}
			if m := simulatorRE.FindStringSubmatch(line); m != nil {
				simURL = m[1]
			}
		case <-startup:
			t.Fatalf("no listening and simulator lines on stdout; stderr:\n%s", stderr)
		}
	}
	go func() { // keep the pipe drained until exit
		for range lines {
		}
	}()

	// The simulator's certificate is self-signed and it listens on loopback only.
	simTr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // loopback test simulator
	defer simTr.CloseIdleConnections()
	put, err := http.NewRequest(http.MethodPut, simURL+"/_sim/faults", strings.NewReader(`{"latency":"500ms"}`))
	require.NoError(t, err)
	put.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Transport: simTr, Timeout: 5 * time.Second}).Do(put)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	base := "http://" + addr
	tr := &http.Transport{MaxIdleConnsPerHost: callers}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: callBound}
	results := make([]result, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			results[i], errs[i] = tryExecute(hc, base, "get_agent_count", map[string]any{"osTypes": []string{"windows", "linux"}})
		})
	}

	require.Eventually(t, func() bool { return inFlight(hc, base) == callers }, 10*time.Second, 10*time.Millisecond,
		"%d executes in flight", callers)
	sigAt := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))

	// The listener closes at once: new connections are refused while the calls drain.
	refused := func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return true
		}
		_ = c.Close()
		return false
	}
	require.Eventually(t, refused, 5*time.Second, 5*time.Millisecond, "new connections after SIGTERM")
	refusedAfter := time.Since(sigAt)

	wg.Wait()
	callersDone := time.Since(sigAt)
	select {
	case err = <-exited:
		stopped = true
	case <-time.After(shutdownTimeout + 5*time.Second):
		t.Fatalf("the connector did not exit within %s of SIGTERM", shutdownTimeout)
	}
	exitAfter := time.Since(sigAt)
	require.NoError(t, err, "exit status; stderr:\n%s", stderr)
	assert.Less(t, exitAfter, shutdownTimeout)
	for i, res := range results {
		require.NoError(t, errs[i], "caller %d", i)
		assert.Equal(t, http.StatusOK, res.Code, "caller %d: %s", i, res.Message)
		assert.Equal(t, "Success", res.Status, "caller %d", i)
		assert.Contains(t, string(res.Data), `"count"`, "caller %d", i)
	}
	assert.True(t, refused(), "connections after exit")
	t.Logf("after SIGTERM: connections refused at %s, callers answered by %s, exit 0 at %s",
		refusedAfter.Round(time.Millisecond), callersDone.Round(time.Millisecond), exitAfter.Round(time.Millisecond))
}

// inFlight reads connector_executes_in_flight from /metrics; -1 when unreadable.
func inFlight(hc *http.Client, base string) int {
	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return -1
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := hc.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "connector_executes_in_flight "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return -1
			}
			return int(n)
		}
	}
	return -1
}
