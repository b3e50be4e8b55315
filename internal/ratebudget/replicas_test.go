package ratebudget_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// replica is one complete connector (its own client cache, limiters and database pool)
// served over HTTP.
type replica struct {
	t   testing.TB
	app *app.App
	url string
}

// startReplica starts a connector for sim paced at limits, sharing its budget through
// budgetDSN (none when empty). A 429 fails the call, so every one is counted.
func startReplica(t testing.TB, sim *s1sim.Server, limits sentinelone.RateLimits, budgetDSN string, timeout time.Duration) *replica {
	t.Helper()
	opts := app.Options{DataDir: t.TempDir(), RateBudget: budgetDSN, ExecuteTimeout: timeout,
		Getenv: func(string) string { return "" },
		Client: operations.ClientOptions{RootCAs: sim.CertPool(), RateLimits: limits,
			Retry: sentinelone.RetryPolicy{MaxAttempts: 1}}}
	opts.Server.MaxConcurrentExecutes = 1000
	a, err := app.New(context.Background(), opts)
	require.NoError(t, err)
	ts := httptest.NewServer(a.Server.Handler())
	t.Cleanup(func() { ts.Close(); _ = a.Close() })
	return &replica{t: t, app: a, url: ts.URL}
}

// count executes get_agent_count with the simulator's admin API token inline.
func (r *replica) count(sim *s1sim.Server) (int, map[string]any) {
	body, err := json.Marshal(map[string]any{"connector": "sentinelone", "version": "1.0.0", "operation": "get_agent_count",
		"config": map[string]any{"host_name": sim.URL, "api_version": "2.1", "verify_ssl": true, "api_token": s1sim.AdminAPIToken}})
	require.NoError(r.t, err)
	resp, err := http.Post(r.url+"/api/integration/execute/", "application/json", bytes.NewReader(body))
	require.NoError(r.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(r.t, err)
	var env map[string]any
	require.NoError(r.t, json.Unmarshal(raw, &env), "%s", raw)
	return resp.StatusCode, env
}

// countsAtOnce runs n counts at once, spread over the replicas in turn, and returns how
// many answered each status.
func countsAtOnce(sim *s1sim.Server, n int, replicas ...*replica) map[int]int {
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		r := replicas[i%len(replicas)]
		wg.Go(func() {
			status, _ := r.count(sim)
			mu.Lock()
			statuses[status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return statuses
}

// agentsTimes is when each GET /agents/count reached the simulator, on its clock.
func agentsTimes(sim *s1sim.Server) []time.Time {
	var at []time.Time
	times := sim.Sim.RequestTimes()
	for i, r := range sim.Sim.Requests() {
		if strings.HasSuffix(r.Path, "/agents/count") {
			at = append(at, times[i])
		}
	}
	return at
}

// rates measures the requests per second of arrival times at: span is the requests after
// the first over the time from the first to the last; fit is the inverse of the
// least-squares slope of arrival time over request number, which one send held up by a
// stalled process (2 cores shared by every package's tests) cannot move much.
func rates(at []time.Time) (span, fit float64) {
	n := float64(len(at))
	if len(at) < 2 {
		return 0, 0
	}
	span = (n - 1) / at[len(at)-1].Sub(at[0]).Seconds()
	var sumI, sumT, sumII, sumIT float64
	for i, t := range at {
		x, y := float64(i), t.Sub(at[0]).Seconds()
		sumI, sumT, sumII, sumIT = sumI+x, sumT+y, sumII+x*x, sumIT+x*y
	}
	slope := (n*sumIT - sumI*sumT) / (n*sumII - sumI*sumI)
	return span, 1 / slope
}

const limit = 20 // requests per second on /agents, the console's and the connector's

func limitedSim(t testing.TB) *s1sim.Server {
	t.Helper()
	sim, err := s1sim.Start(s1sim.Options{Agents: 10, Threats: 1, RateLimits: map[string]float64{s1sim.ClassAgents: limit}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

var agentsLimit = sentinelone.RateLimits{sentinelone.LimitAgents: {PerSecond: limit, Burst: 1}}

// Two replicas sharing one budget, 300 calls split across both at once: no 429, and the
// console sees its limit, not twice it.
func TestReplicasSharingTheBudgetKeepToTheLimit(t *testing.T) {
	dsn := testDSN(t)
	sim := limitedSim(t)
	a := startReplica(t, sim, agentsLimit, dsn, time.Minute)
	b := startReplica(t, sim, agentsLimit, dsn, time.Minute)
	for _, r := range []*replica{a, b} { // connections to the console made before the measure
		status, env := r.count(sim)
		require.Equal(t, http.StatusOK, status, "%v", env)
	}
	sim.Sim.ResetRequests()
	const calls = 300
	statuses := countsAtOnce(sim, calls, a, b)
	assert.Equal(t, map[int]int{http.StatusOK: calls}, statuses)
	assert.Zero(t, sim.Sim.RateLimited(), "no request was answered 429")
	at := agentsTimes(sim)
	assert.Len(t, at, calls)
	// The first second's sends come out unevenly while 300 executes arrive at once on two
	// busy cores; the rate is fitted once they are under way.
	span, _ := rates(at)
	_, rate := rates(at[limit:])
	t.Logf("%d calls over two replicas: %.2f requests/s at the console (%.2f first to last) against a limit of %d", len(at), rate, span, limit)
	assert.GreaterOrEqual(t, rate, 0.9*limit)
	assert.LessOrEqual(t, rate, 1.05*limit)
}

// The same two replicas each on its own budget send twice the limit and trip it: the test
// above shows the shared budget, not a lenient console.
func TestReplicasPacingAloneTripTheLimit(t *testing.T) {
	sim := limitedSim(t)
	a := startReplica(t, sim, agentsLimit, "", time.Minute)
	b := startReplica(t, sim, agentsLimit, "", time.Minute)
	statuses := countsAtOnce(sim, 120, a, b)
	t.Logf("statuses %v, %d answered 429", statuses, sim.Sim.RateLimited())
	assert.Positive(t, sim.Sim.RateLimited())
	assert.Less(t, statuses[http.StatusOK], 120)
}

// A call whose shared turn would come after its deadline fails at once in words, reaches
// no console and books nothing; the turn booked on one replica holds the other's call.
func TestSharedTurnPastTheDeadlineFailsAndBooksNothing(t *testing.T) {
	dsn := testDSN(t)
	sim := limitedSim(t)
	slow := sentinelone.RateLimits{sentinelone.LimitAgents: {PerSecond: 0.1, Burst: 1}}
	a := startReplica(t, sim, slow, dsn, 2*time.Second)
	b := startReplica(t, sim, slow, dsn, 2*time.Second)
	status, env := a.count(sim)
	require.Equal(t, http.StatusOK, status, "%v", env)
	var before time.Time
	query(t, dsn, "SELECT tat FROM rate_budget", &before)

	status, env = b.count(sim) // the next turn is 10 s away, past the 2 s deadline
	assert.Equal(t, http.StatusServiceUnavailable, status, "%v", env)
	msg, _ := env["message"].(string)
	assert.Contains(t, msg, "GET /agents/count was not sent: this configuration's SentinelOne rate limit for agents (0.1 requests/s) would hold it")
	assert.Contains(t, msg, "past the call's deadline")
	var after time.Time
	query(t, dsn, "SELECT tat FROM rate_budget", &after)
	assert.Equal(t, before, after, "nothing was booked")
	assert.Len(t, agentsTimes(sim), 1, "the refused call never reached the console")
}

// proxy forwards TCP connections to target until it is cut.
type proxy struct {
	l      net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	target string
}

func startProxy(t testing.TB, target string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{l: l, target: target}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

// cut stops accepting and drops every connection: the database is out of reach.
func (p *proxy) cut() {
	_ = p.l.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
}

// With the database out of reach, a paced call fails closed: 503 naming the shared budget,
// no request to the console, and no password in the answer.
func TestUnreachableBudgetFailsClosed(t *testing.T) {
	u, err := url.Parse(testDSN(t))
	if err != nil || u.Scheme == "" || u.User == nil {
		t.Skip("SENTINELONE_TEST_POSTGRES is not a postgres://user@host/db URL")
	}
	if _, has := u.User.Password(); has {
		t.Skip("SENTINELONE_TEST_POSTGRES already has a password")
	}
	p := startProxy(t, u.Host)
	// The test server trusts loopback, so a password is never asked for: it is here to
	// show that it does not leak.
	const password = "s3cret-pg-pass"
	u.User, u.Host = url.UserPassword(u.User.Username(), password), p.l.Addr().String()
	via := u.String()
	sim := limitedSim(t)
	r := startReplica(t, sim, agentsLimit, via, 5*time.Second)
	status, env := r.count(sim)
	require.Equal(t, http.StatusOK, status, "%v", env)

	p.cut()
	status, env = r.count(sim)
	assert.Equal(t, http.StatusServiceUnavailable, status, "%v", env)
	msg, _ := env["message"].(string)
	t.Logf("503: %s", msg)
	assert.Contains(t, msg, "GET /agents/count was not sent: the shared rate budget for agents could not be consulted")
	assert.Contains(t, msg, "PostgreSQL at "+p.l.Addr().String(), "it names the database")
	assert.NotContains(t, msg, password)
	assert.Len(t, agentsTimes(sim), 1, "nothing was sent without a turn")
}

// A replica whose budget's database cannot be reached does not start, and says why.
func TestReplicaWithoutItsBudgetDoesNotStart(t *testing.T) {
	const password = "s3cret-pg-pass"
	_, err := app.New(context.Background(), app.Options{DataDir: t.TempDir(), Getenv: func(string) string { return "" },
		RateBudget: "postgres://soar:" + password + "@127.0.0.1:1/connector?connect_timeout=2"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rate budget: reach the database: failed to connect to `user=soar database=connector`")
	assert.NotContains(t, err.Error(), password)
}
