package playbook_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// triagePlaybooks are the bundled playbooks of the threat triage operations.
var triagePlaybooks = []string{
	"Update Analyst Verdict", "Change Incident Status", "Add Note to a Threat", "Get Threat Notes",
	"Get Threat Timeline", "Get Hash Verdict", "Create Blocklist Item", "Delete Blocklist Item",
	"Get Blocklist", "Create Exclusion", "Delete Exclusion", "Get Exclusions", "Triage Close-Out",
}

// The triage playbooks run in one sequence of their own (TestTriagePlaybooksRunAgainstSimulator).
func init() {
	for _, name := range triagePlaybooks {
		runElsewhere[name] = true
	}
}

// runSteps runs a bundled playbook, which must succeed, and returns each connector step's data.
func runSteps(t *testing.T, a interface{ playbook.Executor }, name string, inputs map[string]string) []any {
	t.Helper()
	results, err := (&playbook.Runner{Exec: a}).Run(context.Background(), loadBundled(t, name), inputs)
	require.NoError(t, err)
	var out []any
	for _, r := range results[1:] {
		o := r.Output.(map[string]any)
		require.Equal(t, "Success", o["status"], name)
		out = append(out, o["data"])
	}
	return out
}

// TestTriagePlaybooksRunAgainstSimulator runs every triage playbook with the offline runner
// and checks the simulator's state after.
func TestTriagePlaybooksRunAgainstSimulator(t *testing.T) {
	a := devApp(t)
	f := fleet{sim: a.Sim.Sim}
	exec := a.Connector
	th := f.threat(t, notMitigated)
	other := f.threat(t, func(x s1sim.Threat) bool { return x.ID != th.ID })
	ran := map[string]bool{}
	run := func(name string, inputs map[string]string) []any {
		ran[name] = true
		return runSteps(t, exec, name, inputs)
	}

	data := run("Update Analyst Verdict", map[string]string{"threat_ids": other.ID, "verdict": "suspicious"})
	assert.Equal(t, json.Number("1"), field(t, data[0], "affected"))
	assert.Equal(t, "suspicious", f.threatNow(t, other.ID).AnalystVerdict)
	run("Change Incident Status", map[string]string{"threat_ids": other.ID, "status": "in_progress"})
	assert.Equal(t, "in_progress", f.threatNow(t, other.ID).IncidentStatus)
	run("Add Note to a Threat", map[string]string{"threat_ids": other.ID, "note": "Looking into it"})
	data = run("Get Threat Notes", map[string]string{"threat_id": other.ID})
	assert.Equal(t, json.Number("1"), field(t, data[0], "count"))
	data = run("Get Threat Timeline", map[string]string{"threat_id": other.ID})
	assert.Equal(t, json.Number("4"), field(t, data[0], "count"), "detection, verdict, status, note")
	data = run("Get Hash Verdict", map[string]string{"hash": th.SHA1})
	assert.NotEmpty(t, field(t, data[0], "verdict"))

	data = run("Create Blocklist Item", map[string]string{"hash": th.SHA1, "scope": "Tenant"})
	assert.Equal(t, json.Number("3"), field(t, data[0], "count"))
	data = run("Get Blocklist", map[string]string{"hash": th.SHA1})
	assert.Equal(t, json.Number("3"), field(t, data[0], "count"))
	run("Delete Blocklist Item", map[string]string{"hash": th.SHA1, "scope": "Tenant"})
	assert.Empty(t, f.sim.Blocklist())

	site := f.agent(t, 0).SiteID
	data = run("Create Exclusion", map[string]string{"type": "Path", "value": "/opt/scanner", "os_type": "linux", "scope": "Site", "scope_ids": site})
	assert.Equal(t, json.Number("1"), field(t, data[0], "count"))
	data = run("Get Exclusions", map[string]string{"type": "Path"})
	assert.Equal(t, json.Number("1"), field(t, data[0], "count"))
	run("Delete Exclusion", map[string]string{"type": "Path", "value": "/opt/scanner", "os_type": "linux", "scope": "Site", "scope_ids": site})
	assert.Empty(t, f.sim.Exclusions())

	// The close-out: verdict, resolved, note, in one run.
	agentBefore := f.agentNow(t, th.AgentID)
	data = run("Triage Close-Out", map[string]string{"threat_ids": th.ID, "verdict": "true_positive", "note": "Closed: INC-42"})
	require.Len(t, data, 3)
	now := f.threatNow(t, th.ID)
	assert.Equal(t, "true_positive", now.AnalystVerdict)
	assert.Equal(t, "resolved", now.IncidentStatus)
	assert.Equal(t, "Closed: INC-42", f.sim.Notes(th.ID)[0].Text)
	assert.Equal(t, agentBefore.ActiveThreats-1, f.agentNow(t, th.AgentID).ActiveThreats, "the resolved threat no longer counts")

	for _, name := range triagePlaybooks {
		assert.True(t, ran[name], "%s was not run", name)
	}
}
