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
	ingestFetch  = "SentinelOne Threat Ingestion: Fetch"
	ingestCreate = "SentinelOne Threat Ingestion: Create"
	alerts       = "/api/3/alerts"
)

func init() {
	runElsewhere[ingestFetch] = true
	runElsewhere[ingestCreate] = true
	bundledCases["Get Output Schema Threats"] = bundledCase{prepare: func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		ids := f.sim.AddThreats(1, s1sim.NewThreat{At: time.Now().Add(time.Hour)})
		return map[string]string{}, func(t *testing.T, data any) {
			assert.Equal(t, ids[0], field(t, field(t, data, "data").([]any)[0], "id"))
		}
	}}
	bundledCases["Fetch Threats"] = bundledCase{prepare: func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		ids := f.sim.AddThreats(3, s1sim.NewThreat{At: time.Now().Add(time.Hour)})
		start := time.Now().Add(30 * time.Minute).UTC().Format(time.RFC3339)
		return map[string]string{"start": start}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number("3"), field(t, data, "count"))
			list := field(t, data, "data").([]any)
			for i, id := range ids {
				assert.Equal(t, id, field(t, list[i], "id"))
			}
			assert.NotEmpty(t, field(t, data, "checkpoint"))
		}
	}}
}

// sourceIDs lists the sourceId of each record.
func sourceIDs(recs []map[string]any) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i], _ = r["sourceId"].(string)
	}
	return out
}

// TestIngestionPlaybooksRunTwice runs the fetch playbook of the ingestion pair twice in a
// row with one runner (its global variables last between runs): the second run creates
// alerts for exactly what changed, and an unchanged console creates nothing.
func TestIngestionPlaybooksRunTwice(t *testing.T) {
	a := devApp(t)
	sim := a.Sim.Sim
	r := &playbook.Runner{Exec: a.Connector}
	w := loadBundled(t, ingestFetch)
	// A start after every seeded threat, so the first run sees exactly these.
	base := time.Now().Add(time.Hour)
	first := sim.AddThreats(4, s1sim.NewThreat{At: base})
	start := base.Add(-time.Minute).UTC().Format(time.RFC3339)

	_, err := r.Run(context.Background(), w, map[string]string{"start": start})
	require.NoError(t, err)
	assert.ElementsMatch(t, first, sourceIDs(r.Records[alerts]))
	cp, _ := r.Globals["SentinelOne_Threat_Checkpoint"].(string)
	require.NotEmpty(t, cp, "the fetch playbook stores the connector's checkpoint")
	rec := r.Records[alerts][0]
	th, _ := sim.Threat(rec["sourceId"].(string))
	assert.Equal(t, th.Name, rec["name"])
	assert.Equal(t, th.ConfidenceLevel, rec["severity"])
	assert.Equal(t, th.IncidentStatus, rec["status"])
	assert.Equal(t, th.SHA1, rec["fileHash"])
	assert.NotEmpty(t, rec["computerName"])

	// changes: a verdict on one old threat, a status on another, one new threat
	sim.UpdateThreats(first[:1], s1sim.ThreatChange{AnalystVerdict: "true_positive", At: base.Add(time.Minute)})
	sim.UpdateThreats(first[1:2], s1sim.ThreatChange{IncidentStatus: "resolved", At: base.Add(2 * time.Minute)})
	added := sim.AddThreats(1, s1sim.NewThreat{At: base.Add(3 * time.Minute)})
	_, err = r.Run(context.Background(), w, map[string]string{"start": start})
	require.NoError(t, err)
	second := r.Records[alerts][len(first):]
	assert.Equal(t, []string{first[0], first[1], added[0]}, sourceIDs(second), "the second run creates only what changed")
	assert.Equal(t, "resolved", second[1]["status"])
	assert.NotEqual(t, cp, r.Globals["SentinelOne_Threat_Checkpoint"])

	results, err := r.Run(context.Background(), w, map[string]string{"start": start})
	require.NoError(t, err)
	assert.Len(t, r.Records[alerts], len(first)+3, "nothing changed: nothing created")
	var names []string
	for _, res := range results {
		names = append(names, res.Step)
	}
	assert.Equal(t, []string{"Start", "Fetch Threats", "Any Changes", "Store Checkpoint"}, names, "the decision skips the loop")

	// the create playbook of the pair makes one alert from a threat id
	c := &playbook.Runner{Exec: a.Connector}
	_, err = c.Run(context.Background(), loadBundled(t, ingestCreate), map[string]string{"threat_id": added[0]})
	require.NoError(t, err)
	require.Len(t, c.Records[alerts], 1)
	assert.Equal(t, added[0], c.Records[alerts][0]["sourceId"])
}
