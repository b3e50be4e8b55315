package ratebudget_test

import (
	"context"
	"testing"
	"time"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// fast is a budget no benchmark call waits for: what is measured is the booking.
var fast = sentinelone.Rate{PerSecond: 1e6, Burst: 1}

// BenchmarkReserve is one booking in the shared budget: one statement, one round trip to
// PostgreSQL on loopback. parallel books from 16 goroutines at once on one tenant, whose
// row every booking locks in turn.
func BenchmarkReserve(b *testing.B) {
	budget := open(b, testDSN(b))
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := budget.Reserve(ctx, "tenant", "agents", fast, time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(8) // 16 goroutines on 2 cores
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := budget.Reserve(ctx, "tenant", "agents", fast, time.Time{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkPacedCall is one GET /agents/count to the simulator on loopback, paced by the
// in-memory limiter and by the shared budget: the difference is the budget's cost per call.
func BenchmarkPacedCall(b *testing.B) {
	budget := open(b, testDSN(b))
	sim, err := s1sim.Start(s1sim.Options{Agents: 10, Threats: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sim.Close() })
	limits := sentinelone.RateLimits{sentinelone.LimitAgents: fast}
	for _, bc := range []struct {
		name string
		lim  *sentinelone.Limiter
	}{
		{"in-memory", sentinelone.NewLimiter(limits)},
		{"shared", sentinelone.NewSharedLimiter(limits, budget, budget.Tenant(sim.URL, "api-token\x00"+s1sim.AdminAPIToken))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c, err := sentinelone.New(sentinelone.Config{Host: sim.URL, APIToken: s1sim.AdminAPIToken, VerifySSL: true,
				RootCAs: sim.CertPool(), Limiter: bc.lim})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(c.Close)
			ctx := context.Background()
			if _, err := c.Agents.Count(ctx, nil); err != nil { // a connection before the measure
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := c.Agents.Count(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
