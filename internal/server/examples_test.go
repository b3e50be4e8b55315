package server_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// operationExamples gives every operation params that succeed against sim's fleet: the one
// table the sweeps that run every operation (audit lines, secret leaks) share, so a new
// operation joins both by one entry.
func operationExamples(t *testing.T, sim *s1sim.Simulator) map[string]map[string]any {
	t.Helper()
	var live, gone []s1sim.Agent
	for _, ag := range sim.Agents() {
		if ag.IsDecommissioned {
			gone = append(gone, ag)
		} else {
			live = append(live, ag)
		}
	}
	a1, a2 := live[0].ID, live[1].ID
	threats := sim.Threats()
	qid, err := sim.SeedQuery(`EventType = "DNS Resolved"`, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	running, err := sim.SeedQuery(`EventType = "DNS Resolved"`, time.Now().Add(time.Hour))
	require.NoError(t, err)
	return map[string]map[string]any{
		"get_agents":                         {"limit": 3},
		"get_agent_count":                    {},
		"agent_action":                       {"action": "Isolate Agent Network", "ids": a1 + "," + a2},
		"reconnect_agent_network":            {"ids": a1 + "," + a2},
		"broadcast_message_to_agent":         {"ids": a1, "message": "Patch tonight"},
		"initiate_agent_scan":                {"ids": a1},
		"abort_agent_scan":                   {"ids": a1},
		"fetch_agent_logs":                   {"ids": a1},
		"get_agent_passphrase":               {"agent_id": a1},
		"get_application_installed_on_agent": {"agent_id": a1},
		"list_of_process_running_on_agent":   {"agent_id": a1},
		"get_hash_details":                   {"hash": threats[0].SHA1},
		"get_threat_details":                 {"threat_id": threats[0].ID},
		"list_all_threats":                   {"limit": 2},
		"fetch_threats":                      {"stream": "audit", "max_items": 5},
		"get_output_schema_threats":          {},
		"fetch_alerts":                       {"stream": "audit", "max_items": 5},
		"get_alerts":                         {"limit": 3, "incident_status": "unresolved,in_progress"},
		"mitigate_threats":                   {"action": "Quarantine", "threat_id": threats[1].ID},
		"mark_threat_as_benign":              {"threat_id": threats[2].ID},
		"commission_agent":                   {"agent_id": gone[0].ID},
		"update_analyst_verdict":             {"threat_id": threats[3].ID, "verdict": "true_positive"},
		"change_incident_status":             {"threat_id": threats[3].ID, "status": "in_progress"},
		"add_note_to_a_threat":               {"threat_id": threats[3].ID, "text": "Checked by the SOC"},
		"get_threat_notes":                   {"threat_id": threats[3].ID},
		"get_threat_timeline":                {"threat_id": threats[3].ID},
		"get_hash_verdict":                   {"hash": threats[0].SHA1},
		"create_blacklist_item":              {"hash": threats[0].SHA1, "os_type": "windows", "scope": "Tenant"},
		"delete_blacklist_item":              {"hash": threats[0].SHA1, "os_type": "windows", "scope": "Tenant"},
		"get_blacklist":                      {},
		"create_exclusion":                   {"type": "Path", "value": `C:\\Tools\\scan.exe`, "os_type": "windows", "scope": "Tenant"},
		"delete_exclusion":                   {"type": "Path", "value": `C:\\Tools\\scan.exe`, "os_type": "windows", "scope": "Tenant"},
		"get_exclusions":                     {},
		"get_agent_details":                  {"agent_id": a1},
		"restart_agent":                      {"ids": a1},
		"enable_agent":                       {"ids": a1},
		"disable_agent":                      {"ids": a1, "reboot": true},
		"move_agents_to_group":               {"ids": a1, "group_id": staticGroupID(sim)},
		"move_agents_to_site":                {"ids": a2, "site_id": sim.Sites()[0].ID},
		"get_sites":                          {},
		"get_groups":                         {},
		"get_accounts":                       {},
		"get_activities":                     {"limit": 5},
		"get_activity_types":                 {},
		"create_query":                       {"query": `EventType = "IP Connect"`, "from_date": "2025-01-01T00:00:00Z", "to_date": "2027-01-01T00:00:00Z"},
		"get_query_status":                   {"query_id": qid},
		"get_events":                         {"query_id": qid},
		"get_events_by_type":                 {"query_id": qid, "event_type": "dns"},
		"cancel_running_query":               {"query_id": running},
		"run_query":                          {"query": `EventType = "DNS Resolved"`, "from_date": "2025-01-01T00:00:00Z", "to_date": "2027-01-01T00:00:00Z", "limit": 2},
		"run_power_query":                    {"query": `EventType = "DNS Resolved" | limit 2`, "from_date": "2025-01-01T00:00:00Z", "to_date": "2027-01-01T00:00:00Z"},
		"get_remote_scripts":                 {},
		"run_remote_script":                  {"ids": a1, "script_id": "1600000000000000001", "dry_run": true},
		"get_remote_script_status":           {"parent_task_id": "1800000000000000999"},
		"get_remote_script_results":          {"task_ids": "1800000000000000999"},
		"fetch_files_from_agent":             {"ids": a1, "files": "/etc/hosts", "password": "Audit-Zip-Pass-1!", "dry_run": true},
		"fetch_threat_file":                  {"threat_id": threats[0].ID, "password": "Audit-Zip-Pass-1!"},
		"download_from_cloud":                {"threat_id": threats[0].ID},
	}
}
