package operations_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// TestTriageOperations runs the triage operations end to end on API 2.1 and 2.0 and reads
// the simulator's state back through other operations.
func TestTriageOperations(t *testing.T) {
	for _, m := range []mode{{"2.1", true}, {"2.0", false}} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, m, s1sim.Options{})
			t.Run("verdict", func(t *testing.T) { testVerdict(t, h) })
			t.Run("incident status", func(t *testing.T) { testIncidentStatus(t, h) })
			t.Run("notes", func(t *testing.T) { testNotes(t, h) })
			t.Run("timeline", func(t *testing.T) { testTimeline(t, h) })
			t.Run("hash verdict", func(t *testing.T) { testHashVerdict(t, h) })
			t.Run("blocklist", func(t *testing.T) { testBlocklist(t, h) })
			t.Run("exclusions", func(t *testing.T) { testExclusions(t, h) })
		})
	}
}

// threatInfo reads a threat back through get_threat_details: the 2.1 threatInfo fields, or
// the flat 2.0 ones.
func threatInfo(h *harness, id string) map[string]any {
	h.t.Helper()
	var got map[string]any
	h.ok("get_threat_details", map[string]any{"threat_id": id}, &got)
	if info, ok := got["threatInfo"].(map[string]any); ok {
		return info
	}
	return got
}

// requireConsistentAgent checks that the agent's activeThreats and infected count its
// active threats.
func requireConsistentAgent(h *harness, agentID string) {
	h.t.Helper()
	n := 0
	for _, th := range h.sim.Sim.Threats() {
		if th.AgentID == agentID && th.MitigationStatus == "not_mitigated" && th.IncidentStatus != "resolved" {
			n++
		}
	}
	a, ok := h.sim.Sim.Agent(agentID)
	require.True(h.t, ok)
	assert.Equal(h.t, n, a.ActiveThreats, "activeThreats of agent %s", agentID)
	assert.Equal(h.t, n > 0, a.Infected, "infected of agent %s", agentID)
}

func testVerdict(t *testing.T, h *harness) {
	h.t = t
	th := h.sim.Sim.Threats()[3]
	h.warm()
	if h.version == "2.0" {
		status, msg := h.fail("update_analyst_verdict", map[string]any{"threat_id": th.ID, "verdict": "true_positive"})
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, msg, "update_analyst_verdict needs SentinelOne API 2.1")
		assert.Contains(t, msg, "mark_threat_as_benign")
		assert.Empty(t, h.calls(), "refused before any SentinelOne request")
		return
	}
	before := threatInfo(h, th.ID)["updatedAt"]
	h.reset()
	var got actionResult
	h.ok("update_analyst_verdict", map[string]any{"threat_id": th.ID, "verdict": "suspicious"}, &got)
	assert.Equal(t, 1, got.Affected)
	assert.Equal(t, []string{th.ID}, got.IDs)
	c := h.actions()
	require.Len(t, c, 1)
	assert.Equal(t, `{"data":{"analystVerdict":"suspicious"},"filter":{"ids":["`+th.ID+`"]}}`, c[0].Body)
	info := threatInfo(h, th.ID)
	assert.Equal(t, "suspicious", info["analystVerdict"])
	assert.NotEqual(t, before, info["updatedAt"], "updatedAt moves")
	var listed []map[string]any
	h.ok("list_all_threats", map[string]any{"agent_id": th.AgentID, "limit": 100}, &listed)
	found := false
	for _, l := range listed {
		if l["id"] == th.ID {
			found = true
			assert.Equal(t, "suspicious", l["threatInfo"].(map[string]any)["analystVerdict"])
		}
	}
	assert.True(t, found, "the threat is listed with its verdict")
	requireConsistentAgent(h, th.AgentID)
}

func testIncidentStatus(t *testing.T, h *harness) {
	h.t = t
	var th s1sim.Threat
	for _, x := range h.sim.Sim.Threats() {
		if x.MitigationStatus == "not_mitigated" && x.IncidentStatus != "resolved" {
			th = x
			break
		}
	}
	require.NotEmpty(t, th.ID, "the fleet has an active threat")
	h.warm()
	if h.version == "2.0" {
		status, msg := h.fail("change_incident_status", map[string]any{"threat_id": th.ID, "status": "resolved"})
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, msg, "change_incident_status needs SentinelOne API 2.1: POST /threats/incident does not exist in API 2.0")
		assert.Empty(t, h.calls())
		return
	}
	agentBefore, _ := h.sim.Sim.Agent(th.AgentID)
	before := threatInfo(h, th.ID)["updatedAt"]
	var got actionResult
	h.ok("change_incident_status", map[string]any{"threat_id": th.ID, "status": "resolved", "verdict": "true_positive"}, &got)
	assert.Equal(t, 1, got.Affected)
	info := threatInfo(h, th.ID)
	assert.Equal(t, "resolved", info["incidentStatus"])
	assert.Equal(t, "true_positive", info["analystVerdict"])
	assert.NotEqual(t, before, info["updatedAt"])
	agentAfter, _ := h.sim.Sim.Agent(th.AgentID)
	assert.Equal(t, agentBefore.ActiveThreats-1, agentAfter.ActiveThreats, "a resolved threat is no longer active")
	requireConsistentAgent(h, th.AgentID)

	// Reopening counts it again; the verdict is left as it was.
	h.ok("change_incident_status", map[string]any{"threat_id": th.ID, "status": "unresolved"}, &got)
	info = threatInfo(h, th.ID)
	assert.Equal(t, "unresolved", info["incidentStatus"])
	assert.Equal(t, "true_positive", info["analystVerdict"])
	agentAfter, _ = h.sim.Sim.Agent(th.AgentID)
	assert.Equal(t, agentBefore.ActiveThreats, agentAfter.ActiveThreats)
	requireConsistentAgent(h, th.AgentID)
}

func testNotes(t *testing.T, h *harness) {
	h.t = t
	threats := h.sim.Sim.Threats()
	a, b := threats[5], threats[6]
	before := threatInfo(h, a.ID)["updatedAt"]
	var got actionResult
	h.ok("add_note_to_a_threat", map[string]any{"threat_id": a.ID + "," + b.ID, "text": "Isolated the host; ticket INC-7"}, &got)
	assert.Equal(t, 2, got.Affected)
	h.ok("add_note_to_a_threat", map[string]any{"threat_id": a.ID, "text": "Re-imaged"}, &got)
	var notes struct {
		ThreatID string           `json:"threat_id"`
		Count    int              `json:"count"`
		Notes    []map[string]any `json:"notes"`
	}
	h.ok("get_threat_notes", map[string]any{"threat_id": a.ID}, &notes)
	assert.Equal(t, a.ID, notes.ThreatID)
	require.Equal(t, 2, notes.Count)
	assert.Equal(t, "Isolated the host; ticket INC-7", notes.Notes[0]["text"])
	assert.Equal(t, "Re-imaged", notes.Notes[1]["text"])
	assert.NotEmpty(t, notes.Notes[0]["creator"])
	h.ok("get_threat_notes", map[string]any{"threat_id": b.ID}, &notes)
	assert.Equal(t, 1, notes.Count)
	assert.NotEqual(t, before, threatInfo(h, a.ID)["updatedAt"], "a note moves updatedAt")

	status, msg := h.fail("add_note_to_a_threat", map[string]any{"threat_id": a.ID, "text": strings.Repeat("x", 4001)})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, "text")
	status, msg = h.fail("add_note_to_a_threat", map[string]any{"threat_id": a.ID, "text": "   "})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, "text: is required")
}

func testTimeline(t *testing.T, h *harness) {
	h.t = t
	th := h.sim.Sim.Threats()[8]
	var tl struct {
		Count    int              `json:"count"`
		Timeline []map[string]any `json:"timeline"`
	}
	h.ok("get_threat_timeline", map[string]any{"threat_id": th.ID}, &tl)
	require.Equal(t, 1, tl.Count, "an untouched threat's timeline holds its detection")
	h.ok("mitigate_threats", map[string]any{"threat_id": th.ID, "action": "Kill"}, nil)
	h.ok("add_note_to_a_threat", map[string]any{"threat_id": th.ID, "text": "Killed"}, nil)
	if h.version == "2.1" {
		h.ok("update_analyst_verdict", map[string]any{"threat_id": th.ID, "verdict": "true_positive"}, nil)
	} else {
		h.ok("mark_threat_as_benign", map[string]any{"threat_id": th.ID}, nil)
	}
	h.ok("get_threat_timeline", map[string]any{"threat_id": th.ID, "sort_order": "Oldest First"}, &tl)
	require.Equal(t, 4, tl.Count, "detection, mitigation, note, verdict")
	var texts []string
	for _, e := range tl.Timeline {
		texts = append(texts, e["primaryDescription"].(string))
		assert.Equal(t, th.ID, e["threatId"])
	}
	assert.Contains(t, texts[1], "kill")
	assert.Contains(t, texts[2], "note")
	h.ok("get_threat_timeline", map[string]any{"threat_id": th.ID}, &tl)
	assert.Equal(t, texts[3], tl.Timeline[0]["primaryDescription"], "newest first by default")

	// Past SentinelOne's page cap of 1000: the connector walks the cursor.
	require.True(t, h.sim.Sim.SeedTimeline(th.ID, 1200))
	h.reset()
	h.ok("get_threat_timeline", map[string]any{"threat_id": th.ID}, &tl)
	assert.Equal(t, 1204, tl.Count)
	pages := h.calls()
	require.Len(t, pages, 2)
	assert.NotEmpty(t, pages[1].Query.Get("cursor"))
	h.ok("get_threat_timeline", map[string]any{"threat_id": th.ID, "limit": 1100}, &tl)
	assert.Equal(t, 1100, tl.Count)
}

func testHashVerdict(t *testing.T, h *harness) {
	h.t = t
	th := h.sim.Sim.Threats()[0]
	if h.version == "2.0" {
		h.warm()
		status, msg := h.fail("get_hash_verdict", map[string]any{"hash": th.SHA1})
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, msg, "get_hash_verdict needs SentinelOne API 2.1")
		assert.Contains(t, msg, "get_hash_details")
		assert.Empty(t, h.calls())
		return
	}
	want := "non-malicious"
	if th.Rank >= 5 {
		want = "malicious"
	}
	var got struct{ Hash, Verdict string }
	h.ok("get_hash_verdict", map[string]any{"hash": strings.ToUpper(th.SHA1)}, &got)
	assert.Equal(t, th.SHA1, got.Hash)
	assert.Equal(t, want, got.Verdict)
	h.ok("get_hash_verdict", map[string]any{"hash": th.SHA256}, &got)
	assert.Equal(t, want, got.Verdict, "SHA-256 too")
	h.ok("get_hash_verdict", map[string]any{"hash": strings.Repeat("ab", 20)}, &got)
	assert.Equal(t, "unknown", got.Verdict)
	status, _ := h.fail("get_hash_verdict", map[string]any{"hash": "abc"})
	assert.Equal(t, http.StatusBadRequest, status)
}

// created is the data of a create operation.
type created struct {
	Created        []map[string]any `json:"created"`
	Count          int              `json:"count"`
	AlreadyPresent bool             `json:"already_present"`
	Existing       []string         `json:"existing_os_types"`
	DryRun         bool             `json:"dry_run"`
	Message        string           `json:"message"`
}

// listed is the data of a list read.
type listed struct {
	Count   int              `json:"count"`
	Entries []map[string]any `json:"entries"`
}

func testBlocklist(t *testing.T, h *harness) {
	h.t = t
	th := h.sim.Sim.Threats()[1]
	site := h.agents(live)[0].SiteID
	tenant := map[string]any{"hash": th.SHA1, "scope": "Tenant"}
	var c created
	h.ok("create_blacklist_item", tenant, &c)
	assert.Equal(t, 3, c.Count, "one entry per OS")
	assert.False(t, c.AlreadyPresent)
	require.Len(t, h.sim.Sim.Blocklist(), 3)

	h.ok("create_blacklist_item", tenant, &c)
	assert.True(t, c.AlreadyPresent, "adding it again is a success that says already_present")
	assert.Zero(t, c.Count)
	assert.Equal(t, []string{"windows", "macos", "linux"}, c.Existing)
	assert.Len(t, h.sim.Sim.Blocklist(), 3, "still one entry per OS")

	h.ok("create_blacklist_item", map[string]any{"hash": th.SHA1, "os_type": "linux", "scope": "Site", "scope_ids": site}, &c)
	assert.Equal(t, 1, c.Count, "another scope is another entry")

	var l listed
	h.ok("get_blacklist", map[string]any{"hash": strings.ToUpper(th.SHA1)}, &l)
	assert.Equal(t, 4, l.Count)
	h.ok("get_blacklist", map[string]any{"scope": "Tenant", "os_type": "windows"}, &l)
	assert.Equal(t, 1, l.Count)
	h.ok("get_blacklist", map[string]any{"scope": "Site", "scope_ids": site}, &l)
	require.Equal(t, 1, l.Count)
	assert.Equal(t, "linux", l.Entries[0]["osType"])

	var d actionResult
	h.ok("delete_blacklist_item", map[string]any{"hash": th.SHA1, "scope": "Tenant", "dry_run": true}, &d)
	assert.True(t, d.DryRun)
	assert.Equal(t, 3, d.Count)
	assert.Len(t, h.sim.Sim.Blocklist(), 4, "a dry run deletes nothing")
	h.ok("delete_blacklist_item", map[string]any{"hash": th.SHA1, "scope": "Tenant"}, &d)
	assert.Equal(t, 3, d.Affected)
	h.ok("get_blacklist", map[string]any{"hash": th.SHA1}, &l)
	assert.Equal(t, 1, l.Count, "the site entry is left")

	status, msg := h.fail("delete_blacklist_item", map[string]any{"hash": th.SHA1, "scope": "Tenant"})
	assert.Equal(t, http.StatusNotFound, status, "deleting an absent entry fails")
	assert.Contains(t, msg, "no blocklist entry matches "+th.SHA1+" in the tenant")

	siteEntry := l.Entries[0]["id"].(string)
	h.ok("delete_blacklist_item", map[string]any{"entry_id": siteEntry + ",999", "scope": "Site", "scope_ids": site}, &d)
	assert.Equal(t, 1, d.Affected)
	assert.Equal(t, []string{"999"}, d.NotFound)
	assert.Empty(t, h.sim.Sim.Blocklist())

	// A write names its scope: no silent global default, and no request.
	h.reset()
	status, msg = h.fail("create_blacklist_item", map[string]any{"hash": th.SHA1})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, "scope")
	status, msg = h.fail("create_blacklist_item", map[string]any{"hash": th.SHA1, "scope": "Site"})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, "scope_ids: is required for the Site scope")
	assert.Empty(t, h.calls())
}

func testExclusions(t *testing.T, h *harness) {
	h.t = t
	group := h.agents(live)[0].GroupID
	path := map[string]any{"type": "Path", "value": "/opt/backup/agent", "os_type": "linux", "scope": "Group", "scope_ids": group}
	var c created
	h.ok("create_exclusion", path, &c)
	require.Equal(t, 1, c.Count)
	assert.Equal(t, "suppress", c.Created[0]["mode"], "path exclusions default to suppress")
	h.ok("create_exclusion", path, &c)
	assert.True(t, c.AlreadyPresent)
	assert.Len(t, h.sim.Sim.Exclusions(), 1)
	th := h.sim.Sim.Threats()[2]
	hash := map[string]any{"type": "Hash", "value": strings.ToUpper(th.SHA256), "scope": "Tenant", "description": "Signed build tool"}
	h.ok("create_exclusion", hash, &c)
	assert.Equal(t, 3, c.Count)
	assert.Equal(t, th.SHA256, c.Created[0]["value"], "hash values are lower-cased")

	var l listed
	h.ok("get_exclusions", map[string]any{}, &l)
	assert.Equal(t, 4, l.Count)
	h.ok("get_exclusions", map[string]any{"type": "Path", "scope": "Group", "scope_ids": group}, &l)
	require.Equal(t, 1, l.Count)
	assert.Equal(t, "/opt/backup/agent", l.Entries[0]["value"])
	h.ok("get_exclusions", map[string]any{"value": "backup", "os_type": "windows"}, &l)
	assert.Zero(t, l.Count)

	var d actionResult
	h.ok("delete_exclusion", map[string]any{"type": "Path", "value": "/opt/backup/agent", "scope": "Group", "scope_ids": group}, &d)
	assert.Equal(t, 1, d.Affected)
	status, msg := h.fail("delete_exclusion", map[string]any{"type": "Path", "value": "/opt/backup/agent", "scope": "Group", "scope_ids": group})
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, msg, "no exclusion matches")
	status, msg = h.fail("create_exclusion", map[string]any{"type": "Hash", "value": "not-a-hash", "scope": "Tenant"})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, "value")
	h.ok("delete_exclusion", map[string]any{"type": "Hash", "value": th.SHA256, "scope": "Tenant", "max_targets": 3}, &d)
	assert.Equal(t, 3, d.Affected)
	assert.Empty(t, h.sim.Sim.Exclusions())
}

// TestTriageGuards: every triage write refuses a selection of every threat, and names the
// narrowing params when nothing narrows it; no request reaches SentinelOne.
func TestTriageGuards(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	all := strings.Join(threatIDs(h.sim.Sim.Threats()), ",")
	agents := map[string]bool{}
	for _, th := range h.sim.Sim.Threats() {
		agents[th.AgentID] = true
	}
	var agentList []string
	for id := range agents {
		agentList = append(agentList, id)
	}
	writes := map[string]map[string]any{
		"update_analyst_verdict": {"verdict": "false_positive"},
		"change_incident_status": {"status": "resolved"},
		"add_note_to_a_threat":   {"text": "bulk"},
	}
	for op, extra := range writes {
		for _, sel := range []map[string]any{{"threat_id": all}, {"agent_id": strings.Join(agentList, ",")}, {}} {
			t.Run(op, func(t *testing.T) {
				h.t = t
				p := map[string]any{}
				for k, v := range extra {
					p[k] = v
				}
				for k, v := range sel {
					p[k] = v
				}
				h.reset()
				status, msg := h.fail(op, p)
				assert.Equal(t, http.StatusBadRequest, status)
				if len(sel) == 0 {
					assert.Contains(t, msg, "at least one of threat_id, contentHash, threatName, agent_id")
					assert.Empty(t, h.sim.Sim.Requests())
				} else {
					assert.Contains(t, msg, "refusing to")
					assert.Contains(t, msg, "every threat of the console")
				}
				assert.Empty(t, h.actions(), "no action request")
			})
		}
	}
	t.Run("blocklist and exclusion writes need their value", func(t *testing.T) {
		h.t = t
		h.reset()
		for op, p := range map[string]map[string]any{
			"delete_blacklist_item": {"scope": "Tenant"},
			"delete_exclusion":      {"type": "Path", "scope": "Tenant"},
		} {
			status, msg := h.fail(op, p)
			assert.Equal(t, http.StatusBadRequest, status, op)
			assert.Contains(t, msg, "at least one of", op)
		}
		assert.Empty(t, h.sim.Sim.Requests())
	})
	t.Run("dry run of a verdict", func(t *testing.T) {
		h.t = t
		th := h.sim.Sim.Threats()[0]
		h.reset()
		var got actionResult
		h.ok("update_analyst_verdict", map[string]any{"threat_id": th.ID, "verdict": "true_positive", "dry_run": true}, &got)
		assert.True(t, got.DryRun)
		assert.Equal(t, []string{th.ID}, got.IDs)
		assert.Empty(t, h.actions())
	})
}
