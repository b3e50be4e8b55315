package operations_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// destructiveOp is a destructive operation with the params it needs beside its selection.
type destructiveOp struct {
	op     string
	extra  map[string]any
	threat bool // selects threats rather than agents
	filter bool // takes the whole agent filter (agent_action takes ids and groupIds only)
}

var destructiveOps = []destructiveOp{
	{op: "agent_action", extra: map[string]any{"action": "Isolate Agent Network"}},
	{op: "reconnect_agent_network", filter: true},
	{op: "broadcast_message_to_agent", extra: map[string]any{"message": "Patch tonight"}, filter: true},
	{op: "initiate_agent_scan", filter: true},
	{op: "abort_agent_scan", filter: true},
	{op: "fetch_agent_logs", filter: true},
	{op: "mitigate_threats", extra: map[string]any{"action": "Kill"}, threat: true},
	{op: "mark_threat_as_benign", threat: true},
	{op: "add_note_to_a_threat", extra: map[string]any{"text": "Reviewed by the SOC"}, threat: true},
}

func (d destructiveOp) params(sel map[string]any) map[string]any {
	p := map[string]any{}
	for k, v := range d.extra {
		p[k] = v
	}
	for k, v := range sel {
		p[k] = v
	}
	return p
}

// actionResult is the shared result vocabulary of every destructive operation.
type actionResult struct {
	Affected       int      `json:"affected"`
	IDs            []string `json:"ids"`
	Count          int      `json:"count"`
	Targets        []struct{ ID, Name string }
	NotFound       []string `json:"not_found"`
	FilteredOut    []string `json:"filtered_out"`
	Decommissioned []string `json:"decommissioned"`
	Excluded       []string `json:"excluded"`
	DryRun         bool     `json:"dry_run"`
	Message        string   `json:"message"`
}

// actedIDs returns the ids of every action request since the last reset.
func (h *harness) actedIDs() []string {
	var out []string
	for _, c := range h.actions() {
		var body struct {
			Filter struct {
				IDs []string `json:"ids"`
			} `json:"filter"`
		}
		if strings.HasSuffix(c.Path, "/recommission") {
			out = append(out, strings.Split(c.Path, "/")[2])
			continue
		}
		require.NoError(h.t, json.Unmarshal([]byte(c.Body), &body), c.Body)
		out = append(out, body.Filter.IDs...)
	}
	return out
}

func threatIDs(threats []s1sim.Threat) []string {
	out := make([]string, len(threats))
	for i, t := range threats {
		out[i] = t.ID
	}
	return out
}

// TestWholePopulationInDisguise: params that each select every agent or threat, whatever
// they look like, are refused before any action request; the message says how to confirm.
func TestWholePopulationInDisguise(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	liveIDs := ids(h.agents(live))
	groups, versions := map[string]bool{}, map[string]bool{}
	for _, a := range h.agents(live) {
		groups[a.GroupID], versions[a.AgentVersion] = true, true
	}
	join := func(m map[string]bool) string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return strings.Join(keys, ",")
	}
	threatAgents := map[string]bool{}
	for _, th := range h.sim.Sim.Threats() {
		threatAgents[th.AgentID] = true
	}
	agentCases := []map[string]any{
		{"ids": strings.Join(liveIDs, ",")},
		{"groupIds": join(groups)},
	}
	filterCases := []map[string]any{
		{"coreCount__gt": 0},
		{"totalMemoryGB__gt": 0},
		{"totalMemoryGB__lt": 1048576},
		{"osTypes": []string{"windows", "macos", "linux"}},
		{"networkStatuses": "connected,connecting,disconnected,disconnecting"},
		{"computerName__like": "-"},
		{"agentVersions": join(versions)},
		{"isUninstalled": "false"},
	}
	threatCases := []map[string]any{
		{"threat_id": strings.Join(threatIDs(h.sim.Sim.Threats()), ",")},
		{"agent_id": join(threatAgents)},
	}
	for _, d := range destructiveOps {
		cases := agentCases
		switch {
		case d.threat:
			cases = threatCases
		case d.filter:
			cases = append(slices.Clone(agentCases), filterCases...)
		}
		for i, sel := range cases {
			declared := true
			for name := range sel {
				declared = declared && h.app.Manifest.Operation(d.op).Param(name) != nil
			}
			if !declared {
				continue
			}
			t.Run(fmt.Sprintf("%s/%d", d.op, i), func(t *testing.T) {
				h.t = t
				h.reset()
				status, msg := h.fail(d.op, d.params(sel))
				assert.Equal(t, http.StatusBadRequest, status)
				assert.Contains(t, msg, "max_targets")
				assert.Contains(t, msg, "refusing to")
				assert.Empty(t, h.actions(), "no action request may be sent")
			})
		}
	}
	t.Run("confirmed with max_targets of at least the population", func(t *testing.T) {
		h.t = t
		h.reset()
		var got actionResult
		h.ok("initiate_agent_scan", map[string]any{"coreCount__gt": 0, "max_targets": len(liveIDs)}, &got)
		assert.ElementsMatch(t, liveIDs, got.IDs)
		assert.ElementsMatch(t, liveIDs, h.actedIDs())
	})
	t.Run("max_targets below the population does not confirm it", func(t *testing.T) {
		h.t = t
		h.reset()
		_, msg := h.fail("initiate_agent_scan", map[string]any{"coreCount__gt": 0, "max_targets": len(liveIDs) - 1})
		assert.Contains(t, msg, fmt.Sprintf("max_targets of at least %d", len(liveIDs)))
		assert.Empty(t, h.actions())
	})
}

// TestBlastRadius: a selection above max_targets (the call's, else the configuration's, else
// 100) is refused with how many it would hit.
func TestBlastRadius(t *testing.T) {
	t.Run("call limit", func(t *testing.T) {
		h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
		five := strings.Join(ids(h.agents(live))[:5], ",")
		h.reset()
		_, msg := h.fail("reconnect_agent_network", map[string]any{"ids": five, "max_targets": 4})
		assert.Contains(t, msg, "refusing to reconnect 5 agents: that is above max_targets 4 (given in this call)")
		assert.Empty(t, h.actions())
		var got actionResult
		h.ok("reconnect_agent_network", map[string]any{"ids": five, "max_targets": 5}, &got)
		assert.Len(t, got.IDs, 5)
	})
	t.Run("configuration limit", func(t *testing.T) {
		h := newHarnessWith(t, mode{"2.0", false}, s1sim.Options{}, map[string]any{"max_targets": 3})
		four := ids(h.agents(live))[:4]
		h.reset()
		_, msg := h.fail("fetch_agent_logs", map[string]any{"ids": strings.Join(four, ",")})
		assert.Contains(t, msg, `above max_targets 3 (configuration "tenant")`)
		assert.Contains(t, msg, "max_targets of at least 4")
		assert.Empty(t, h.actions())
		var got actionResult
		h.ok("fetch_agent_logs", map[string]any{"ids": strings.Join(four[:3], ",")}, &got)
		assert.Equal(t, four[:3], got.IDs)
		h.ok("fetch_agent_logs", map[string]any{"ids": strings.Join(four, ","), "max_targets": 4}, &got)
		assert.Equal(t, four, got.IDs)
	})
	t.Run("default limit of 100", func(t *testing.T) {
		h := newHarness(t, mode{"2.1", false}, s1sim.Options{Agents: 150, Threats: 10})
		some := ids(h.agents(live))[:101]
		h.reset()
		_, msg := h.fail("abort_agent_scan", map[string]any{"ids": strings.Join(some, ",")})
		assert.Contains(t, msg, "refusing to abort the scan of 101 agents: that is above max_targets 100 (the default)")
		assert.Empty(t, h.actions())
	})
}

// TestDryRun: a dry run returns what the real run then acts on, and sends no action.
func TestDryRun(t *testing.T) {
	for _, m := range []mode{{"2.1", true}, {"2.0", false}} {
		h := newHarness(t, m, s1sim.Options{})
		agents := h.agents(func(a s1sim.Agent) bool { return live(a) && a.NetworkStatus == "connected" })
		threats := h.sim.Sim.Threats()
		for i, d := range destructiveOps {
			t.Run(m.String()+"/"+d.op, func(t *testing.T) {
				h.t = t
				sel := map[string]any{"ids": agents[2*i].ID + "," + agents[2*i+1].ID}
				want := []string{agents[2*i].ID, agents[2*i+1].ID}
				names := []string{agents[2*i].ComputerName, agents[2*i+1].ComputerName}
				if d.threat {
					sel = map[string]any{"threat_id": threats[2*i].ID + "," + threats[2*i+1].ID}
					want = []string{threats[2*i].ID, threats[2*i+1].ID}
					names = []string{threats[2*i].Name, threats[2*i+1].Name}
				}
				before := h.snapshot()
				h.reset()
				var dry actionResult
				p := d.params(sel)
				p["dry_run"] = true
				h.ok(d.op, p, &dry)
				assert.True(t, dry.DryRun)
				assert.Zero(t, dry.Affected)
				assert.ElementsMatch(t, want, dry.IDs)
				assert.Equal(t, 2, dry.Count)
				var gotNames []string
				for _, tg := range dry.Targets {
					gotNames = append(gotNames, tg.Name)
				}
				assert.ElementsMatch(t, names, gotNames)
				assert.Contains(t, dry.Message, "dry run")
				assert.Empty(t, h.actions(), "a dry run sends no action")
				h.requireUntouched(before, nil)

				var real actionResult
				h.ok(d.op, d.params(sel), &real)
				assert.False(t, real.DryRun)
				assert.Equal(t, dry.IDs, real.IDs)
				assert.ElementsMatch(t, dry.IDs, h.actedIDs(), "the real run acts on what the dry run showed")
			})
		}
	}
}

// TestGivenIDsThatSelectNothing: ids that match nothing are reported by why; when none of
// them exists the call fails instead of succeeding with 0.
func TestGivenIDsThatSelectNothing(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	agents := h.agents(live)
	gone := h.agents(func(a s1sim.Agent) bool { return a.IsDecommissioned })[0]
	a1, a2 := agents[0], agents[1]
	other := h.agents(func(a s1sim.Agent) bool { return live(a) && a.OSType != a1.OSType })[0]

	t.Run("one unknown among known", func(t *testing.T) {
		h.t = t
		h.reset()
		var got actionResult
		h.ok("agent_action", map[string]any{"action": "Isolate Agent Network", "ids": a1.ID + ", 999"}, &got)
		assert.Equal(t, []string{a1.ID}, got.IDs)
		assert.Equal(t, []string{"999"}, got.NotFound)
		assert.Equal(t, 1, got.Affected)
		assert.Contains(t, got.Message, "not found: 999")
		assert.Equal(t, []string{a1.ID}, h.actedIDs())
	})
	t.Run("only unknown ids fail", func(t *testing.T) {
		h.t = t
		h.reset()
		status, msg := h.fail("agent_action", map[string]any{"action": "Isolate Agent Network", "ids": "999"})
		assert.Equal(t, http.StatusNotFound, status)
		assert.Contains(t, msg, "none of the given agent ids exists: 999")
		assert.Empty(t, h.actions())
		status, msg = h.fail("mitigate_threats", map[string]any{"action": "Kill", "threat_id": "998,999"})
		assert.Equal(t, http.StatusNotFound, status)
		assert.Contains(t, msg, "none of the given threat ids exists: 998, 999")
		assert.Empty(t, h.actions())
	})
	t.Run("decommissioned, excluded and filtered out", func(t *testing.T) {
		h.t = t
		h.reset()
		var got actionResult
		h.ok("initiate_agent_scan", map[string]any{
			"ids":         strings.Join([]string{a1.ID, a2.ID, gone.ID, other.ID, "999"}, ","),
			"excludeIds":  a2.ID,
			"osTypes":     a1.OSType,
			"max_targets": 10,
		}, &got)
		assert.Equal(t, []string{a1.ID}, got.IDs)
		assert.Equal(t, []string{"999"}, got.NotFound)
		assert.Equal(t, []string{gone.ID}, got.Decommissioned)
		assert.Equal(t, []string{a2.ID}, got.Excluded)
		assert.Equal(t, []string{other.ID}, got.FilteredOut)
		assert.Equal(t, []string{a1.ID}, h.actedIDs())
		for _, part := range []string{"not found: 999", "decommissioned", "excluded by excludeIds: " + a2.ID, "not selected by the other params: " + other.ID} {
			assert.Contains(t, got.Message, part)
		}
	})
	t.Run("threats", func(t *testing.T) {
		h.t = t
		threat := h.sim.Sim.Threats()[3]
		h.reset()
		var got actionResult
		h.ok("mark_threat_as_benign", map[string]any{"threat_id": threat.ID + ",12345"}, &got)
		assert.Equal(t, []string{threat.ID}, got.IDs)
		assert.Equal(t, []string{"12345"}, got.NotFound)
		assert.Equal(t, []string{threat.ID}, h.actedIDs())
	})
	t.Run("commission", func(t *testing.T) {
		h.t = t
		h.reset()
		status, msg := h.fail("commission_agent", map[string]any{"agent_id": "999"})
		assert.Equal(t, http.StatusNotFound, status)
		assert.Contains(t, msg, "none of the given agent ids exists: 999")
		assert.NotContains(t, msg, "recommission unsupported")
		status, msg = h.fail("commission_agent", map[string]any{"agent_id": a1.ID})
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, msg, "agent_id: agent "+a1.ID+" ("+a1.ComputerName+") is not decommissioned")
		assert.Empty(t, h.actions())
	})
}

// TestLongIDLists: thousands of ids never become one giant GET: every request line to
// SentinelOne stays under 8 KiB, and the answer is complete.
func TestLongIDLists(t *testing.T) {
	t.Parallel() // slow, and shares nothing with other tests
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	real := ids(h.agents(live))[:5]
	list := slices.Clone(real)
	for i := 0; len(list) < 5000; i++ {
		list = append(list, fmt.Sprintf("%d", 1900000000000000000+i))
	}
	threats := h.sim.Sim.Threats()[:3]
	threatList := threatIDs(threats)
	for i := 0; len(threatList) < 5000; i++ {
		threatList = append(threatList, fmt.Sprintf("%d", 1800000000000000000+i))
	}
	agentList := make([]string, 0, 5000)
	for _, th := range threats {
		agentList = append(agentList, th.AgentID)
	}
	agentList = append(agentList, list[5:]...)
	requireShortLines := func(t *testing.T) {
		t.Helper()
		reqs := h.sim.Sim.Requests()
		require.NotEmpty(t, reqs)
		for _, r := range reqs {
			line := len(r.Method) + 1 + len(r.Path) + 1 + len(r.Query) + len(" HTTP/1.1")
			require.Less(t, line, 8<<10, "%s %s: request line of %d bytes", r.Method, r.Path, line)
		}
	}
	t.Run("get_agents", func(t *testing.T) {
		h.t = t
		h.reset()
		var got []map[string]any
		h.ok("get_agents", map[string]any{"ids": strings.Join(list, ",")}, &got)
		assert.ElementsMatch(t, real, idsOf(t, got))
		requireShortLines(t)
	})
	t.Run("get_agent_count", func(t *testing.T) {
		h.t = t
		h.reset()
		var got struct{ Count int }
		h.ok("get_agent_count", map[string]any{"ids": strings.Join(list, ","), "excludeIds": strings.Join(list[1:], ",")}, &got)
		assert.Equal(t, 1, got.Count)
		requireShortLines(t)
	})
	t.Run("initiate_agent_scan", func(t *testing.T) {
		h.t = t
		h.reset()
		var got actionResult
		h.ok("initiate_agent_scan", map[string]any{"ids": strings.Join(list, ",")}, &got)
		assert.ElementsMatch(t, real, got.IDs)
		assert.Len(t, got.NotFound, 4995)
		assert.ElementsMatch(t, real, h.actedIDs())
		requireShortLines(t)
	})
	t.Run("mitigate_threats by threat and agent ids", func(t *testing.T) {
		h.t = t
		h.reset()
		var got actionResult
		h.ok("mitigate_threats", map[string]any{"action": "Quarantine", "threat_id": strings.Join(threatList, ","),
			"agent_id": strings.Join(agentList, ","), "dry_run": true}, &got)
		assert.ElementsMatch(t, threatIDs(threats), got.IDs)
		assert.Len(t, got.NotFound, 4997)
		requireShortLines(t)
	})
	t.Run("above the bound", func(t *testing.T) {
		h.t = t
		h.reset()
		status, msg := h.fail("get_agents", map[string]any{"ids": strings.Join(append(slices.Clone(list), "1700000000000000000"), ",")})
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, msg, "ids: holds 5001 items; at most 5000 are allowed in one call")
		assert.Empty(t, h.sim.Sim.Requests())
	})
}
