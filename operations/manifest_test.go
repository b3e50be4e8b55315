package operations_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
)

// destructiveNames are the operations that change endpoints or threats.
var destructiveNames = []string{"agent_action", "reconnect_agent_network", "broadcast_message_to_agent", "initiate_agent_scan",
	"abort_agent_scan", "fetch_agent_logs", "mitigate_threats", "mark_threat_as_benign", "commission_agent",
	"update_analyst_verdict", "change_incident_status", "add_note_to_a_threat", "create_blacklist_item", "delete_blacklist_item",
	"create_exclusion", "delete_exclusion", "run_remote_script", "fetch_files_from_agent",
	"restart_agent", "enable_agent", "disable_agent", "move_agents_to_group", "move_agents_to_site"}

// TestManifestDocumentsEveryBound: info.json is where a value's range lives, so every number
// declares both bounds, every free text its length, every id list its item rule and size,
// and every destructive operation its dry_run and max_targets.
func TestManifestDocumentsEveryBound(t *testing.T) {
	m, err := app.LoadManifest(nil)
	require.NoError(t, err)
	check := func(where string, p *connector.Param) {
		v := p.Validation
		switch p.Type {
		case "integer", "decimal":
			if assert.NotNil(t, v, "%s %s: no validation", where, p.Name) {
				assert.NotNil(t, v.Minimum, "%s %s: no minimum", where, p.Name)
				assert.NotNil(t, v.Maximum, "%s %s: no maximum", where, p.Name)
			}
		case "text", "textarea":
			if v != nil && v.Separator != "" {
				assert.NotNil(t, v.MaxItems, "%s %s: a list without maxItems", where, p.Name)
				assert.NotEmpty(t, v.ItemPattern, "%s %s: a list without itemPattern", where, p.Name)
			} else if where != "configuration" {
				assert.True(t, v != nil && v.MaxLength != nil, "%s %s: text without maxLength", where, p.Name)
			}
		}
	}
	for _, op := range m.Operations {
		for _, p := range op.Parameters {
			check(op.Name, p)
		}
	}
	for _, f := range m.Configuration.Fields {
		check("configuration", f)
	}
	for _, name := range destructiveNames {
		op := m.Operation(name)
		require.NotNil(t, op, name)
		assert.NotNil(t, op.Param("dry_run"), "%s has no dry_run", name)
		assert.NotNil(t, op.Param("max_targets"), "%s has no max_targets", name)
	}
	assert.NotNil(t, m.ConfigField("max_targets"), "the configuration has no max_targets")
}
