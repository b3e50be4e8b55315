package operations_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// TestGoldenRespondRequests pins the exact SentinelOne requests of the response area's
// operations, and of endpoints and scope params on the existing ones (API 2.1, warm token).
func TestGoldenRespondRequests(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	plain := plainAgents(h)
	a := plain[0]
	a1 := a.ID
	group, site := staticGroup(h.sim.Sim), h.sim.Sim.Sites()[1]
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	resolve := call{Method: "GET", Path: "/agents", Query: q("ids", a1, "isDecommissioned", "false", "limit", "1000")}
	population := call{Method: "GET", Path: "/agents/count", Query: q("isDecommissioned", "false")}
	byID := call{Method: "GET", Path: "/agents", Query: q("ids", a1, "isDecommissioned", "false,true", "limit", "1000")}
	one := `{"ids":["` + a1 + `"]}`
	mover := plain[1].ID // moves change the agent's site, so they move another agent
	moverResolve := call{Method: "GET", Path: "/agents", Query: q("ids", mover, "isDecommissioned", "false", "limit", "1000")}
	moved := `{"ids":["` + mover + `"]}`
	ip := a.NetworkInterfaces[0].Inet[0]
	tests := []struct {
		op     string
		params map[string]any
		want   []call
	}{
		{"get_agent_details", map[string]any{"agent_id": a1}, []call{byID}},
		{"get_agent_details", map[string]any{"endpoint": a.ComputerName}, []call{
			{Method: "GET", Path: "/agents", Query: q("computerName__like", a.ComputerName, "isDecommissioned", "false,true", "limit", "1000")}, byID}},
		{"restart_agent", map[string]any{"ids": a1},
			[]call{resolve, population, {Method: "POST", Path: "/agents/actions/restart-machine", Body: `{"data":{},"filter":` + one + `}`}}},
		{"enable_agent", map[string]any{"ids": a1, "reboot": true},
			[]call{resolve, population, {Method: "POST", Path: "/agents/actions/enable-agent", Body: `{"data":{"shouldReboot":true},"filter":` + one + `}`}}},
		{"disable_agent", map[string]any{"ids": a1},
			[]call{resolve, population, {Method: "POST", Path: "/agents/actions/disable-agent", Body: `{"data":{"shouldReboot":false},"filter":` + one + `}`}}},
		{"move_agents_to_group", map[string]any{"ids": mover, "group_id": group.ID},
			[]call{{Method: "GET", Path: "/groups", Query: q("groupIds", group.ID, "limit", "1")}, moverResolve, population,
				{Method: "PUT", Path: "/groups/" + group.ID + "/move-agents", Body: `{"filter":` + moved + `}`}}},
		{"move_agents_to_site", map[string]any{"ids": mover, "site_id": site.ID},
			[]call{{Method: "GET", Path: "/sites", Query: q("siteIds", site.ID, "limit", "1")}, moverResolve, population,
				{Method: "POST", Path: "/agents/actions/move-to-site", Body: `{"data":{"targetSiteId":"` + site.ID + `"},"filter":` + moved + `}`}}},
		{"get_sites", map[string]any{"accountIds": site.AccountID}, []call{{Method: "GET", Path: "/sites", Query: q("accountIds", site.AccountID, "limit", "1000")}}},
		{"get_groups", map[string]any{"siteIds": site.ID, "limit": 2}, []call{{Method: "GET", Path: "/groups", Query: q("siteIds", site.ID, "limit", "2")}}},
		{"get_accounts", map[string]any{}, []call{{Method: "GET", Path: "/accounts", Query: q("limit", "1000")}}},
		{"get_activities", map[string]any{"agent_id": a1, "activityTypes": "61,62", "from_date": "2024-06-01T10:00:00+02:00"},
			[]call{{Method: "GET", Path: "/activities", Query: q("agentIds", a1, "activityTypes", "61,62", "createdAt__gte", "2024-06-01T08:00:00.000000Z",
				"sortBy", "createdAt", "sortOrder", "asc", "limit", "1000")}}},
		{"get_activity_types", map[string]any{}, []call{{Method: "GET", Path: "/activities/types", Query: url.Values{}}}},
		{"reconnect_agent_network", map[string]any{"endpoints": ip, "siteIds": a.SiteID},
			[]call{{Method: "GET", Path: "/agents", Query: q("networkInterfaceInet__contains", ip, "siteIds", a.SiteID, "isDecommissioned", "false,true", "limit", "1000")},
				{Method: "GET", Path: "/agents", Query: q("externalIp__contains", ip, "siteIds", a.SiteID, "isDecommissioned", "false,true", "limit", "1000")},
				{Method: "GET", Path: "/agents", Query: q("ids", a1, "siteIds", a.SiteID, "isDecommissioned", "false", "limit", "1000")}, population,
				{Method: "POST", Path: "/agents/actions/connect", Body: `{"data":{},"filter":` + one + `}`}}},
		{"get_agent_count", map[string]any{"endpoints": a.UUID + "," + a.NetworkInterfaces[0].Physical},
			[]call{{Method: "GET", Path: "/agents", Query: q("uuids", a.UUID, "isDecommissioned", "false,true", "limit", "1000")},
				{Method: "GET", Path: "/agents", Query: q("networkInterfacePhysical__contains", a.NetworkInterfaces[0].Physical, "isDecommissioned", "false,true", "limit", "1000")},
				{Method: "GET", Path: "/agents/count", Query: q("ids", a1, "isDecommissioned", "false")}}},
		{"list_all_threats", map[string]any{"siteIds": site.ID, "accountIds": site.AccountID, "groupIds": group.ID, "limit": 5},
			[]call{{Method: "GET", Path: "/threats", Query: q("siteIds", site.ID, "accountIds", site.AccountID, "groupIds", group.ID, "limit", "5")}}},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			h.t = t
			h.warm()
			h.ok(tt.op, tt.params, nil)
			got := h.calls()
			for i := range got {
				if got[i].Method != "GET" && len(got[i].Query) == 0 && i < len(tt.want) && tt.want[i].Query == nil {
					got[i].Query = nil
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// staticGroup is a group agents can be moved into (not the first site's default group).
func staticGroup(sim *s1sim.Simulator) s1sim.Group {
	for _, g := range sim.Groups() {
		if g.Type == "static" && !g.IsDefault {
			return g
		}
	}
	panic("the seeded console has no static group")
}
