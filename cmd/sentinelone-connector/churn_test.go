package main

import (
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

func TestChurnAddsAndUpdatesThreats(t *testing.T) {
	var ch churn
	_, _, _, _, err := parseSimulateFlags([]string{"--churn-every", "10s", "--churn-add", "4", "--churn-update", "2", "--churn-late", "1m"}, io.Discard, &ch)
	require.NoError(t, err)
	assert.Equal(t, churn{every: 10 * time.Second, add: 4, update: 2, late: time.Minute, alerts: 2}, ch)

	sim := s1sim.New(s1sim.Options{Agents: 10, Threats: 5, Alerts: 3})
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	ch.step(sim, rand.New(rand.NewPCG(1, 2)), now)
	all := sim.Threats()
	require.Len(t, all, 9)
	changed := 0
	for _, th := range all {
		if th.UpdatedAt == "2031-01-01T00:00:00.000000Z" {
			changed++
		}
	}
	assert.GreaterOrEqual(t, changed, 5, "4 added and at least one updated share the stamp")
	assert.Equal(t, "2030-12-31T23:59:00.000000Z", all[8].CreatedAt)
	alerts := sim.Alerts()
	require.Len(t, alerts, 5, "3 seeded and 2 raised")
	assert.Equal(t, "2030-12-31T23:59:00.000000Z", alerts[4].CreatedAt, "created before it is visible")
	assert.Equal(t, "2031-01-01T00:00:00.000000Z", alerts[4].ReportedAt)

	_, _, _, _, err = parseSimulateFlags([]string{"--churn-add", "-1"}, io.Discard, &churn{})
	require.ErrorContains(t, err, "must not be negative")
}
