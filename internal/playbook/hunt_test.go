package playbook_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// huntPlaybooks are the bundled playbooks of the hunting and collection operations.
var huntPlaybooks = []string{
	"Create Deep Visibility Query", "Get Deep Visibility Query Status", "Get Deep Visibility Events",
	"Get Deep Visibility Events By Type", "Cancel Running Deep Visibility Query", "Run Deep Visibility Query",
	"Run PowerQuery", "Get Remote Scripts", "Run Remote Script", "Get Remote Script Status",
	"Get Remote Script Results", "Fetch Files From Agent", "Fetch Threat File", "Download Threat File From Cloud",
	"Hunt a Hash Across the Fleet",
}

// The hunt playbooks run in one sequence of their own (TestHuntPlaybooksRunAgainstSimulator).
func init() {
	for _, name := range huntPlaybooks {
		runElsewhere[name] = true
	}
}

// TestHuntPlaybooksRunAgainstSimulator runs every hunt playbook with the offline runner, each
// reading what the one before made (a query id, a task id), and checks the simulator's state.
func TestHuntPlaybooksRunAgainstSimulator(t *testing.T) {
	a := devApp(t) // query starts are not paced here: serve sets the pacing
	f := fleet{sim: a.Sim.Sim}
	exec := a.Connector
	run := func(name string, inputs map[string]string) []any { return runSteps(t, exec, name, inputs) }
	str := func(v any) string { s, _ := v.(string); return s }

	data := run("Run Deep Visibility Query", map[string]string{"query": `EventType = "DNS Resolved"`})
	qid := str(field(t, data[0], "query_id"))
	assert.Equal(t, "FINISHED", a.Sim.Sim.QueryState(qid))
	data = run("Get Deep Visibility Query Status", map[string]string{"query_id": qid})
	assert.Equal(t, "FINISHED", field(t, data[0], "response_state"))
	data = run("Get Deep Visibility Events", map[string]string{"query_id": qid})
	assert.Equal(t, json.Number("40"), field(t, data[0], "count"), "one DNS event per agent")
	data = run("Get Deep Visibility Events By Type", map[string]string{"query_id": qid, "event_type": "dns"})
	assert.Equal(t, json.Number("40"), field(t, data[0], "count"))
	data = run("Create Deep Visibility Query", map[string]string{"query": `EventType = "IP Connect"`})
	started := str(field(t, data[0], "query_id"))
	data = run("Cancel Running Deep Visibility Query", map[string]string{"query_id": started})
	assert.Contains(t, []any{"QUERY_CANCELLED", "FINISHED"}, field(t, data[0], "response_state"))
	data = run("Run PowerQuery", map[string]string{"query": `EventType = "DNS Resolved" | columns agentName | limit 4`})
	assert.Equal(t, json.Number("4"), field(t, data[0], "count"))

	data = run("Get Remote Scripts", nil)
	scripts := field(t, data[0], "scripts").([]any)
	script := str(scripts[0].(map[string]any)["id"])
	ag := f.agent(t, 0)
	data = run("Run Remote Script", map[string]string{"agent_ids": ag.ID, "script_id": script})
	assert.Equal(t, true, field(t, data[0], "finished"))
	parent := str(field(t, data[0], "parent_task_ids").([]any)[0])
	data = run("Get Remote Script Status", map[string]string{"parent_task_id": parent})
	task := str(field(t, data[0], "tasks").([]any)[0].(map[string]any)["id"])
	data = run("Get Remote Script Results", map[string]string{"task_ids": task})
	assert.Len(t, field(t, data[0], "files"), 1)

	data = run("Fetch Files From Agent", map[string]string{"agent_ids": ag.ID, "files": "/etc/hosts", "password": "Book-Zip-Pass-1!"})
	file := field(t, data[0], "files").([]any)[0].(map[string]any)
	var sum string
	for _, u := range a.Sim.Sim.Uploads() {
		if u.AgentID == ag.ID && u.Password != "" {
			sum = u.SHA256
		}
	}
	assert.Equal(t, sum, file["sha256"])
	th := f.threat(t, func(s1sim.Threat) bool { return true })
	data = run("Fetch Threat File", map[string]string{"threat_id": th.ID, "password": "Book-Zip-Pass-1!"})
	assert.NotEmpty(t, field(t, data[0], "file"))
	data = run("Download Threat File From Cloud", map[string]string{"threat_id": th.ID})
	assert.NotEmpty(t, field(t, data[0], "file"))

	// The hunt: a dry run by default names the host that ran the hash and isolates nothing.
	data = run("Hunt a Hash Across the Fleet", map[string]string{"sha1": th.SHA1})
	assert.Contains(t, field(t, data[0], "agent_ids"), th.AgentID)
	assert.Equal(t, true, field(t, data[1], "dry_run"))
	assert.Equal(t, "connected", f.agentNow(t, th.AgentID).NetworkStatus)
	data = run("Hunt a Hash Across the Fleet", map[string]string{"sha1": th.SHA1, "dry_run": "false"})
	assert.Equal(t, false, field(t, data[1], "dry_run"))
	assert.Equal(t, "disconnected", f.agentNow(t, th.AgentID).NetworkStatus)
}
