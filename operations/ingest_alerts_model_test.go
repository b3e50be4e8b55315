package operations_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// churnAlerts applies a random mix of alert changes: creations (some in ties, some stamped
// up to four minutes before they are visible, inside the overlap) and verdict or status
// changes of old and new alerts, which fetch_alerts does not deliver again.
func (w *ingestWorld) churnAlerts() {
	w.clock = w.clock.Add(time.Duration(1+w.rng.IntN(60)) * time.Second)
	sim := w.sim.Sim
	switch r := w.rng.IntN(10); {
	case r < 4:
		sim.AddAlerts(1+w.rng.IntN(5), s1sim.NewAlert{At: w.clock})
	case r == 4:
		sim.AddAlerts(2+w.rng.IntN(4), s1sim.NewAlert{At: w.clock}) // a tie, in two calls
		sim.AddAlerts(1+w.rng.IntN(3), s1sim.NewAlert{At: w.clock})
	case r == 5 || r == 6:
		late := time.Duration(w.rng.IntN(240)) * time.Second
		sim.AddAlerts(1+w.rng.IntN(3), s1sim.NewAlert{At: w.clock, CreatedBefore: late})
	default:
		all := sim.Alerts()
		var ids []string
		for range 1 + w.rng.IntN(6) {
			ids = append(ids, all[w.rng.IntN(len(all))].ID)
		}
		sim.UpdateAlerts(ids, s1sim.AlertChange{At: w.clock, AnalystVerdict: "TRUE_POSITIVE", IncidentStatus: "RESOLVED"})
	}
}

// currentAlerts lists every alert created since from.
func (w *ingestWorld) currentAlerts(from time.Time) []string {
	var out []string
	for _, a := range w.sim.Sim.Alerts() {
		if at, err := time.Parse(time.RFC3339Nano, a.CreatedAt); err == nil && !at.Before(from) {
			out = append(out, a.ID)
		}
	}
	return out
}

func (w *ingestWorld) fetchAlerts(params map[string]any) alertAnswer {
	var a alertAnswer
	w.h.ok(operations.FetchAlerts, params, &a)
	require.Equal(w.t, len(a.Data), a.Count)
	require.Empty(w.t, a.Updated, "alerts are never marked updated")
	return a
}

// TestFetchAlertsModel drives random interleavings of alert creations, changes and polls
// (API 2.1 only: 2.0 has no alerts) and checks that a caller passing back each checkpoint
// receives every new alert exactly once, and that a server stream loses nothing over
// restarts and callers that die before acknowledging, repeating only unacknowledged
// batches.
func TestFetchAlertsModel(t *testing.T) {
	t.Parallel() // slow, and shares nothing with other tests
	for _, seed := range []uint64{11, 12, 13} {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			w := newIngestWorld(t, seed, "2.1")
			w.sim.Sim.AddAlerts(30, s1sim.NewAlert{At: w.clock.Add(-time.Hour)}) // before the start
			from := w.clock.Add(-time.Minute)
			start := from.Format(time.RFC3339)

			cp := ""
			delivered := map[string]int{} // alert id → times
			stored := map[string]int{}    // what the stream caller stored
			ack := ""
			var holding []string // the stream batch held unacknowledged
			drained := 0
			burst := 3 + w.rng.IntN(10)
			for poll := 0; poll < 21 || drained < 3; poll++ {
				require.Less(t, poll, 400, "the feeds never drained")
				for range w.rng.IntN(3) {
					w.churnAlerts()
				}
				if poll == burst { // one burst above the page size and max_items, in a tie
					w.sim.Sim.AddAlerts(300+w.rng.IntN(200), s1sim.NewAlert{At: w.clock})
				}
				if w.rng.IntN(8) == 0 {
					w.restart()
				}
				max := 40 + w.rng.IntN(200)
				params := map[string]any{"checkpoint": cp, "max_items": max}
				if cp == "" {
					params = map[string]any{"start": start, "max_items": max}
				}
				a := w.fetchAlerts(params)
				for _, id := range a.ids() {
					delivered[id]++
				}
				cp = a.Checkpoint
				callerDone := !a.HasMore

				sp := map[string]any{"stream": "soc", "max_items": max}
				if ack != "" {
					sp["ack"] = ack
				} else if len(stored) == 0 {
					sp["start"] = start
				}
				for _, id := range holding {
					stored[id]++ // acknowledged now: it was stored
				}
				holding = nil
				s := w.fetchAlerts(sp)
				if w.rng.IntN(5) != 0 { // else the caller died: nothing stored, nothing acknowledged
					holding, ack = s.ids(), s.Checkpoint
				} else {
					ack = ""
				}
				streamDone := !s.HasMore && ack == s.Checkpoint

				current := func() []string { return w.currentAlerts(from) }
				requireOnce(t, delivered, callerDone, current, "alert", "delivered", poll)
				if streamDone && callerDone {
					drained++
					for _, id := range holding {
						stored[id]++
					}
					holding = nil
					requireOnce(t, stored, true, current, "alert", "stored by the stream", poll)
				}
			}
		})
	}
}
