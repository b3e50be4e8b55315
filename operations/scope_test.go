package operations_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// pinCase is a configuration's pinned scope and which agents lie inside it.
type pinCase struct {
	name   string
	values map[string]any
	inside func(a s1sim.Agent) bool
}

// pinCases pins a site of the seeded fleet, then an account, read from a throwaway
// simulator with the harness's fleet.
func pinCases() []pinCase {
	sim := s1sim.New(s1sim.Options{Agents: 60, Threats: 30})
	site := sim.Sites()[0]
	return []pinCase{
		{"site", map[string]any{"scope_site_ids": site.ID}, func(a s1sim.Agent) bool { return a.SiteID == site.ID }},
		{"account", map[string]any{"scope_account_ids": site.AccountID}, func(a s1sim.Agent) bool { return a.AccountID == site.AccountID }},
	}
}

// TestPinnedScope: a configuration that pins a site or an account reaches nothing outside
// it, whatever params a call gives: every operation is called with each param that can
// name an agent, threat, group, site or account set to one outside the scope (and with all
// of them at once), with the guard opened wide. No agent or threat outside changes, no
// agent leaves the scope, and no answer names anything outside.
func TestPinnedScope(t *testing.T) {
	t.Parallel() // slow, and shares nothing with other tests
	for _, pin := range pinCases() {
		for _, m := range []mode{{"2.1", true}, {"2.0", false}} {
			t.Run(pin.name+"/"+m.String(), func(t *testing.T) {
				h := newHarnessWith(t, m, s1sim.Options{}, pin.values)
				in := h.agents(func(a s1sim.Agent) bool { return pin.inside(a) && live(a) })
				out := h.agents(func(a s1sim.Agent) bool { return !pin.inside(a) })
				outLive := h.agents(func(a s1sim.Agent) bool { return !pin.inside(a) && live(a) })
				require.NotEmpty(t, in)
				require.NotEmpty(t, outLive)
				outIDs := map[string]bool{}
				for _, a := range out {
					outIDs[a.ID] = true
				}
				var outThreats []s1sim.Threat
				var inThreat *s1sim.Threat
				for _, th := range h.sim.Sim.Threats() {
					if outIDs[th.AgentID] {
						outThreats = append(outThreats, th)
					} else if inThreat == nil {
						inThreat = &th
					}
				}
				require.NotEmpty(t, outThreats)
				require.NotNil(t, inThreat)
				var inGroup, outGroup, inSite, outSite string
				inSites := map[string]bool{}
				for _, a := range in {
					inSites[a.SiteID] = true
				}
				for _, g := range h.sim.Sim.Groups() {
					if inSites[g.SiteID] && inGroup == "" && g.Type == "static" {
						inGroup = g.ID
					}
					if !inSites[g.SiteID] && outGroup == "" {
						outGroup = g.ID
					}
				}
				var outAccount string
				for _, s := range h.sim.Sim.Sites() {
					if inSites[s.ID] {
						inSite = s.ID
					} else {
						outSite = s.ID
						if !slices.ContainsFunc(in, func(a s1sim.Agent) bool { return a.AccountID == s.AccountID }) {
							outAccount = s.AccountID
						}
					}
				}
				victim, threat := outLive[0], outThreats[0]
				// outside names every object outside the scope a params' value could name.
				outside := map[string]any{
					"ids": victim.ID, "excludeIds": victim.ID, "agent_id": victim.ID, "threat_id": threat.ID,
					"endpoints": victim.UUID, "endpoint": victim.UUID, "groupIds": outGroup, "group_id": outGroup,
					"siteIds": outSite, "site_id": outSite, "computerName__like": victim.ComputerName,
					"contentHash": threat.SHA1, "threatName": threat.Name,
				}
				if outAccount != "" {
					outside["accountIds"] = outAccount
				}
				// Blocklist and exclusion scopes: a tenant-wide one, and sites outside.
				outside["scope"], outside["scope_ids"] = "Tenant", outSite
				outEntry := outsideEntry(t, h, outSite, threat.SHA1)
				outside["entry_id"] = outEntry
				// base makes each call valid and lets the guard pass everything the scope lets through.
				base := map[string]any{"action": "", "message": "scope test", "group_id": inGroup, "site_id": inSite,
					"max_targets": 1000000, "includeDecommissioned": true, "text": "scope test", "hash": inThreat.SHA1,
					"value": "/opt/scope-test", "scope": "Site", "scope_ids": inSite}
				forbidden := []string{threat.ID, outGroup, outSite, outEntry}
				for _, a := range out {
					forbidden = append(forbidden, a.ID)
				}
				for _, th := range outThreats {
					forbidden = append(forbidden, th.ID)
				}
				if outAccount != "" {
					forbidden = append(forbidden, outAccount)
				}
				outsideBefore := outsideState(h, outIDs)
				entriesBefore := entriesOutside(h, inSites)
				require.NotEmpty(t, entriesBefore)
				tried := 0
				for _, op := range h.app.Manifest.Operations {
					call := func(params map[string]any) {
						status, env := h.exec(op.Name, params)
						tried++
						if status == http.StatusOK {
							for _, id := range forbidden {
								require.NotContains(t, string(env.Data), `"`+id+`"`, "%s %v reached %s outside the scope", op.Name, params, id)
							}
						}
						require.Equal(t, outsideBefore, outsideState(h, outIDs), "%s %v changed something outside the scope", op.Name, params)
						require.Equal(t, entriesBefore, entriesOutside(h, inSites), "%s %v changed a list entry outside the scope", op.Name, params)
						for _, a := range h.sim.Sim.Agents() {
							if !outIDs[a.ID] {
								require.True(t, inSites[a.SiteID], "%s %v moved agent %s out of the scope", op.Name, params, a.ID)
							}
						}
					}
					all := map[string]any{}
					for _, p := range op.Parameters {
						v, ok := outside[p.Name]
						if !ok {
							continue
						}
						params := map[string]any{}
						for _, q := range op.Parameters {
							if b, ok := base[q.Name]; ok {
								params[q.Name] = b
							}
						}
						for _, q := range op.Parameters {
							if _, set := params[q.Name]; !set && q.Required && q.Type == "select" {
								params[q.Name] = q.Options[0]
							}
						}
						if _, ok := params["action"]; ok {
							params["action"] = op.Param("action").Options[0]
						}
						params[p.Name] = v
						if p.Name == "scope_ids" {
							params["scope"] = "Site"
						}
						call(params)
						for k, v := range params {
							all[k] = v
						}
						all[p.Name] = v
					}
					if len(all) > 0 {
						delete(all, "agent_id") // get_agent_details takes agent_id or endpoint, not both
						call(all)
					}
				}
				assert.Greater(t, tried, 40)

				// Inside the scope the same operations work.
				var got []map[string]any
				h.ok("get_agents", map[string]any{"limit": 1000}, &got)
				assert.ElementsMatch(t, ids(in), idsOf(t, got), "get_agents lists the scope's live agents, all of them")
				target := in[len(in)-1]
				var res resolvedAction
				h.ok("agent_action", map[string]any{"action": "Isolate Agent Network", "endpoints": target.UUID}, &res)
				assert.Equal(t, []string{target.ID}, res.IDs)
				// Every read works on what lies inside.
				inAgent := in[0]
				for _, c := range []struct {
					op     string
					params map[string]any
				}{
					{"get_agent_passphrase", map[string]any{"agent_id": inAgent.ID}},
					{"get_application_installed_on_agent", map[string]any{"agent_id": inAgent.ID}},
					{"get_agent_details", map[string]any{"endpoint": inAgent.UUID}},
					{"get_agent_count", map[string]any{"siteIds": inAgent.SiteID}},
					{"get_threat_details", map[string]any{"threat_id": inThreat.ID}},
					{"list_all_threats", map[string]any{"agent_id": inThreat.AgentID}},
					{"get_activities", map[string]any{"siteIds": inAgent.SiteID}},
					{"get_sites", map[string]any{}}, {"get_groups", map[string]any{}}, {"get_accounts", map[string]any{}},
					{"get_blacklist", map[string]any{}}, {"get_exclusions", map[string]any{}},
				} {
					h.ok(c.op, c.params, nil)
				}
				if m.version == "2.1" {
					h.ok("get_threat_notes", map[string]any{"threat_id": inThreat.ID}, nil)
					h.ok("get_threat_timeline", map[string]any{"threat_id": inThreat.ID}, nil)
				}
				var entry map[string]any
				h.ok("create_blacklist_item", map[string]any{"hash": inThreat.SHA1, "os_type": "windows", "scope": "Site", "scope_ids": inSite}, &entry)
				h.ok("get_blacklist", map[string]any{"hash": inThreat.SHA1}, nil)
				h.ok("delete_blacklist_item", map[string]any{"hash": inThreat.SHA1, "scope": "Site", "scope_ids": inSite}, nil)
				h.ok("mitigate_threats", map[string]any{"action": "Kill", "threat_id": inThreat.ID}, nil)
				_, msg := h.fail("create_blacklist_item", map[string]any{"hash": inThreat.SHA1, "os_type": "windows", "scope": "Tenant"})
				assert.Contains(t, msg, "scope: a tenant-wide scope reaches outside the pinned scope")
				_, msg = h.fail("get_agents", map[string]any{"siteIds": outSite})
				assert.Contains(t, msg, "outside the pinned scope")
				_, msg = h.fail("agent_action", map[string]any{"action": "Isolate Agent Network", "ids": victim.ID + "," + target.ID})
				assert.Contains(t, msg, "not inside configuration \"tenant\"'s scope")
				assert.Contains(t, msg, victim.ID)
			})
		}
	}
}

// outsideState is the state of the agents and threats outside the scope, for "untouched"
// assertions.
func outsideState(h *harness, outIDs map[string]bool) string {
	var parts []string
	for _, a := range h.sim.Sim.Agents() {
		if outIDs[a.ID] {
			b, _ := json.Marshal(a)
			parts = append(parts, string(b))
		}
	}
	for _, th := range h.sim.Sim.Threats() {
		if outIDs[th.AgentID] {
			b, _ := json.Marshal(th)
			parts = append(parts, string(b))
		}
	}
	return strings.Join(parts, "\n")
}

// TestPinnedScopeConfiguration: a pinned scope that is not a list of numeric ids is refused
// by name before any SentinelOne request, and a single-agent operation names its own param
// when the agent lies outside the scope.
func TestPinnedScopeConfiguration(t *testing.T) {
	h := newHarnessWith(t, mode{"2.1", true}, s1sim.Options{}, map[string]any{"scope_site_ids": "1301234569714161309, hq"})
	status, msg := h.fail("get_agent_count", map[string]any{})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, `scope_site_ids: "hq" is not a numeric SentinelOne id`)
	assert.Empty(t, h.sim.Sim.Requests())

	pin := pinCases()[0]
	h = newHarnessWith(t, mode{"2.1", true}, s1sim.Options{}, pin.values)
	outside := h.agents(func(a s1sim.Agent) bool { return !pin.inside(a) && live(a) })[0]
	_, msg = h.fail("get_application_installed_on_agent", map[string]any{"agent_id": outside.ID})
	assert.Contains(t, msg, "agent_id: agent(s) "+outside.ID+" not found inside the pinned scope")
}

// outsideEntry adds a blocklist entry at site out straight through the simulator's API, as a
// console user outside the configuration's scope would, and returns its id.
func outsideEntry(t *testing.T, h *harness, out, hash string) string {
	t.Helper()
	body := `{"filter":{"siteIds":["` + out + `"]},"data":{"type":"black_hash","value":"` + hash + `","osType":"windows"}}`
	req, err := http.NewRequest(http.MethodPost, h.sim.URL+"/web/api/v2.1/restrictions", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "ApiToken "+s1sim.AdminAPIToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.sim.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	for _, e := range h.sim.Sim.Blocklist() {
		if slices.Contains(e.Scope.SiteIDs, out) {
			return e.ID
		}
	}
	t.Fatal("the outside entry was not created")
	return ""
}

// entriesOutside is the blocklist and exclusion entries whose scope is not inside the sites
// of inSites (tenant-wide, account-wide or other sites), for "untouched" assertions.
func entriesOutside(h *harness, inSites map[string]bool) string {
	var parts []string
	for _, e := range append(h.sim.Sim.Blocklist(), h.sim.Sim.Exclusions()...) {
		inside := len(e.Scope.SiteIDs) > 0
		for _, id := range e.Scope.SiteIDs {
			inside = inside && inSites[id]
		}
		if !inside && len(e.Scope.GroupIDs) == 0 {
			b, _ := json.Marshal(e)
			parts = append(parts, string(b))
		}
	}
	return strings.Join(parts, "\n")
}
