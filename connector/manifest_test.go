package connector_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	root "github.com/fortisoar-connectors/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/connector"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := root.Files.ReadFile(name)
	require.NoError(t, err)
	return b
}

func loadReal(t testing.TB) *connector.Manifest {
	t.Helper()
	m, err := connector.Load(readFile(t, root.ManifestPath), readFile(t, root.ManifestSchemaPath))
	require.NoError(t, err)
	return m
}

// mutate decodes the real info.json, applies f and re-encodes it.
func mutate(t *testing.T, f func(doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(readFile(t, root.ManifestPath), &doc))
	f(doc)
	out, err := json.Marshal(doc)
	require.NoError(t, err)
	return out
}

func op(doc map[string]any, i int) map[string]any {
	return doc["operations"].([]any)[i].(map[string]any)
}

func param(doc map[string]any, opIndex, paramIndex int) map[string]any {
	return op(doc, opIndex)["parameters"].([]any)[paramIndex].(map[string]any)
}

func TestLoadRealManifest(t *testing.T) {
	m := loadReal(t)
	assert.Equal(t, "sentinelone", m.Name)
	assert.Equal(t, "1.1.0", m.Version)
	assert.Equal(t, "Endpoint Security", m.Category)
	require.GreaterOrEqual(t, len(m.Operations), 17, "1.0.0's 17 operations and those added since")
	want := map[string]string{
		"get_agents": "list_agents", "agent_action": "isolate_agent", "reconnect_agent_network": "reconnect_agent",
		"commission_agent": "commission_agent", "get_agent_passphrase": "agent_passphrase",
		"get_application_installed_on_agent": "list_applications", "list_of_process_running_on_agent": "list_processes",
		"broadcast_message_to_agent": "broadcast_message", "initiate_agent_scan": "scan_agent",
		"abort_agent_scan": "abort_scan", "get_hash_details": "hash_details", "get_threat_details": "threat_details",
		"mitigate_threats": "mitigate_threats", "mark_threat_as_benign": "mark_threat_as_benign",
		"fetch_agent_logs": "fetch_logs", "get_agent_count": "agent_count", "list_all_threats": "list_threats",
	}
	for name, annotation := range want {
		o := m.Operation(name)
		require.NotNil(t, o, name)
		assert.Equal(t, annotation, o.Annotation, name)
		assert.True(t, o.Enabled, name)
		for _, p := range o.Parameters {
			assert.NotEmpty(t, p.Description, "%s.%s", name, p.Name)
			assert.NotEmpty(t, p.Tooltip, "%s.%s", name, p.Name)
		}
	}
	assert.Nil(t, m.Operation("get_agents").Param("osTypes"), "the seed's Get Agents has no OS Type")
	assert.NotNil(t, m.Operation("get_agent_count").Param("osTypes"))
	assert.True(t, m.IsSecret("password"))
	assert.True(t, m.IsSecret("api_token"))
	assert.False(t, m.IsSecret("username"))
}

func TestLoadRejectsBrokenManifests(t *testing.T) {
	real := loadReal(t)
	// Operations are found by name, so the cases hold however many operations the manifest
	// gains and wherever they are inserted.
	index := map[string]int{}
	for i, o := range real.Operations {
		index[o.Name] = i
	}
	agents, action, reconnect := index["get_agents"], index["agent_action"], index["reconnect_agent_network"]
	passphrase, hash := index["get_agent_passphrase"], index["get_hash_details"]
	agentParams := len(real.Operation("get_agents").Parameters)
	at := func(format string, args ...any) string { return fmt.Sprintf(format, args...) }
	tests := []struct {
		name        string
		give        func(doc map[string]any)
		wantPointer string
		wantMsg     string
	}{
		{"missing operation description", func(d map[string]any) { delete(op(d, reconnect), "description") }, at("/operations/%d", reconnect), "description"},
		{"empty param description", func(d map[string]any) { param(d, agents, 3)["description"] = "" }, at("/operations/%d/parameters/3/description", agents), ""},
		{"bad operation category", func(d map[string]any) { op(d, action)["category"] = "Containment" }, at("/operations/%d/category", action), ""},
		{"bad connector category", func(d map[string]any) { d["category"] = "Endpoints" }, "/category", ""},
		{"unknown param type", func(d map[string]any) { param(d, agents, 0)["type"] = "float" }, at("/operations/%d/parameters/0/type", agents), ""},
		{"duplicate operation", func(d map[string]any) {
			ops := d["operations"].([]any)
			d["operations"] = append(ops, ops[0])
		}, at("/operations/%d/operation", len(real.Operations)), `duplicate operation "get_agents"`},
		{"duplicate param", func(d map[string]any) {
			o := op(d, agents)
			ps := o["parameters"].([]any)
			o["parameters"] = append(ps, ps[0])
		}, at("/operations/%d/parameters/%d/name", agents, agentParams), "duplicate parameter"},
		{"bad version", func(d map[string]any) { d["version"] = "1.0" }, "/version", ""},
		{"select without options", func(d map[string]any) { delete(param(d, action, 0), "options") }, at("/operations/%d/parameters/0", action), "options"},
		{"default not an option", func(d map[string]any) { param(d, action, 0)["value"] = "Reboot Agent" }, at("/operations/%d/parameters/0/value", action), "not among the options"},
		{"unknown key", func(d map[string]any) { op(d, passphrase)["enabeld"] = true }, at("/operations/%d", passphrase), "enabeld"},
		{"bad pattern", func(d map[string]any) { param(d, hash, 0)["validation"] = map[string]any{"pattern": "([a-f"} }, at("/operations/%d/parameters/0/validation/pattern", hash), ""},
		{"help_online elsewhere", func(d map[string]any) { d["help_online"] = "https://example.com/help" }, "/help_online", ""},
		{"missing publisher", func(d map[string]any) { delete(d, "publisher") }, "", "publisher"},
		{"required default that is blank", func(d map[string]any) {
			p := param(d, agents, 14)
			p["required"], p["value"] = true, " "
		}, at("/operations/%d/parameters/14/value", agents), "a required parameter's default must not be blank"},
		{"integer default that is not a number", func(d map[string]any) { param(d, agents, 13)["value"] = "ten" }, at("/operations/%d/parameters/13/value", agents), `must be a whole number written in decimal digits, got "ten"`},
	}
	schema := readFile(t, root.ManifestSchemaPath)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := connector.Load(mutate(t, tt.give), schema)
			require.Error(t, err)
			var me *connector.ManifestError
			require.ErrorAs(t, err, &me)
			found := false
			for _, p := range me.Problems {
				if p.Pointer == tt.wantPointer {
					found = true
				}
			}
			assert.True(t, found, "no problem at %q in:\n%v", tt.wantPointer, err)
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

func TestLoadRejectsInvalidJSON(t *testing.T) {
	schema := readFile(t, root.ManifestSchemaPath)
	_, err := connector.Load([]byte(`{"name": "sentinelone",`), schema)
	require.ErrorContains(t, err, "not valid JSON")
	for _, tail := range []string{"}]}garbage", "}", "]", "{}"} {
		_, err = connector.Load(append(readFile(t, root.ManifestPath), tail...), schema)
		require.ErrorContains(t, err, "trailing data after the JSON value", "tail %q", tail)
	}
}

func TestOperationSchemaIsDerivedFromParams(t *testing.T) {
	m := loadReal(t)
	var s struct {
		Properties           map[string]map[string]any `json:"properties"`
		Required             []string                  `json:"required"`
		AdditionalProperties bool                      `json:"additionalProperties"`
	}
	require.NoError(t, json.Unmarshal(m.Operation("mitigate_threats").Schema(), &s))
	assert.Equal(t, []string{"action"}, s.Required)
	assert.False(t, s.AdditionalProperties)
	assert.Equal(t, []any{"Kill", "Quarantine", "Un-Quarantine", "Remediate", "Rollback-Remediation"}, s.Properties["action"]["enum"])
	assert.Equal(t, "integer", s.Properties["limit"]["type"])
	assert.EqualValues(t, 1, s.Properties["limit"]["minimum"])
	assert.NotEmpty(t, s.Properties["contentHash"]["pattern"])
}
