package bench

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGoalsBesideTheirFigures(t *testing.T) {
	r := &Report{
		Overhead:         &Overhead{RatioP50: 1.4, RatioP99: 2.5, FloorP50: 1.9},
		Throughput:       []Throughput{{Concurrency: 1, PerSecond: 10}, {Concurrency: 64, PerSecond: 90}},
		DirectThroughput: []Throughput{{Concurrency: 1, PerSecond: 100}, {Concurrency: 64, PerSecond: 100}},
		List:             &List{Ratio: 1.3, PeakRSS: 40 << 20, RSSGoal: RSSGoal, RSSWithinGoal: true, ConnectorSec: 1, DirectSec: 1},
		Pacing:           &Pacing{Calls: 500, Limit: 20, PerSecond: 19.9, Seconds: 25, Status429: 0},
	}
	r.Goals = goals(r)
	pass := map[string]bool{}
	for _, g := range r.Goals {
		pass[g.Part+" "+g.Name] = g.Pass
	}
	assert.Equal(t, map[string]bool{
		"a execute/direct p50": true, "a execute/direct p99": false,
		"b execute/direct req/s at concurrency 64": true,
		"c get_agents/direct walk time":            false, "c connector peak RSS": true,
		"d 429s from the simulator": true, "d paced req/s over the 20/s limit": true,
	}, pass)

	r.Pacing.Status429 = 3
	r.Pacing.PerSecond = 25
	r.Goals = goals(r)
	for _, g := range r.Goals {
		if g.Part == "d" {
			assert.False(t, g.Pass, g.Name)
		}
	}

	var out bytes.Buffer
	require.NoError(t, r.WriteTable(&out))
	assert.Contains(t, out.String(), "PASS  a) execute/direct p50")
	assert.Contains(t, out.String(), "(floor of one more hop: 1.90x)")
	assert.Contains(t, out.String(), "FAIL  d) 429s from the simulator")
	assert.Contains(t, out.String(), "3 of 7 goals met")

	r.AddIngest(&Ingest{Threats: 100000, Ratio: 1.25, PeakRSS: 50 << 20, RSSWithinGoal: true})
	out.Reset()
	require.NoError(t, r.WriteTable(&out))
	assert.Contains(t, out.String(), "FAIL  e) fetch_threats stream/direct walk (100k)")
	assert.Contains(t, out.String(), "PASS  e) connector peak RSS")
	assert.Contains(t, out.String(), "4 of 9 goals met")
}
