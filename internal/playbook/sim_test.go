package playbook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// devApp starts the connector with real operations against a fresh simulator.
func devApp(t *testing.T) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), app.Options{Dev: true, Sim: s1sim.Options{Agents: 40, Threats: 12, Seed: 7}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func loadBundled(t *testing.T, name string) *playbook.Workflow {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(playbooksDir, fileName(name)))
	require.NoError(t, err)
	w, err := playbook.Parse(raw)
	require.NoError(t, err)
	return w
}

// fleet picks simulator agents and threats for the playbooks to act on.
type fleet struct {
	sim *s1sim.Simulator
}

// agent returns the n-th healthy agent: active, connected, not decommissioned or uninstalled.
func (f fleet) agent(t *testing.T, n int) s1sim.Agent {
	t.Helper()
	for _, a := range f.sim.Agents() {
		if a.IsActive && a.NetworkStatus == "connected" && !a.IsDecommissioned && !a.IsUninstalled && !a.IsPendingUninstall {
			if n == 0 {
				return a
			}
			n--
		}
	}
	t.Fatal("the simulated fleet has too few healthy agents")
	return s1sim.Agent{}
}

func (f fleet) decommissioned(t *testing.T) s1sim.Agent {
	t.Helper()
	for _, a := range f.sim.Agents() {
		if a.IsDecommissioned {
			return a
		}
	}
	t.Fatal("the simulated fleet has no decommissioned agent")
	return s1sim.Agent{}
}

func (f fleet) threat(t *testing.T, ok func(s1sim.Threat) bool) s1sim.Threat {
	t.Helper()
	for _, th := range f.sim.Threats() {
		if ok(th) {
			return th
		}
	}
	t.Fatal("the simulated console has no matching threat")
	return s1sim.Threat{}
}

func (f fleet) agentNow(t *testing.T, id string) s1sim.Agent {
	t.Helper()
	a, ok := f.sim.Agent(id)
	require.True(t, ok, "agent %s", id)
	return a
}

func (f fleet) threatNow(t *testing.T, id string) s1sim.Threat {
	t.Helper()
	th, ok := f.sim.Threat(id)
	require.True(t, ok, "threat %s", id)
	return th
}

func notMitigated(th s1sim.Threat) bool {
	return th.MitigationStatus == "not_mitigated" && len(th.Actions) == 0
}

// bundledCase runs one bundled playbook: prepare returns its inputs (and may act on the
// fleet first), check asserts the connector step's data and the simulator's state.
type bundledCase struct {
	prepare func(t *testing.T, f fleet) (map[string]string, func(t *testing.T, data any))
}

// runElsewhere names the bundled playbooks an area's own test runs (in a sequence that
// depends on state), instead of a case of bundledCases.
var runElsewhere = map[string]bool{}

var bundledCases = map[string]bundledCase{
	"Abort Agent Scan": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a := f.agent(t, 0)
		return map[string]string{"agent_ids": a.ID}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number("1"), field(t, data, "affected_agents"))
			assert.Equal(t, "aborted", f.agentNow(t, a.ID).ScanStatus)
		}
	}},
	"Broadcast Message to Agent": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a, b := f.agent(t, 0), f.agent(t, 1)
		return map[string]string{"agent_ids": a.ID + "," + b.ID, "message": "Reboot tonight at 22:00"}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number("2"), field(t, data, "affected_agents"))
			assert.Contains(t, f.agentNow(t, a.ID).Messages, "Reboot tonight at 22:00")
			assert.Contains(t, f.agentNow(t, b.ID).Messages, "Reboot tonight at 22:00")
			assert.Empty(t, f.agentNow(t, f.agent(t, 2).ID).Messages, "agents not named get nothing")
		}
	}},
	"Decommission Agent": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a := f.agent(t, 0)
		return map[string]string{"agent_ids": a.ID}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number("1"), field(t, data, "affected_agents"))
			assert.True(t, f.agentNow(t, a.ID).IsDecommissioned)
		}
	}},
	"Fetch Agent Logs": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a := f.agent(t, 0)
		return map[string]string{"agent_ids": a.ID}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number("1"), field(t, data, "affected_agents"))
			assert.Equal(t, 1, f.agentNow(t, a.ID).LogsRequested)
		}
	}},
	"Get Agent Count": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		like := f.agent(t, 0).ComputerName[:3]
		want := 0
		for _, a := range f.sim.Agents() {
			if strings.Contains(strings.ToLower(a.ComputerName), strings.ToLower(like)) && !a.IsDecommissioned {
				want++
			}
		}
		return map[string]string{"computer_name": like}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number(fmt.Sprint(want)), field(t, data, "count"))
		}
	}},
	"Get Agent Passphrase": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a := f.agent(t, 0)
		return map[string]string{"agent_id": a.ID}, func(t *testing.T, data any) {
			assert.Equal(t, a.Passphrase, field(t, data, "passphrase"))
		}
	}},
	"Get Agents": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a := f.agent(t, 0)
		return map[string]string{"computer_name": a.ComputerName}, func(t *testing.T, data any) {
			list, ok := data.([]any)
			require.True(t, ok, "data is a list: %v", data)
			var ids []any
			for _, e := range list {
				ids = append(ids, e.(map[string]any)["id"])
			}
			assert.Contains(t, ids, a.ID)
			assert.LessOrEqual(t, len(list), 10, "the playbook's default limit")
		}
	}},
	"Get Hash Details": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		th := f.threat(t, func(s1sim.Threat) bool { return true })
		return map[string]string{"hash": th.SHA1}, func(t *testing.T, data any) {
			assert.Equal(t, fmt.Sprint(th.Rank), fmt.Sprint(field(t, data, "rank")))
		}
	}},
	"Get Threat Details": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		th := f.threat(t, func(s1sim.Threat) bool { return true })
		return map[string]string{"threat_id": th.ID}, func(t *testing.T, data any) {
			assert.Equal(t, th.ID, field(t, data, "id"))
		}
	}},
	"Initiate Agent Scan": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a := f.agent(t, 0)
		return map[string]string{"agent_ids": a.ID}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number("1"), field(t, data, "affected_agents"))
			assert.Equal(t, "started", f.agentNow(t, a.ID).ScanStatus)
		}
	}},
	"Isolate Agent Network": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a, b := f.agent(t, 0), f.agent(t, 1)
		return map[string]string{"agent_ids": a.ID}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number("1"), field(t, data, "affected_agents"))
			assert.Equal(t, "disconnected", f.agentNow(t, a.ID).NetworkStatus)
			assert.Equal(t, "connected", f.agentNow(t, b.ID).NetworkStatus, "other agents stay connected")
		}
	}},
	"List All Threat": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		th := f.threat(t, func(s1sim.Threat) bool { return true })
		return map[string]string{"agent_id": th.AgentID}, func(t *testing.T, data any) {
			list, ok := data.([]any)
			require.True(t, ok, "data is a list: %v", data)
			require.NotEmpty(t, list)
			var ids []any
			for _, e := range list {
				ids = append(ids, e.(map[string]any)["id"])
			}
			assert.Contains(t, ids, th.ID)
		}
	}},
	"List of Applications Installed on Agents": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a := f.agent(t, 0)
		return map[string]string{"agent_id": a.ID}, func(t *testing.T, data any) {
			list, ok := data.([]any)
			require.True(t, ok, "data is a list: %v", data)
			require.NotEmpty(t, list)
			assert.NotEmpty(t, list[0].(map[string]any)["name"])
		}
	}},
	"List of Processes Running on Agents": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a := f.agent(t, 0)
		return map[string]string{"agent_id": a.ID}, func(t *testing.T, data any) {
			_, ok := data.([]any)
			assert.True(t, ok, "data is a list (empty on API 2.1, where the endpoint is obsolete): %v", data)
		}
	}},
	"Mark Threat as Benign": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		th := f.threat(t, notMitigated)
		return map[string]string{"threat_ids": th.ID}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number("1"), field(t, data, "affected"))
			assert.Equal(t, "false_positive", f.threatNow(t, th.ID).AnalystVerdict, "API 2.1 marks benign through the analyst verdict")
		}
	}},
	"Mitigate Threat": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		th := f.threat(t, notMitigated)
		return map[string]string{"threat_ids": th.ID}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number("1"), field(t, data, "affected"))
			now := f.threatNow(t, th.ID)
			assert.Equal(t, []string{"quarantine"}, now.Actions, "the playbook's default action is Quarantine")
			assert.True(t, now.InQuarantine)
			assert.Equal(t, "mitigated", now.MitigationStatus)
		}
	}},
	"Commission Agent": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a := f.decommissioned(t)
		return map[string]string{"agent_id": a.ID}, func(t *testing.T, data any) {
			assert.NotEmpty(t, field(t, data, "message"))
			assert.False(t, f.agentNow(t, a.ID).IsDecommissioned)
		}
	}},
	"Reconnect Agent Network": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a := f.agent(t, 0)
		return map[string]string{"agent_ids": a.ID}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number("1"), field(t, data, "affected_agents"))
			assert.Equal(t, "connected", f.agentNow(t, a.ID).NetworkStatus)
		}
	}},
	"Shutdown Agent": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a := f.agent(t, 0)
		return map[string]string{"agent_ids": a.ID}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number("1"), field(t, data, "affected_agents"))
			assert.True(t, f.agentNow(t, a.ID).ShutdownRequested)
		}
	}},
	"Uninstall Agent": {func(t *testing.T, f fleet) (map[string]string, func(*testing.T, any)) {
		a := f.agent(t, 0)
		return map[string]string{"agent_ids": a.ID}, func(t *testing.T, data any) {
			assert.Equal(t, json.Number("1"), field(t, data, "affected_agents"))
			assert.True(t, f.agentNow(t, a.ID).IsPendingUninstall)
		}
	}},
}

func field(t *testing.T, data any, name string) any {
	t.Helper()
	m, ok := data.(map[string]any)
	require.True(t, ok, "data is an object: %v", data)
	require.Contains(t, m, name)
	return m[name]
}

// runBundled runs a bundled playbook, which must succeed.
func runBundled(t *testing.T, exec playbook.Executor, name string, inputs map[string]string) any {
	t.Helper()
	results, err := (&playbook.Runner{Exec: exec}).Run(context.Background(), loadBundled(t, name), inputs)
	require.NoError(t, err)
	require.Len(t, results, 2)
	out := results[1].Output.(map[string]any)
	require.Equal(t, "Success", out["status"])
	return out["data"]
}

func TestBundledPlaybooksRunAgainstSimulator(t *testing.T) {
	var names []string
	for _, name := range bundledNames(t) {
		if !runElsewhere[name] {
			names = append(names, name)
		}
	}
	require.Len(t, bundledCases, len(names), "one case per bundled playbook (add a case with bundledCases[name] = … in an init of the area's test file, or run it in the area's own test and mark it in runElsewhere)")
	for _, name := range names {
		tc, ok := bundledCases[name]
		require.True(t, ok, name)
		t.Run(name, func(t *testing.T) {
			a := devApp(t)
			f := fleet{sim: a.Sim.Sim}
			inputs, check := tc.prepare(t, f)
			if name == "Reconnect Agent Network" {
				runBundled(t, a.Connector, "Isolate Agent Network", inputs)
				require.Equal(t, "disconnected", f.agentNow(t, inputs["agent_ids"]).NetworkStatus)
			}
			check(t, runBundled(t, a.Connector, name, inputs))
		})
	}
}

// TestBundledPlaybookOverServer runs a destructive playbook through the server's execute API.
func TestBundledPlaybookOverServer(t *testing.T) {
	a := devApp(t)
	srv := httptest.NewServer(a.Server.Handler())
	defer srv.Close()
	exec, err := playbook.NewHTTPExecutor(srv.URL)
	require.NoError(t, err)
	f := fleet{sim: a.Sim.Sim}
	target := f.agent(t, 0)
	data := runBundled(t, exec, "Isolate Agent Network", map[string]string{"agent_ids": target.ID})
	assert.Equal(t, json.Number("1"), field(t, data, "affected_agents"))
	assert.Equal(t, "disconnected", f.agentNow(t, target.ID).NetworkStatus)

	// A playbook that fails in SentinelOne fails with the server's message.
	_, err = (&playbook.Runner{Exec: exec}).Run(context.Background(), loadBundled(t, "Get Threat Details"), map[string]string{"threat_id": "999999999999999999"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `step "Get Threat Details": get_threat_details: `)
	assert.Contains(t, err.Error(), "status failed")
}

// TestDestructivePlaybooksNeverRunWithoutTargets checks that no destructive bundled playbook
// reaches SentinelOne without the ids that narrow it.
func TestDestructivePlaybooksNeverRunWithoutTargets(t *testing.T) {
	a := devApp(t)
	before := a.Sim.Sim.Agents()
	for _, name := range bundledNames(t) {
		w := loadBundled(t, name)
		call, err := w.Steps[1].Connector()
		require.NoError(t, err)
		if _, destructive := operations.Destructive()[call.Operation]; !destructive {
			continue
		}
		a.Sim.Sim.ResetRequests()
		_, err = (&playbook.Runner{Exec: a.Connector}).Run(context.Background(), w, nil)
		var ie *playbook.InputError
		require.ErrorAs(t, err, &ie, name)
		assert.NotEmpty(t, ie.Missing, name)
		assert.Empty(t, a.Sim.Sim.Requests(), "%s reached SentinelOne", name)
	}
	assert.True(t, slices.EqualFunc(before, a.Sim.Sim.Agents(), func(x, y s1sim.Agent) bool {
		return x.NetworkStatus == y.NetworkStatus && x.IsDecommissioned == y.IsDecommissioned && x.ScanStatus == y.ScanStatus
	}))
}
