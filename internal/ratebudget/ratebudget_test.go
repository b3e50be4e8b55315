package ratebudget_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/ratebudget"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

func open(t testing.TB, dsn string) *ratebudget.Postgres {
	t.Helper()
	b, err := ratebudget.Open(context.Background(), dsn, ratebudget.Options{})
	require.NoError(t, err)
	t.Cleanup(b.Close)
	return b
}

// tat is the stored turn of key, as the database holds it.
func tat(t *testing.T, dsn, key string) time.Time {
	t.Helper()
	var at time.Time
	query(t, dsn, "SELECT tat FROM rate_budget WHERE key = '"+key+"'", &at)
	return at
}

// Turns of one budget come one interval apart (burst 1), the first at once; a burst lets
// that many go at once. The stored turns are exact; the ones returned are on this
// process's clock, as late as the answer took to be read.
func TestTurnsAreOneIntervalApart(t *testing.T) {
	dsn := testDSN(t)
	b := open(t, dsn)
	ctx := context.Background()
	reserve := func(class string, r sentinelone.Rate) (time.Time, time.Time) {
		turn, release, err := b.Reserve(ctx, "tenant", class, r, time.Time{})
		require.NoError(t, err)
		require.NotNil(t, release)
		return turn, tat(t, dsn, "tenant/"+class)
	}
	const slack = 50 * time.Millisecond
	start := time.Now()
	var last time.Time
	for i := range 4 {
		turn, stored := reserve("agents", sentinelone.Rate{PerSecond: 10, Burst: 1})
		if i > 0 {
			assert.Equal(t, 100*time.Millisecond, stored.Sub(last), "booking %d moves the budget on by one interval", i)
		}
		last = stored
		assert.WithinDuration(t, start.Add(time.Duration(i)*100*time.Millisecond), turn, slack, "turn %d", i)
	}

	start = time.Now()
	for i := range 4 {
		turn, _ := reserve("threats", sentinelone.Rate{PerSecond: 10, Burst: 3})
		if i < 3 {
			assert.Less(t, turn.Sub(start), slack, "turn %d is within the burst: due now", i)
		} else {
			assert.WithinDuration(t, start.Add(100*time.Millisecond), turn, slack, "past the burst, the rate")
		}
	}
}

// A turn past the deadline is refused and books nothing: the stored turn is as it was.
func TestTurnPastTheDeadlineBooksNothing(t *testing.T) {
	dsn := testDSN(t)
	b := open(t, dsn)
	ctx := context.Background()
	slow := sentinelone.Rate{PerSecond: 0.5, Burst: 1} // a turn every 2 s
	_, _, err := b.Reserve(ctx, "tenant", "agents", slow, time.Now().Add(time.Minute))
	require.NoError(t, err, "the first turn is now")
	before := tat(t, dsn, "tenant/agents")

	turn, release, err := b.Reserve(ctx, "tenant", "agents", slow, time.Now().Add(500*time.Millisecond))
	require.ErrorIs(t, err, sentinelone.ErrTurnPastDeadline)
	assert.Nil(t, release)
	assert.InDelta(t, 2*time.Second, time.Until(turn), float64(200*time.Millisecond), "it says when the turn would have been")
	assert.Equal(t, before, tat(t, dsn, "tenant/agents"), "nothing was booked")

	_, _, err = b.Reserve(ctx, "tenant", "agents", slow, time.Now().Add(5*time.Second))
	require.NoError(t, err, "a deadline after the turn books it")
	assert.Equal(t, before.Add(2*time.Second), tat(t, dsn, "tenant/agents"))
}

// Handing back a turn restores the budget only while no later turn was booked after it.
func TestReleaseGivesBackTheLastTurnOnly(t *testing.T) {
	dsn := testDSN(t)
	b := open(t, dsn)
	ctx := context.Background()
	r := sentinelone.Rate{PerSecond: 1, Burst: 1}
	_, first, err := b.Reserve(ctx, "tenant", "agents", r, time.Time{})
	require.NoError(t, err)
	afterFirst := tat(t, dsn, "tenant/agents")
	_, second, err := b.Reserve(ctx, "tenant", "agents", r, time.Time{})
	require.NoError(t, err)
	afterSecond := tat(t, dsn, "tenant/agents")

	require.NoError(t, first(ctx))
	assert.Equal(t, afterSecond, tat(t, dsn, "tenant/agents"), "an earlier turn cannot be given back once a later one is booked")
	require.NoError(t, second(ctx))
	assert.Equal(t, afterFirst, tat(t, dsn, "tenant/agents"), "the last turn is given back")
	require.NoError(t, second(ctx))
	assert.Equal(t, afterFirst, tat(t, dsn, "tenant/agents"), "only once")
}

// Budgets opened at once on one database agree on the tables and on tenant names; the names
// reveal neither console nor credential.
func TestReplicasShareTablesAndTenantNames(t *testing.T) {
	dsn := testDSN(t)
	budgets := make([]*ratebudget.Postgres, 6)
	errs := make([]error, len(budgets))
	var wg sync.WaitGroup
	for i := range budgets {
		wg.Go(func() { budgets[i], errs[i] = ratebudget.Open(context.Background(), dsn, ratebudget.Options{}) })
	}
	wg.Wait()
	for i, b := range budgets {
		require.NoError(t, errs[i], "budget %d", i)
		t.Cleanup(b.Close)
	}
	const console, token = "https://console.example.net", "api-token\x00s3cret-api-token"
	name := budgets[0].Tenant(console, token)
	for _, b := range budgets[1:] {
		assert.Equal(t, name, b.Tenant(console, token))
	}
	assert.Len(t, name, 64)
	assert.NotContains(t, name, "s3cret")
	assert.NotEqual(t, name, budgets[0].Tenant(console, "api-token\x00another-token"))
	assert.NotEqual(t, name, budgets[0].Tenant("https://other.example.net", token))
	assert.NotEqual(t, budgets[0].Tenant("ab", "c"), budgets[0].Tenant("a", "bc"), "fields do not run into each other")

	other := open(t, testDSN(t))
	assert.NotEqual(t, name, other.Tenant(console, token), "another database keys its names otherwise")
}

// Concurrent bookings from two pools lose none: every one moves the budget on by its
// interval.
func TestConcurrentBookingsAreNeverLost(t *testing.T) {
	dsn := testDSN(t)
	a, b := open(t, dsn), open(t, dsn)
	const n = 200
	r := sentinelone.Rate{PerSecond: 100, Burst: 1} // 10 ms a turn: 2 s for all, faster booked than that
	var t0 time.Time
	query(t, dsn, "SELECT clock_timestamp()", &t0)
	began := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		budget := a
		if i%2 == 1 {
			budget = b
		}
		wg.Go(func() {
			_, _, err := budget.Reserve(context.Background(), "tenant", "agents", r, time.Time{})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	took := time.Since(began)
	span := tat(t, dsn, "tenant/agents").Sub(t0)
	assert.GreaterOrEqual(t, span, n*10*time.Millisecond, "a lost booking would leave the budget short")
	assert.LessOrEqual(t, span, n*10*time.Millisecond+took, "and none was counted twice")
}

// Errors of an unreachable or invalid database name the budget and never quote a password.
func TestErrorsNeverQuoteThePassword(t *testing.T) {
	const secret = "s3cret-pg-pass"
	ctx := context.Background()
	for _, dsn := range []string{
		"postgres://budget:" + secret + "@127.0.0.1:1/db?sslmode=disable&connect_timeout=2",
		"host=127.0.0.1 port=1 user=budget password=" + secret + " dbname=db sslmode=disable connect_timeout=2",
		"postgres://budget:" + secret + "@127.0.0.1:notaport/db",
		"postgres://budget:" + secret + "@[::1/db",
	} {
		_, err := ratebudget.Open(ctx, dsn, ratebudget.Options{Timeout: time.Second})
		require.Error(t, err, dsn)
		assert.Contains(t, err.Error(), "rate budget")
		assert.NotContains(t, err.Error(), secret)
		for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
			assert.NotContains(t, e.Error(), secret)
		}
	}
}
