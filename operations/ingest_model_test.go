package operations_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// fetchAnswer is fetch_threats' answer.
type fetchAnswer struct {
	Data []struct {
		ID         string `json:"id"`
		UpdatedAt  string `json:"updatedAt"`
		ThreatInfo struct {
			UpdatedAt string `json:"updatedAt"`
		} `json:"threatInfo"`
	} `json:"data"`
	Checkpoint string   `json:"checkpoint"`
	HasMore    bool     `json:"has_more"`
	Count      int      `json:"count"`
	Updated    []string `json:"updated"`
}

// pairs lists the delivered changes as id@updatedAt.
func (a fetchAnswer) pairs() []string {
	out := make([]string, len(a.Data))
	for i, d := range a.Data {
		at := d.ThreatInfo.UpdatedAt
		if at == "" {
			at = d.UpdatedAt
		}
		out[i] = d.ID + "@" + at
	}
	return out
}

// ingestWorld is the simulator, a virtual clock in its past, and the connector server,
// which a test can restart over the same stream store.
type ingestWorld struct {
	t       *testing.T
	rng     *rand.Rand
	sim     *s1sim.Server
	clock   time.Time
	streams operations.StreamStore
	h       *harness
	close   func()
}

func newIngestWorld(t *testing.T, seed uint64, version string) *ingestWorld {
	sim, err := s1sim.Start(s1sim.Options{Agents: 20, Threats: 0, Seed: int64(seed)})
	require.NoError(t, err)
	w := &ingestWorld{t: t, rng: rand.New(rand.NewPCG(seed, 7)), sim: sim,
		clock: time.Now().Add(-3 * time.Hour).Truncate(time.Second), streams: &sharedStreams{m: map[string]operations.StreamState{}}}
	w.start(version)
	t.Cleanup(func() { w.close(); _ = sim.Close() })
	return w
}

// start (re)starts the connector server over the world's stream store.
func (w *ingestWorld) start(version string) {
	values := map[string]any{"host_name": w.sim.URL, "api_version": version, "verify_ssl": true, "api_token": s1sim.AdminAPIToken}
	cfg := &connector.Config{ID: "11111111-1111-4111-8111-111111111111", Name: "tenant", Default: true, Values: values}
	opts := operationsClientOptions(w.sim)
	opts.Streams = w.streams
	a, err := app.New(context.Background(), app.Options{Configs: connector.NewStaticConfigs(cfg), Client: opts})
	require.NoError(w.t, err)
	ts := httptest.NewServer(a.Server.Handler())
	w.h = &harness{t: w.t, sim: w.sim, app: a, url: ts.URL, version: version}
	w.close = func() { ts.Close(); _ = a.Close() }
}

func (w *ingestWorld) restart() { w.close(); w.start(w.h.version) }

// churn applies a random mix of changes: creations (some in ties, some stamped before they
// are visible) and updates of old and new threats.
func (w *ingestWorld) churn() {
	w.clock = w.clock.Add(time.Duration(1+w.rng.IntN(60)) * time.Second)
	sim := w.sim.Sim
	switch r := w.rng.IntN(10); {
	case r < 3:
		sim.AddThreats(1+w.rng.IntN(5), s1sim.NewThreat{At: w.clock})
	case r == 3:
		sim.AddThreats(2+w.rng.IntN(4), s1sim.NewThreat{At: w.clock}) // a tie
		sim.AddThreats(1+w.rng.IntN(3), s1sim.NewThreat{At: w.clock})
	case r == 4 || r == 5:
		// visible now, stamped up to three minutes earlier, created a minute before that
		late := time.Duration(w.rng.IntN(180)) * time.Second
		sim.AddThreats(1+w.rng.IntN(3), s1sim.NewThreat{At: w.clock.Add(-late), CreatedBefore: time.Minute})
	default:
		all := sim.Threats()
		if len(all) == 0 {
			return
		}
		var ids []string
		for range 1 + w.rng.IntN(6) {
			if w.rng.IntN(2) == 0 {
				ids = append(ids, all[w.rng.IntN(len(all))].ID) // any threat, old ones mostly
			} else {
				ids = append(ids, all[len(all)-1-w.rng.IntN(min(10, len(all)))].ID) // a new one
			}
		}
		verdicts := []string{"true_positive", "false_positive", "suspicious", "undefined"}
		statuses := []string{"unresolved", "in_progress", "resolved"}
		sim.UpdateThreats(ids, s1sim.ThreatChange{At: w.clock, AnalystVerdict: verdicts[w.rng.IntN(4)],
			IncidentStatus: statuses[w.rng.IntN(3)]})
	}
}

// current lists the current change of every threat updated since from.
func (w *ingestWorld) current(from time.Time) []string {
	var out []string
	for _, t := range w.sim.Sim.Threats() {
		if at, err := time.Parse(time.RFC3339Nano, t.UpdatedAt); err == nil && !at.Before(from) {
			out = append(out, t.ID+"@"+t.UpdatedAt)
		}
	}
	return out
}

// requireOnce requires that nothing in got came more than once and, when complete, that
// got holds every one of want; what names the items ("change", "alert") and how says what
// happened to them ("delivered", "stored by the stream").
func requireOnce(t *testing.T, got map[string]int, complete bool, want func() []string, what, how string, poll int) {
	t.Helper()
	for k, n := range got {
		require.Equal(t, 1, n, "%s %s %s %d times", what, k, how, n)
	}
	if complete {
		require.Empty(t, missing(want(), got), "%ss not %s by poll %d", what, how, poll)
	}
}

// missing lists the changes of want that got lacks.
func missing(want []string, got map[string]int) []string {
	var out []string
	for _, p := range want {
		if got[p] == 0 {
			out = append(out, p)
		}
	}
	return out
}

func (w *ingestWorld) fetch(params map[string]any) fetchAnswer {
	var a fetchAnswer
	w.h.ok(operations.FetchThreats, params, &a)
	require.Equal(w.t, len(a.Data), a.Count)
	return a
}

// TestFetchThreatsModel drives random interleavings of changes and polls, and checks that
// a caller passing back each checkpoint receives every change exactly once, and that a
// server stream loses nothing over restarts and callers that die before acknowledging,
// repeating only unacknowledged batches.
func TestFetchThreatsModel(t *testing.T) {
	t.Parallel() // slow, and shares nothing with other tests
	for _, c := range []struct {
		seed    uint64
		version string
	}{{1, "2.1"}, {2, "2.1"}, {3, "2.0"}} {
		{
			seed, v := c.seed, c.version
			t.Run(fmt.Sprintf("seed%d/v%s", seed, v), func(t *testing.T) {
				w := newIngestWorld(t, seed, v)
				w.sim.Sim.AddThreats(30, s1sim.NewThreat{At: w.clock.Add(-time.Hour)}) // before the start
				from := w.clock.Add(-time.Minute)
				start := from.Format(time.RFC3339)

				// the checkpoint caller
				cp := ""
				delivered := map[string]int{} // id@updatedAt → times
				seenID := map[string]bool{}
				// the stream caller: what it stored, and the batch it holds unacknowledged
				stored := map[string]int{}
				ack := ""
				var holding []string
				drained := 0
				burst := 3 + w.rng.IntN(10)
				for poll := 0; poll < 21 || drained < 3; poll++ {
					require.Less(t, poll, 400, "the feeds never drained")
					for range w.rng.IntN(3) {
						w.churn()
					}
					if poll == burst { // one burst above the page size and max_items, in a tie
						w.sim.Sim.AddThreats(300+w.rng.IntN(200), s1sim.NewThreat{At: w.clock})
					}
					if w.rng.IntN(8) == 0 {
						w.restart()
					}
					max := 40 + w.rng.IntN(200) // the page size is min(max_items, 1000)
					params := map[string]any{"checkpoint": cp, "max_items": max}
					if cp == "" {
						params = map[string]any{"start": start, "max_items": max}
					}
					a := w.fetch(params)
					updated := map[string]bool{}
					for _, id := range a.Updated {
						updated[id] = true
					}
					for i, p := range a.pairs() {
						delivered[p]++
						id := a.Data[i].ID
						if seenID[id] {
							require.True(t, updated[id], "a later change of %s is not marked updated", id)
						}
						seenID[id] = true
					}
					cp = a.Checkpoint
					callerDone := !a.HasMore

					// the stream: sometimes the caller dies holding its batch
					sp := map[string]any{"stream": "soc", "max_items": max}
					if ack != "" {
						sp["ack"] = ack
					} else if len(stored) == 0 {
						sp["start"] = start
					}
					for _, p := range holding {
						stored[p]++ // acknowledged now: it was stored
					}
					holding = nil
					s := w.fetch(sp)
					if w.rng.IntN(5) != 0 { // else the caller died: nothing stored, nothing acknowledged
						holding, ack = s.pairs(), s.Checkpoint
					}
					streamDone := !s.HasMore && ack == s.Checkpoint

					current := func() []string { return w.current(from) }
					requireOnce(t, delivered, callerDone, current, "change", "delivered", poll)
					if streamDone && callerDone {
						drained++
						for _, p := range holding {
							stored[p]++
						}
						holding = nil
						requireOnce(t, stored, true, current, "change", "stored by the stream", poll)
					}
				}
			})
		}
	}
}

// sharedStreams is a stream store that outlives the connector servers of a test.
type sharedStreams struct {
	m map[string]operations.StreamState
}

func (s *sharedStreams) LoadStream(_ context.Context, cfg, stream string) (operations.StreamState, error) {
	return s.m[cfg+"/"+stream], nil
}

func (s *sharedStreams) SaveStream(_ context.Context, cfg, stream string, st operations.StreamState) error {
	s.m[cfg+"/"+stream] = st
	return nil
}
