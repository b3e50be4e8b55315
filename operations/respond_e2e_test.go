package operations_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// activity is the part of an activity the tests read.
type activity struct {
	ID           string         `json:"id"`
	ActivityType int            `json:"activityType"`
	AgentID      *string        `json:"agentId"`
	ThreatID     *string        `json:"threatId"`
	SiteID       string         `json:"siteId"`
	AccountID    string         `json:"accountId"`
	CreatedAt    string         `json:"createdAt"`
	Primary      string         `json:"primaryDescription"`
	Data         map[string]any `json:"data"`
}

// activityTypeOf reads the id of an activity type by its action name.
func activityTypeOf(t *testing.T, h *harness, action string) int {
	t.Helper()
	var types []struct {
		ID     int    `json:"id"`
		Action string `json:"action"`
	}
	h.ok("get_activity_types", map[string]any{}, &types)
	for _, ty := range types {
		if ty.Action == action {
			return ty.ID
		}
	}
	t.Fatalf("no activity type %q in %v", action, types)
	return 0
}

// activitiesOf lists the activities of one agent, optionally of one type.
func activitiesOf(t *testing.T, h *harness, agentID string, typ int) []activity {
	t.Helper()
	params := map[string]any{"agent_id": agentID}
	if typ != 0 {
		params["activityTypes"] = strconv.Itoa(typ)
	}
	var out []activity
	h.ok("get_activities", params, &out)
	return out
}

// TestRespondOperations runs each response operation end to end on API 2.1 and 2.0 and
// reads the state back through another operation; every action shows in get_activities.
func TestRespondOperations(t *testing.T) {
	for _, m := range []mode{{"2.1", true}, {"2.0", false}} {
		t.Run(m.String(), func(t *testing.T) {
			h := newHarness(t, m, s1sim.Options{})
			agents := plainAgents(h)
			a, b, c := agents[0], agents[1], agents[2]
			agentOf := func(id string) s1sim.Agent { return h.agents(func(x s1sim.Agent) bool { return x.ID == id })[0] }

			// get_agent_details by id and by each kind of endpoint: interfaces and user included.
			var byID, byHost, byMAC map[string]any
			h.ok("get_agent_details", map[string]any{"agent_id": a.ID}, &byID)
			h.ok("get_agent_details", map[string]any{"endpoint": a.ComputerName}, &byHost)
			h.ok("get_agent_details", map[string]any{"endpoint": a.NetworkInterfaces[0].Physical}, &byMAC)
			assert.Equal(t, byID, byHost)
			assert.Equal(t, byID, byMAC)
			assert.Equal(t, a.LastLoggedInUserName, byID["lastLoggedInUserName"])
			nics := byID["networkInterfaces"].([]any)
			require.NotEmpty(t, nics)
			assert.Equal(t, a.NetworkInterfaces[0].Physical, nics[0].(map[string]any)["physical"])
			_, msg := h.fail("get_agent_details", map[string]any{})
			assert.Contains(t, msg, "agent_id")
			_, msg = h.fail("get_agent_details", map[string]any{"agent_id": "1"})
			assert.Contains(t, msg, "agent 1 not found")

			// restart_agent: the machine is asked to restart, once per call.
			var res resolvedAction
			h.ok("restart_agent", map[string]any{"endpoints": a.ComputerName}, &res)
			assert.Equal(t, []string{a.ID}, res.IDs)
			assert.Equal(t, 1, agentOf(a.ID).RestartsRequested)
			restart := activityTypeOf(t, h, "Machine Restart Requested")
			acts := activitiesOf(t, h, a.ID, restart)
			require.Len(t, acts, 1)
			assert.Equal(t, a.ID, *acts[0].AgentID)
			assert.Equal(t, a.SiteID, acts[0].SiteID)
			assert.Equal(t, a.AccountID, acts[0].AccountID)

			// disable_agent then enable_agent: the operational state reads back through get_agent_details.
			var details map[string]any
			h.ok("disable_agent", map[string]any{"ids": b.ID, "reboot": true}, nil)
			h.ok("get_agent_details", map[string]any{"agent_id": b.ID}, &details)
			assert.Equal(t, "fully_disabled", details["operationalState"])
			assert.Equal(t, 1, agentOf(b.ID).RestartsRequested, "reboot asked")
			h.ok("enable_agent", map[string]any{"ids": b.ID}, nil)
			h.ok("get_agent_details", map[string]any{"agent_id": b.ID}, &details)
			assert.Equal(t, "na", details["operationalState"])
			assert.Equal(t, 1, agentOf(b.ID).RestartsRequested, "no reboot asked")
			assert.Len(t, activitiesOf(t, h, b.ID, activityTypeOf(t, h, "Agent Disabled")), 1)
			assert.Len(t, activitiesOf(t, h, b.ID, activityTypeOf(t, h, "Agent Enabled")), 1)

			// move_agents_to_group: the agent joins the group and its site; get_groups counts it.
			var groups []map[string]any
			h.ok("get_groups", map[string]any{}, &groups)
			require.Len(t, groups, 12, "three static groups and a dynamic one in each site")
			var target map[string]any
			for _, g := range groups {
				if g["type"] == "static" && g["id"] != c.GroupID && g["siteId"] != c.SiteID {
					target = g
					break
				}
			}
			require.NotNil(t, target)
			before := int(target["totalAgents"].(float64))
			var moved resolvedAction
			h.ok("move_agents_to_group", map[string]any{"group_id": target["id"], "endpoints": c.UUID}, &moved)
			assert.Equal(t, []string{c.ID}, moved.IDs)
			h.ok("get_agent_details", map[string]any{"agent_id": c.ID}, &details)
			assert.Equal(t, target["id"], details["groupId"])
			assert.Equal(t, target["siteId"], details["siteId"])
			h.ok("get_groups", map[string]any{"groupIds": target["id"].(string)}, &groups)
			require.Len(t, groups, 1)
			assert.Equal(t, before+1, int(groups[0]["totalAgents"].(float64)))
			assert.Len(t, activitiesOf(t, h, c.ID, activityTypeOf(t, h, "Agent Moved To Group")), 1)
			_, msg = h.fail("move_agents_to_group", map[string]any{"group_id": "1", "ids": c.ID})
			assert.Contains(t, msg, "group_id")
			for _, g := range groups {
				if g["type"] == "dynamic" {
					_, msg = h.fail("move_agents_to_group", map[string]any{"group_id": g["id"], "ids": c.ID})
					assert.Contains(t, msg, "is dynamic", "SentinelOne refuses moves into a dynamic group")
				}
			}

			// move_agents_to_site: the agent lands in the site's default group.
			var sites []map[string]any
			h.ok("get_sites", map[string]any{}, &sites)
			require.Len(t, sites, 3)
			var site map[string]any
			for _, s := range sites {
				if s["id"] != a.SiteID {
					site = s
				}
			}
			h.ok("move_agents_to_site", map[string]any{"site_id": site["id"], "ids": a.ID}, nil)
			h.ok("get_agent_details", map[string]any{"agent_id": a.ID}, &details)
			assert.Equal(t, site["id"], details["siteId"])
			assert.Equal(t, "Default Group", details["groupName"])
			assert.Equal(t, site["accountId"], details["accountId"])
			assert.Len(t, activitiesOf(t, h, a.ID, activityTypeOf(t, h, "Agent Moved To Site")), 1)

			// get_accounts: both accounts, each with its sites.
			var accounts []map[string]any
			h.ok("get_accounts", map[string]any{}, &accounts)
			require.Len(t, accounts, 2)
			assert.EqualValues(t, 2, accounts[0]["numberOfSites"])
			assert.EqualValues(t, 1, accounts[1]["numberOfSites"])
			h.ok("get_sites", map[string]any{"accountIds": accounts[1]["id"].(string)}, &sites)
			require.Len(t, sites, 1)

			// An isolate and a threat action show in the activity log, oldest first, in the time range.
			recorded := h.sim.Sim.Activities()
			last, err := time.Parse(time.RFC3339Nano, recorded[len(recorded)-1].CreatedAt)
			require.NoError(t, err)
			start := last.Add(time.Microsecond).Format(time.RFC3339Nano)
			h.ok("agent_action", map[string]any{"action": "Isolate Agent Network", "ids": b.ID}, nil)
			isolate := activityTypeOf(t, h, "Agent Disconnected From Network")
			acts = activitiesOf(t, h, b.ID, isolate)
			require.Len(t, acts, 1)
			assert.Contains(t, acts[0].Primary, b.ComputerName)
			threat := h.sim.Sim.Threats()[0]
			h.ok("mitigate_threats", map[string]any{"action": "Kill", "threat_id": threat.ID}, nil)
			var byThreat []activity
			h.ok("get_activities", map[string]any{"threat_id": threat.ID}, &byThreat)
			require.Len(t, byThreat, 1)
			assert.Equal(t, threat.ID, *byThreat[0].ThreatID)
			var all, ranged, limited []activity
			h.ok("get_activities", map[string]any{}, &all)
			assert.Len(t, all, len(h.sim.Sim.Activities()))
			for i := 1; i < len(all); i++ {
				assert.LessOrEqual(t, all[i-1].CreatedAt, all[i].CreatedAt, "oldest first")
			}
			h.ok("get_activities", map[string]any{"from_date": start}, &ranged)
			assert.Len(t, ranged, 2, "the isolate and the kill")
			h.ok("get_activities", map[string]any{"to_date": "2000-01-01"}, &ranged)
			assert.Empty(t, ranged)
			h.ok("get_activities", map[string]any{"limit": 2}, &limited)
			assert.Len(t, limited, 2)
			_, msg = h.fail("get_activities", map[string]any{"from_date": "2024-06-02", "to_date": "2024-06-01"})
			assert.Contains(t, msg, "to_date")

			// Guards: a selection of everything is refused.
			for _, op := range []string{"restart_agent", "enable_agent", "disable_agent"} {
				_, msg = h.fail(op, map[string]any{"isDecommissioned": "false"})
				assert.Contains(t, msg, "max_targets", op)
			}
			for _, op := range []struct{ name, target string }{{"move_agents_to_group", target["id"].(string)}, {"move_agents_to_site", site["id"].(string)}} {
				param := map[string]string{"move_agents_to_group": "group_id", "move_agents_to_site": "site_id"}[op.name]
				_, msg = h.fail(op.name, map[string]any{param: op.target, "siteIds": a.SiteID + "," + b.SiteID + "," + c.SiteID + "," + target["siteId"].(string) + "," + site["id"].(string)})
				assert.Contains(t, msg, "max_targets", op.name)
			}
		})
	}
}

// TestActivitiesAutoPaged: get_activities follows the cursor past one page of SentinelOne's.
func TestActivitiesAutoPaged(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{Agents: 1300, Threats: 10})
	h.ok("initiate_agent_scan", map[string]any{"isDecommissioned": "false", "max_targets": 1300}, nil)
	n := len(h.sim.Sim.Activities())
	require.Greater(t, n, 1000)
	require.Less(t, n, 2000)
	h.reset()
	var all []activity
	h.ok("get_activities", map[string]any{}, &all)
	assert.Len(t, all, n)
	pages := 0
	for _, c := range h.calls() {
		if c.Path == "/activities" {
			pages++
		}
	}
	assert.Equal(t, 2, pages, "a full page of 1000, then the rest")
}
