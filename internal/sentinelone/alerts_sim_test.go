package sentinelone_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// TestAlertsCreatedAgainstSim walks every alert created from a bound by createdAt, pages of
// 3 through ties, in (createdAt, id) order, and the pinned site confines the walk.
func TestAlertsCreatedAgainstSim(t *testing.T) {
	srv, c := startSim(t, s1sim.Options{Agents: 30, Alerts: 20})
	at := time.Now().Add(time.Hour).UTC()
	ids := srv.Sim.AddAlerts(4, s1sim.NewAlert{At: at})
	ids = append(srv.Sim.AddAlerts(3, s1sim.NewAlert{At: at.Add(time.Minute), CreatedBefore: 2 * time.Minute}), ids...)
	items, err := sentinelone.Collect(c.Alerts.Created(context.Background(),
		sentinelone.AlertFilter{CreatedAtGTE: at.Add(-time.Hour).Format(time.RFC3339)}, 3, nil))
	require.NoError(t, err)
	require.Equal(t, ids, alertIDs(t, items), "the late ones first: created a minute before the tie")

	site := srv.Sim.Alerts()[0].SiteID
	_, pinned := startSim(t, s1sim.Options{Agents: 30, Alerts: 20}, func(cfg *sentinelone.Config) { cfg.Pin.SiteIDs = []string{site} })
	items, err = sentinelone.Collect(pinned.Alerts.List(context.Background(), sentinelone.AlertFilter{}, sentinelone.ListOptions{}))
	require.NoError(t, err)
	n := 0
	for _, a := range srv.Sim.Alerts() {
		if a.SiteID == site && !slices.Contains(ids, a.ID) {
			n++
		}
	}
	assert.Len(t, items, n)
}

func alertIDs(t *testing.T, items []json.RawMessage) []string {
	t.Helper()
	out := make([]string, len(items))
	for i, it := range items {
		var a struct {
			AlertInfo struct{ AlertID string } `json:"alertInfo"`
		}
		require.NoError(t, json.Unmarshal(it, &a))
		out[i] = a.AlertInfo.AlertID
	}
	return out
}
