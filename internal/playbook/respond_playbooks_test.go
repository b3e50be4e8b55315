package playbook_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// respondPlaybooks are the bundled playbooks of the response operations.
var respondPlaybooks = []string{
	"Get Agent Details", "Restart Agent", "Enable Agent", "Disable Agent", "Move Agents to Group",
	"Move Agents to Site", "Get Sites", "Get Groups", "Get Accounts", "Get Activities",
	"Get Activity Types", "Isolate Endpoint by Hostname",
}

// The response playbooks run in TestRespondPlaybooksRunAgainstSimulator, each on a fresh fleet.
func init() {
	for _, name := range respondPlaybooks {
		runElsewhere[name] = true
	}
}

// plainAgent is the n-th healthy agent whose hostname and address no other agent shares.
func (f fleet) plainAgent(t *testing.T, n int) s1sim.Agent {
	t.Helper()
	host, ip := f.sim.SharedIdentities()
	for i := 0; ; i++ {
		a := f.agent(t, i)
		if strings.EqualFold(a.ComputerName, host) || a.NetworkInterfaces[0].Inet[0] == ip {
			continue
		}
		if n == 0 {
			return a
		}
		n--
	}
}

// runAll runs a bundled playbook, which must succeed, and returns each connector step's data.
func runAll(t *testing.T, exec playbook.Executor, name string, inputs map[string]string) []any {
	t.Helper()
	results, err := (&playbook.Runner{Exec: exec}).Run(context.Background(), loadBundled(t, name), inputs)
	require.NoError(t, err)
	var out []any
	for _, r := range results[1:] {
		env := r.Output.(map[string]any)
		require.Equal(t, "Success", env["status"], r.Step)
		out = append(out, env["data"])
	}
	return out
}

func list(t *testing.T, data any) []any {
	t.Helper()
	l, ok := data.([]any)
	require.True(t, ok, "data is a list: %v", data)
	return l
}

var respondCases = map[string]func(t *testing.T, f fleet) (map[string]string, func(t *testing.T, data []any)){
	"Get Agent Details": func(t *testing.T, f fleet) (map[string]string, func(*testing.T, []any)) {
		a := f.plainAgent(t, 0)
		return map[string]string{"endpoint": a.NetworkInterfaces[0].Physical}, func(t *testing.T, data []any) {
			assert.Equal(t, a.ID, field(t, data[0], "id"))
			assert.Equal(t, a.LastLoggedInUserName, field(t, data[0], "lastLoggedInUserName"))
		}
	},
	"Restart Agent": func(t *testing.T, f fleet) (map[string]string, func(*testing.T, []any)) {
		a := f.plainAgent(t, 0)
		return map[string]string{"endpoints": a.ComputerName}, func(t *testing.T, data []any) {
			assert.Equal(t, json.Number("1"), field(t, data[0], "affected"))
			assert.Equal(t, 1, f.agentNow(t, a.ID).RestartsRequested)
		}
	},
	"Enable Agent": func(t *testing.T, f fleet) (map[string]string, func(*testing.T, []any)) {
		a := f.plainAgent(t, 0)
		return map[string]string{"endpoints": a.UUID, "reboot": "true"}, func(t *testing.T, data []any) {
			assert.Equal(t, json.Number("1"), field(t, data[0], "affected"))
			assert.Equal(t, "na", f.agentNow(t, a.ID).OperationalState)
			assert.Equal(t, 1, f.agentNow(t, a.ID).RestartsRequested)
		}
	},
	"Disable Agent": func(t *testing.T, f fleet) (map[string]string, func(*testing.T, []any)) {
		a := f.plainAgent(t, 0)
		return map[string]string{"endpoints": a.UUID}, func(t *testing.T, data []any) {
			assert.Equal(t, "fully_disabled", f.agentNow(t, a.ID).OperationalState)
			assert.Zero(t, f.agentNow(t, a.ID).RestartsRequested)
		}
	},
	"Move Agents to Group": func(t *testing.T, f fleet) (map[string]string, func(*testing.T, []any)) {
		a := f.plainAgent(t, 0)
		var to s1sim.Group
		for _, g := range f.sim.Groups() {
			if g.ID != a.GroupID && g.Type == "static" {
				to = g
			}
		}
		return map[string]string{"endpoints": a.UUID, "group_id": to.ID}, func(t *testing.T, data []any) {
			assert.Equal(t, to.ID, f.agentNow(t, a.ID).GroupID)
			assert.Equal(t, to.SiteID, f.agentNow(t, a.ID).SiteID)
		}
	},
	"Move Agents to Site": func(t *testing.T, f fleet) (map[string]string, func(*testing.T, []any)) {
		a := f.plainAgent(t, 0)
		var to s1sim.Site
		for _, s := range f.sim.Sites() {
			if s.ID != a.SiteID {
				to = s
			}
		}
		return map[string]string{"endpoints": a.UUID, "site_id": to.ID}, func(t *testing.T, data []any) {
			assert.Equal(t, to.ID, f.agentNow(t, a.ID).SiteID)
			assert.Equal(t, "Default Group", f.agentNow(t, a.ID).GroupName)
		}
	},
	"Get Sites": func(t *testing.T, f fleet) (map[string]string, func(*testing.T, []any)) {
		return nil, func(t *testing.T, data []any) { assert.Len(t, list(t, data[0]), len(f.sim.Sites())) }
	},
	"Get Groups": func(t *testing.T, f fleet) (map[string]string, func(*testing.T, []any)) {
		return nil, func(t *testing.T, data []any) { assert.Len(t, list(t, data[0]), len(f.sim.Groups())) }
	},
	"Get Accounts": func(t *testing.T, f fleet) (map[string]string, func(*testing.T, []any)) {
		return nil, func(t *testing.T, data []any) { assert.Len(t, list(t, data[0]), 2) }
	},
	"Get Activities": func(t *testing.T, f fleet) (map[string]string, func(*testing.T, []any)) {
		a := f.plainAgent(t, 0)
		return map[string]string{"agent_ids": a.ID}, func(t *testing.T, data []any) {
			assert.Empty(t, list(t, data[0]), "nothing was done to the agent yet")
		}
	},
	"Get Activity Types": func(t *testing.T, f fleet) (map[string]string, func(*testing.T, []any)) {
		return nil, func(t *testing.T, data []any) { assert.NotEmpty(t, list(t, data[0])) }
	},
	"Isolate Endpoint by Hostname": func(t *testing.T, f fleet) (map[string]string, func(*testing.T, []any)) {
		a := f.plainAgent(t, 0)
		return map[string]string{"hostname": strings.ToLower(a.ComputerName)}, func(t *testing.T, data []any) {
			require.Len(t, data, 4)
			assert.Equal(t, a.ID, field(t, data[0], "id"), "resolve")
			assert.Equal(t, true, field(t, data[1], "dry_run"), "dry run")
			assert.Equal(t, json.Number("1"), field(t, data[2], "affected"), "isolate")
			assert.Equal(t, "disconnected", f.agentNow(t, a.ID).NetworkStatus)
			acts := list(t, data[3])
			require.Len(t, acts, 1, "the isolate's activity")
			assert.Equal(t, a.ID, acts[0].(map[string]any)["agentId"])
		}
	},
}

// TestRespondPlaybooksRunAgainstSimulator runs every response playbook offline against the
// simulator and checks the state it leaves.
func TestRespondPlaybooksRunAgainstSimulator(t *testing.T) {
	require.Len(t, respondCases, len(respondPlaybooks), "one case per response playbook")
	for _, name := range respondPlaybooks {
		tc, ok := respondCases[name]
		require.True(t, ok, name)
		t.Run(name, func(t *testing.T) {
			a := devApp(t)
			f := fleet{sim: a.Sim.Sim}
			inputs, check := tc(t, f)
			check(t, runAll(t, a.Connector, name, inputs))
		})
	}
}

// TestRespondPlaybooksNeverRunWithoutTargets: a destructive response playbook run without
// its inputs reaches no SentinelOne endpoint.
func TestRespondPlaybooksNeverRunWithoutTargets(t *testing.T) {
	a := devApp(t)
	for _, name := range respondPlaybooks {
		w := loadBundled(t, name)
		destructive := false
		for _, s := range w.Steps {
			if call, err := s.Connector(); err == nil {
				_, d := operations.Destructive()[call.Operation]
				destructive = destructive || d
			}
		}
		if !destructive {
			continue
		}
		a.Sim.Sim.ResetRequests()
		_, err := (&playbook.Runner{Exec: a.Connector}).Run(context.Background(), w, nil)
		var ie *playbook.InputError
		require.ErrorAs(t, err, &ie, name)
		assert.Empty(t, a.Sim.Sim.Requests(), "%s reached SentinelOne", name)
	}
}
