package sentinelone_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// statusCounter counts the client's HTTP attempts by status.
type statusCounter struct {
	mu sync.Mutex
	by map[int]int
}

func (s *statusCounter) ObserveRequest(_, _ string, status int, _ time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.by == nil {
		s.by = map[int]int{}
	}
	s.by[status]++
}
func (s *statusCounter) ObserveRetry(string, string) {}
func (s *statusCounter) ObserveLogin(bool)           {}

func (s *statusCounter) count(status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.by[status]
}

func withToken(cfg *sentinelone.Config) {
	cfg.Username, cfg.Password, cfg.APIToken = "", "", s1sim.AdminAPIToken
}

// countAtOnce runs n agent counts at once and returns how long they took.
func countAtOnce(t *testing.T, c *sentinelone.Client, n int) (time.Duration, []error) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			_, errs[i] = c.Agents.Count(context.Background(), nil)
		})
	}
	wg.Wait()
	return time.Since(start), errs
}

// The scaled-down form of the benchmark's 500 calls against 20 requests/s (make bench part
// d): parallel calls paced by the client meet a console limit without one 429, at its rate.
func TestPacedCallsMeetTheConsoleLimit(t *testing.T) {
	const limit, calls = 50, 100
	obs := &statusCounter{}
	srv, c := startSim(t, s1sim.Options{RateLimits: map[string]float64{s1sim.ClassAgents: limit}}, withToken,
		func(cfg *sentinelone.Config) {
			cfg.Observer = obs
			cfg.Retry.MaxAttempts = 1 // a 429 would fail the call
			cfg.Limiter = sentinelone.NewLimiter(sentinelone.RateLimits{sentinelone.LimitAgents: {PerSecond: limit, Burst: 1}})
		})
	took, errs := countAtOnce(t, c, calls)
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Zero(t, obs.count(429))
	assert.Zero(t, srv.Sim.RateLimited())
	assert.Equal(t, calls, obs.count(200))
	rate := float64(calls) / took.Seconds()
	t.Logf("%d calls in %s: %.1f requests/s against a limit of %d", calls, took.Round(time.Millisecond), rate, limit)
	// Paced calls cannot go faster than the limit: the last one starts (calls-1) intervals
	// after the first.
	assert.LessOrEqual(t, rate, limit*float64(calls)/float64(calls-1))
	assert.GreaterOrEqual(t, rate, limit/2.0, "pacing keeps close to the limit")
}

// Without pacing, the same burst trips the simulator's limit: the test above shows pacing,
// not a lenient simulator.
func TestUnpacedCallsTripTheConsoleLimit(t *testing.T) {
	obs := &statusCounter{}
	srv, c := startSim(t, s1sim.Options{RateLimits: map[string]float64{s1sim.ClassAgents: 2}}, withToken,
		func(cfg *sentinelone.Config) { cfg.Observer = obs; cfg.Retry.MaxAttempts = 1 })
	_, errs := countAtOnce(t, c, 40)
	failed := 0
	for _, err := range errs {
		if err != nil {
			require.ErrorIs(t, err, sentinelone.ErrRateLimited)
			failed++
		}
	}
	assert.Positive(t, failed)
	assert.Equal(t, failed, obs.count(429))
	assert.Equal(t, failed, srv.Sim.RateLimited())
}

func TestPacedCallHonoursItsDeadline(t *testing.T) {
	srv, c := startSim(t, s1sim.Options{}, withToken, func(cfg *sentinelone.Config) {
		cfg.Limiter = sentinelone.NewLimiter(sentinelone.RateLimits{sentinelone.LimitAgents: {PerSecond: 2, Burst: 1}})
	})
	ctx := context.Background()
	_, err := c.Agents.Count(ctx, nil)
	require.NoError(t, err, "the first call goes at once")

	// The next turn is half a second away: a call with 100 ms left is not sent.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = c.Agents.Count(short, nil)
	var pe *sentinelone.PaceError
	require.ErrorAs(t, err, &pe)
	require.ErrorIs(t, err, sentinelone.ErrRateLimited)
	assert.Equal(t, sentinelone.LimitAgents, pe.Class)
	assert.Greater(t, pe.Wait, pe.Left)
	assert.Equal(t, pe.Wait, pe.RetryDelay())
	assert.Equal(t, sentinelone.ClassRateLimited, sentinelone.Class(err))
	assert.Contains(t, err.Error(), "GET /agents/count was not sent: this configuration's SentinelOne rate limit for agents (2 requests/s) would hold it")
	assert.Contains(t, err.Error(), "past the call's deadline")
	assert.NoError(t, short.Err(), "it fails at once, not at the deadline")

	// A call cancelled while it waits gives its turn back and reports the cancellation.
	cctx, stop := context.WithCancel(ctx)
	var cerr error
	done := make(chan struct{})
	go func() { _, cerr = c.Agents.Count(cctx, nil); close(done) }()
	stop()
	<-done
	require.ErrorIs(t, cerr, context.Canceled)

	// A call with time enough waits its turn and is sent.
	long, cancel2 := context.WithTimeout(ctx, 5*time.Second)
	defer cancel2()
	_, err = c.Agents.Count(long, nil)
	require.NoError(t, err)

	n := 0
	for _, r := range srv.Sim.Requests() {
		if r.Path == "/web/api/v2.1/agents/count" {
			n++
		}
	}
	assert.Equal(t, 2, n, "the refused and the cancelled calls never reached the console")
}

// Classes without a budget are not paced, and the limiter is shared by what holds it.
func TestLimiterOnlyPacesItsClasses(t *testing.T) {
	lim := sentinelone.NewLimiter(sentinelone.RateLimits{sentinelone.LimitThreats: {PerSecond: 0.001, Burst: 1}})
	_, c := startSim(t, s1sim.Options{}, withToken, func(cfg *sentinelone.Config) { cfg.Limiter = lim })
	assert.Same(t, lim, c.Limiter())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for range 5 {
		_, err := c.Agents.Count(ctx, nil)
		require.NoError(t, err)
	}
	assert.Nil(t, sentinelone.NewLimiter(nil), "no budgets, no limiter")
	var none *sentinelone.Limiter
	assert.Nil(t, none.Limits())
}
