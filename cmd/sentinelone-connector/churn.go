package main

import (
	"context"
	"errors"
	"flag"
	"math/rand/v2"
	"time"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// churn makes the simulator's threats and alerts change over time, for trying ingestion:
// every interval it adds threats (some stamped before they are visible) and updates
// others, and raises alerts created before they are visible.
type churn struct {
	every  time.Duration
	add    int
	update int
	late   time.Duration
	alerts int
}

func (c *churn) register(fs *flag.FlagSet) {
	fs.DurationVar(&c.every, "churn-every", 0, "every this long, add --churn-add threats and update --churn-update (0: never)")
	fs.IntVar(&c.add, "churn-add", 5, "threats added at each churn, all with one updatedAt (a tie)")
	fs.IntVar(&c.update, "churn-update", 3, "random threats whose verdict and status change at each churn")
	fs.DurationVar(&c.late, "churn-late", 30*time.Second, "added threats and alerts are created this long before they are visible")
	fs.IntVar(&c.alerts, "churn-alerts", 2, "STAR alerts raised at each churn, all with one createdAt (a tie)")
}

func (c *churn) validate() error {
	if c.every < 0 || c.add < 0 || c.update < 0 || c.late < 0 || c.alerts < 0 {
		return errors.New("simulate: --churn-every, --churn-add, --churn-update, --churn-alerts and --churn-late must not be negative")
	}
	return nil
}

// step applies one churn at now: updates of existing threats, then new threats and alerts.
func (c *churn) step(sim *s1sim.Simulator, rng *rand.Rand, now time.Time) {
	defer sim.AddAlerts(c.alerts, s1sim.NewAlert{At: now, CreatedBefore: c.late})
	defer sim.AddThreats(c.add, s1sim.NewThreat{At: now, CreatedBefore: c.late})
	all := sim.Threats()
	if len(all) == 0 || c.update == 0 {
		return
	}
	ids := make([]string, c.update)
	for i := range ids {
		ids[i] = all[rng.IntN(len(all))].ID
	}
	verdicts := []string{"true_positive", "false_positive", "suspicious", "undefined"}
	statuses := []string{"unresolved", "in_progress", "resolved"}
	sim.UpdateThreats(ids, s1sim.ThreatChange{At: now, AnalystVerdict: verdicts[rng.IntN(len(verdicts))],
		IncidentStatus: statuses[rng.IntN(len(statuses))]})
}

// run churns every c.every until ctx ends.
func (c *churn) run(ctx context.Context, sim *s1sim.Simulator, seed int64) {
	if c.every <= 0 {
		return
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 18))
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			c.step(sim, rng, now)
		}
	}
}
