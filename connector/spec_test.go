package connector_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

func nop(context.Context, *connector.Call) (any, error) { return map[string]any{}, nil }

// registryWith registers a no-op handler for every manifest operation, with spec for one.
func registryWith(t *testing.T, m *connector.Manifest, s connector.Spec) *connector.Registry {
	t.Helper()
	reg := connector.NewRegistry()
	for _, op := range m.Operations {
		if op.Name == s.Name {
			s.Handler = connector.HandlerFunc(nop)
			require.NoError(t, reg.Add(s))
			continue
		}
		require.NoError(t, reg.Register(op.Name, connector.HandlerFunc(nop)))
	}
	return reg
}

func TestSpecsAreHeldToTheManifest(t *testing.T) {
	m := loadReal(t)
	actions := []string{"Isolate Agent Network", "Decommission Agent", "Uninstall Agent", "Shutdown Agent"}
	tests := []struct {
		name string
		spec connector.Spec
		want string
	}{
		{"undeclared narrowing param", connector.Spec{Name: "agent_action", Destructive: true, Narrowing: []string{"ids", "computerName"}},
			`agent_action: narrowing param "computerName" is not in the manifest`},
		{"destructive without narrowing", connector.Spec{Name: "reconnect_agent_network", Destructive: true},
			"reconnect_agent_network: a destructive operation names no narrowing params"},
		{"labels missing an option", connector.Spec{Name: "agent_action", Destructive: true, Narrowing: []string{"ids"},
			Labels: map[string][]string{"action": actions[:3]}}, `agent_action: param "action" maps the labels`},
		{"label not an option", connector.Spec{Name: "agent_action", Destructive: true, Narrowing: []string{"ids"},
			Labels: map[string][]string{"action": append(actions, "Reboot Agent")}}, `"Reboot Agent"`},
		{"labels on a text param", connector.Spec{Name: "agent_action", Destructive: true, Narrowing: []string{"ids"},
			Labels: map[string][]string{"ids": {"x"}}}, `labelled param "ids" is a text, not a select`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := connector.New(m, registryWith(t, m, tt.spec), connector.NewStaticConfigs())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	good := connector.Spec{Name: "agent_action", Destructive: true, Narrowing: []string{"ids", "groupIds"},
		Labels: map[string][]string{"action": actions}}
	reg := registryWith(t, m, good)
	_, err := connector.New(m, reg, connector.NewStaticConfigs())
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"agent_action": {"ids", "groupIds"}}, reg.Destructive())
}

// TestArgsRefuseUndeclaredNames: a handler reading a param its operation does not declare
// fails loudly (Execute answers an internal error) instead of reading a silent zero.
func TestArgsRefuseUndeclaredNames(t *testing.T) {
	m := loadReal(t)
	reg := connector.NewRegistry()
	for _, op := range m.Operations {
		h := connector.HandlerFunc(nop)
		if op.Name == "get_agents" {
			h = func(_ context.Context, call *connector.Call) (any, error) {
				a := call.Args()
				assert.True(t, a.Declares("computerName__like"))
				assert.False(t, a.Declares("computerName"))
				return map[string]any{"like": a.String("computerName__like"), "typo": a.String("computerName")}, nil
			}
		}
		require.NoError(t, reg.Register(op.Name, h))
	}
	cfg := &connector.Config{ID: "c1", Name: "c", Default: true, Values: map[string]any{}}
	conn, err := connector.New(m, reg, connector.NewStaticConfigs(cfg))
	require.NoError(t, err)
	_, err = conn.Execute(context.Background(), connector.ExecuteRequest{Connector: "sentinelone", Operation: "get_agents",
		Params: map[string]any{"computerName__like": "FIN"}})
	require.Error(t, err)
	assert.Equal(t, connector.KindInternal, connector.KindOf(err))
}
