package playbook_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

const (
	alertIngestFetch  = "SentinelOne Alert Ingestion: Fetch"
	alertIngestCreate = "SentinelOne Alert Ingestion: Create"
)

func init() {
	runElsewhere[alertIngestFetch] = true
	runElsewhere[alertIngestCreate] = true
	bundledCases["Fetch Alerts"] = bundledCase{prepare: func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		ids := f.sim.AddAlerts(3, s1sim.NewAlert{At: time.Now().Add(time.Hour)})
		start := time.Now().Add(30 * time.Minute).UTC().Format(time.RFC3339)
		return map[string]string{"start": start}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number("3"), field(t, data, "count"))
			list := field(t, data, "data").([]any)
			for i, id := range ids {
				assert.Equal(t, id, field(t, field(t, list[i], "alertInfo"), "alertId"))
			}
			assert.NotEmpty(t, field(t, data, "checkpoint"))
		}
	}}
	bundledCases["Get Alerts"] = bundledCase{prepare: func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		ids := f.sim.AddAlerts(2, s1sim.NewAlert{At: time.Now().Add(time.Hour)})
		return map[string]string{"limit": "2"}, func(t *testing.T, data any) {
			list := data.([]any)
			require.Len(t, list, 2)
			assert.ElementsMatch(t, ids, []any{field(t, field(t, list[0], "alertInfo"), "alertId"),
				field(t, field(t, list[1], "alertInfo"), "alertId")}, "the newest two")
		}
	}}
}

// TestAlertIngestionPlaybooksRunTwice runs the alert fetch playbook twice in a row with one
// runner: the second run creates records for exactly the alerts raised since (a verdict
// change of a known alert creates nothing), and an unchanged console creates nothing.
func TestAlertIngestionPlaybooksRunTwice(t *testing.T) {
	a := devApp(t)
	sim := a.Sim.Sim
	r := &playbook.Runner{Exec: a.Connector}
	w := loadBundled(t, alertIngestFetch)
	base := time.Now().Add(time.Hour) // after every seeded alert
	first := sim.AddAlerts(4, s1sim.NewAlert{At: base})
	start := base.Add(-time.Minute).UTC().Format(time.RFC3339)

	_, err := r.Run(context.Background(), w, map[string]string{"start": start})
	require.NoError(t, err)
	assert.Equal(t, first, sourceIDs(r.Records[alerts]))
	cp, _ := r.Globals["SentinelOne_Alert_Checkpoint"].(string)
	require.NotEmpty(t, cp, "the fetch playbook stores the connector's checkpoint")
	rec := r.Records[alerts][0]
	al, _ := sim.Alert(rec["sourceId"].(string))
	assert.Equal(t, al.Rule.Name, rec["name"])
	assert.Equal(t, al.Rule.Severity, rec["severity"])
	assert.Equal(t, map[string]string{"UNRESOLVED": "Unresolved", "IN_PROGRESS": "InProgress", "RESOLVED": "Resolved"}[al.IncidentStatus], rec["status"])
	assert.NotEmpty(t, rec["fileHash"])
	assert.NotEmpty(t, rec["computerName"])

	// a verdict change on a known alert, and two new ones (one visible late, created
	// before the newest delivered)
	sim.UpdateAlerts(first[:1], s1sim.AlertChange{AnalystVerdict: "TRUE_POSITIVE"})
	added := sim.AddAlerts(1, s1sim.NewAlert{At: base.Add(2 * time.Minute), CreatedBefore: 3 * time.Minute})
	added = append(added, sim.AddAlerts(1, s1sim.NewAlert{At: base.Add(3 * time.Minute)})...)
	_, err = r.Run(context.Background(), w, map[string]string{"start": start})
	require.NoError(t, err)
	assert.Equal(t, added, sourceIDs(r.Records[alerts][len(first):]), "the second run creates only the new alerts")
	assert.NotEqual(t, cp, r.Globals["SentinelOne_Alert_Checkpoint"])

	results, err := r.Run(context.Background(), w, map[string]string{"start": start})
	require.NoError(t, err)
	assert.Len(t, r.Records[alerts], len(first)+len(added), "nothing new: nothing created")
	var names []string
	for _, res := range results {
		names = append(names, res.Step)
	}
	assert.Equal(t, []string{"Start", "Fetch Alerts", "Any New Alerts", "Store Checkpoint"}, names, "the decision skips the loop")

	c := &playbook.Runner{Exec: a.Connector}
	_, err = c.Run(context.Background(), loadBundled(t, alertIngestCreate), map[string]string{"alert_id": added[0]})
	require.NoError(t, err)
	require.Len(t, c.Records[alerts], 1)
	assert.Equal(t, added[0], c.Records[alerts][0]["sourceId"])
}
