package connector_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

func TestValidateParamsCoercion(t *testing.T) {
	m := loadReal(t)
	tests := []struct {
		name string
		op   string
		give map[string]any
		want connector.Params
	}{
		{"integers as strings, blanks unset, defaults", "get_agents",
			map[string]any{"limit": "10", "skip": " 2 ", "computerName__like": "", "ids": nil},
			connector.Params{"limit": int64(10), "skip": int64(2), "isActive": "Any", "infected": "Any", "isDecommissioned": "Any", "includeDecommissioned": false}},
		{"json numbers", "get_agents",
			map[string]any{"limit": json.Number("5"), "totalMemoryGB__gt": json.Number("7.5"), "coreCount__lt": 4.0},
			connector.Params{"limit": int64(5), "totalMemoryGB__gt": 7.5, "coreCount__lt": int64(4), "isActive": "Any", "infected": "Any", "isDecommissioned": "Any", "includeDecommissioned": false}},
		{"booleans as strings, select case, multiselect csv", "get_agent_count",
			map[string]any{"includeDecommissioned": "TRUE", "isActive": "True", "infected": false, "osTypes": "windows, linux", "networkStatuses": []any{"connected"}},
			connector.Params{"includeDecommissioned": true, "isActive": "true", "infected": "false", "isDecommissioned": "Any", "osTypes": []string{"windows", "linux"}, "networkStatuses": []string{"connected"}}},
		{"number for a text param", "get_threat_details",
			map[string]any{"threat_id": json.Number("1418295327049126913")},
			connector.Params{"threat_id": "1418295327049126913"}},
		{"empty multiselect is unset", "get_agent_count",
			map[string]any{"osTypes": []any{}, "networkStatuses": ""},
			connector.Params{"includeDecommissioned": false, "isActive": "Any", "infected": "Any", "isDecommissioned": "Any"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.Operation(tt.op).ValidateParams(tt.give)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestValidateParamsRejects(t *testing.T) {
	m := loadReal(t)
	tests := []struct {
		name     string
		op       string
		give     map[string]any
		wantErrs []string
	}{
		{"missing required", "get_hash_details", map[string]any{}, []string{"hash: is required"}},
		{"required given blank", "get_hash_details", map[string]any{"hash": "  "}, []string{"hash: is required"}},
		{"fraction for integer", "get_agents", map[string]any{"limit": "2.5"}, []string{`limit: must be a whole number written in decimal digits, got "2.5"`}},
		{"text for integer", "get_agents", map[string]any{"skip": "ten"}, []string{"skip: must be a whole number"}},
		{"below minimum", "get_agents", map[string]any{"limit": 0}, []string{"limit:", ">= 1"}},
		{"negative memory", "get_agents", map[string]any{"totalMemoryGB__lt": "-1"}, []string{"totalMemoryGB__lt:", ">= 0"}},
		{"bad boolean", "get_agents", map[string]any{"includeDecommissioned": "yes"}, []string{`includeDecommissioned: must be true or false, got "yes"`}},
		{"not an option", "agent_action", map[string]any{"action": "Reboot Agent"}, []string{`action: must be one of "Isolate Agent Network"`}},
		{"bad multiselect item", "get_agent_count", map[string]any{"osTypes": "windows,solaris"}, []string{`osTypes: must be one of "windows", "macos", "linux", got "solaris"`}},
		{"pattern with patternError", "get_hash_details", map[string]any{"hash": "abc"}, []string{"hash: does not match the rule: Only SHA-1 hashes are supported"}},
		{"unknown param with suggestion", "get_agents", map[string]any{"excludeids": "1"}, []string{`excludeids: unknown parameter (did you mean "excludeIds"?)`}},
		{"object for text", "get_agents", map[string]any{"computerName__like": map[string]any{"a": 1}}, []string{"computerName__like: must be text, got an object"}},
		{"message too long", "broadcast_message_to_agent", map[string]any{"message": strings.Repeat("a", 141)}, []string{"message:", "140"}},
		{"invalid UTF-8 text", "get_agents", map[string]any{"computerName__like": "FIN\xff"}, []string{"computerName__like: is not valid UTF-8"}},
		{"invalid UTF-8 list item", "get_agents", map[string]any{"agentVersions": "23.4\xc3"}, []string{"agentVersions: is not valid UTF-8"}},
		{"blank multiselect item", "get_agent_count", map[string]any{"osTypes": "windows,,linux"}, []string{"osTypes: item 2 is blank"}},
		{"decimal NaN from Go", "get_agents", map[string]any{"totalMemoryGB__lt": math.NaN()}, []string{"totalMemoryGB__lt: must be a finite number"}},
		{"text default bound", "get_agents", map[string]any{"computerName__like": strings.Repeat("a", 300)}, []string{"computerName__like:", "255"}},
		{"every problem at once", "get_agents", map[string]any{"limit": "0", "isActive": "maybe", "idz": "1"},
			[]string{"limit:", `isActive: must be one of "Any", "true", "false", got "maybe"`, "idz: unknown parameter"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Operation(tt.op).ValidateParams(tt.give)
			require.Error(t, err)
			assert.Equal(t, connector.KindInvalid, connector.KindOf(err))
			for _, want := range tt.wantErrs {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestValidateConfig(t *testing.T) {
	m := loadReal(t)
	got, err := m.ValidateConfig(map[string]any{"host_name": "https://console.example.net", "username": "u", "password": "p", "verify_ssl": "false"})
	require.NoError(t, err)
	assert.Equal(t, false, got["verify_ssl"])
	assert.Equal(t, "2.1", got["api_version"])
	_, err = m.ValidateConfig(map[string]any{"host_name": "http://console.example.net/path", "api_version": "3.0"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "host_name: does not match the rule")
	assert.Contains(t, err.Error(), `api_version: must be one of "2.1", "2.0", got "3.0"`)
}

func TestRegistry(t *testing.T) {
	reg := connector.NewRegistry()
	h := connector.HandlerFunc(func(context.Context, *connector.Call) (any, error) { return nil, nil })
	require.NoError(t, reg.Register("b", h))
	require.NoError(t, reg.Register("a", h))
	assert.ErrorContains(t, reg.Register("a", h), "already registered")
	assert.ErrorContains(t, reg.Register("", h), "empty operation name")
	assert.ErrorContains(t, reg.Register("c", nil), "nil handler")
	assert.Equal(t, []string{"a", "b"}, reg.Names())
	_, err := reg.Lookup("zzz")
	assert.True(t, errors.Is(err, connector.ErrUnknownOperation))
}

func TestNewCrossChecksRegistryAndManifest(t *testing.T) {
	m := loadReal(t)
	h := connector.HandlerFunc(func(context.Context, *connector.Call) (any, error) { return nil, nil })
	reg := connector.NewRegistry()
	for _, o := range m.Operations[1:] {
		require.NoError(t, reg.Register(o.Name, h))
	}
	require.NoError(t, reg.Register("reboot_agent", h))
	_, err := connector.New(m, reg, connector.NewStaticConfigs())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `manifest operations without a handler: ["get_agents"]`)
	assert.Contains(t, err.Error(), `handlers without a manifest operation: ["reboot_agent"]`)
}
