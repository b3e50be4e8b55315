package sentinelone_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// fakeBudget is a Budget in memory that answers what a test tells it to.
type fakeBudget struct {
	mu       sync.Mutex
	booked   []string // tenant/class of every reservation
	turn     func() time.Time
	err      error
	released int
}

func (b *fakeBudget) Reserve(_ context.Context, tenant, class string, _ sentinelone.Rate, _ time.Time) (time.Time, func(context.Context) error, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.turn(), nil, b.err
	}
	b.booked = append(b.booked, tenant+"/"+class)
	return b.turn(), func(context.Context) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.released++
		return nil
	}, nil
}

func (b *fakeBudget) state() ([]string, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.booked...), b.released
}

// agentCounts is how many GET /agents/count reached the simulator.
func agentCounts(srv *s1sim.Server) int {
	n := 0
	for _, r := range srv.Sim.Requests() {
		if r.Path == "/web/api/v2.1/agents/count" {
			n++
		}
	}
	return n
}

func sharedLimiterSim(t *testing.T, b *fakeBudget) (*s1sim.Server, *sentinelone.Client) {
	t.Helper()
	lim := sentinelone.NewSharedLimiter(sentinelone.RateLimits{sentinelone.LimitAgents: {PerSecond: 2, Burst: 1}}, b, "tenant-1")
	require.True(t, lim.Shared())
	return startSim(t, s1sim.Options{}, withToken, func(cfg *sentinelone.Config) { cfg.Limiter = lim })
}

func TestSharedLimiterBooksInItsBudget(t *testing.T) {
	b := &fakeBudget{turn: time.Now}
	srv, c := sharedLimiterSim(t, b)
	ctx := context.Background()
	for range 3 {
		_, err := c.Agents.Count(ctx, nil)
		require.NoError(t, err)
	}
	_, err := c.System.Info(ctx)
	require.NoError(t, err)
	booked, _ := b.state()
	assert.Equal(t, []string{"tenant-1/agents", "tenant-1/agents", "tenant-1/agents"}, booked,
		"every paced request books its turn in the budget, unpaced classes none")
	assert.Equal(t, 3, agentCounts(srv), "turns due now go at once: the in-memory buckets do not hold them too")
	assert.False(t, sentinelone.NewLimiter(sentinelone.DefaultRateLimits()).Shared())
	assert.Nil(t, sentinelone.NewSharedLimiter(nil, b, "tenant-1"), "no budgets, no limiter")
}

func TestSharedTurnPastTheDeadlineIsNotSent(t *testing.T) {
	b := &fakeBudget{turn: func() time.Time { return time.Now().Add(10 * time.Second) }, err: sentinelone.ErrTurnPastDeadline}
	srv, c := sharedLimiterSim(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Agents.Count(ctx, nil)
	var pe *sentinelone.PaceError
	require.ErrorAs(t, err, &pe)
	assert.Greater(t, pe.Wait, 9*time.Second)
	assert.Contains(t, err.Error(), "GET /agents/count was not sent: this configuration's SentinelOne rate limit for agents (2 requests/s) would hold it")
	assert.Contains(t, err.Error(), "past the call's deadline")
	assert.NoError(t, ctx.Err(), "it fails at once")
	assert.Zero(t, agentCounts(srv))
}

func TestUnreachableBudgetFailsClosed(t *testing.T) {
	b := &fakeBudget{turn: time.Now, err: errors.New("dial tcp 127.0.0.1:5432: connection refused")}
	srv, c := sharedLimiterSim(t, b)
	_, err := c.Agents.Count(context.Background(), nil)
	var be *sentinelone.BudgetError
	require.ErrorAs(t, err, &be)
	assert.True(t, be.Unavailable())
	assert.Equal(t, "count agents: GET /agents/count was not sent: the shared rate budget for agents could not be consulted: dial tcp 127.0.0.1:5432: connection refused", err.Error())
	assert.Zero(t, agentCounts(srv), "no budget, no request")
}

func TestSharedTurnGivenUpIsReleased(t *testing.T) {
	b := &fakeBudget{turn: func() time.Time { return time.Now().Add(time.Hour) }}
	srv, c := sharedLimiterSim(t, b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := c.Agents.Count(ctx, nil); done <- err }()
	require.Eventually(t, func() bool { booked, _ := b.state(); return len(booked) == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	_, released := b.state()
	assert.Equal(t, 1, released, "the cancelled call hands its turn back")
	assert.Zero(t, agentCounts(srv))
}
