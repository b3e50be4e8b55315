package connector_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// inlineConnector registers a handler for every operation that records the call.
func inlineConnector(t *testing.T, check connector.ValuesCheck) (*connector.Connector, *[]*connector.Call) {
	t.Helper()
	m := loadReal(t)
	reg := connector.NewRegistry()
	var calls []*connector.Call
	for _, op := range m.Operations {
		require.NoError(t, reg.Register(op.Name, connector.HandlerFunc(func(_ context.Context, c *connector.Call) (any, error) {
			calls = append(calls, c)
			return map[string]any{"count": 1}, nil
		})))
	}
	c, err := connector.New(m, reg, connector.NewStaticConfigs(), connector.WithValuesCheck(check))
	require.NoError(t, err)
	return c, &calls
}

func TestExecuteInline(t *testing.T) {
	c, calls := inlineConnector(t, nil)
	_, err := c.Execute(context.Background(), connector.ExecuteRequest{Connector: "sentinelone", Operation: "get_agent_count",
		Inline: map[string]any{"host_name": "console.example.net", "api_token": "t0k", "verify_ssl": "false"}})
	require.NoError(t, err)
	require.Len(t, *calls, 1)
	cfg := (*calls)[0].Config
	assert.True(t, cfg.Inline)
	assert.Equal(t, connector.InlineConfigName, cfg.Name)
	assert.Empty(t, cfg.ID)
	assert.Equal(t, false, cfg.Values["verify_ssl"], "values are coerced as a stored configuration's")
	assert.Equal(t, "2.1", cfg.Values["api_version"], "defaults apply")
}

func TestInlineValuesCheckedOnce(t *testing.T) {
	refuse := errors.New("host_name: not a console")
	c, calls := inlineConnector(t, func(map[string]any) error { return refuse })
	values := map[string]any{"host_name": "console.example.net", "api_token": "t0k"}
	_, err := c.Execute(context.Background(), connector.ExecuteRequest{Connector: "sentinelone", Operation: "get_agent_count", Inline: values})
	require.Error(t, err)
	assert.Equal(t, connector.KindInvalid, connector.KindOf(err))
	assert.Equal(t, "invalid configuration: host_name: not a console", err.Error())
	assert.Empty(t, *calls)

	_, want := loadReal(t).CheckConfigValues(values, func(map[string]any) error { return refuse })
	assert.Equal(t, want.Error(), err.Error(), "the same function validates stored and inline values")

	h := c.CheckHealthInline(context.Background(), values)
	assert.Equal(t, connector.StatusDisconnected, h.Status)
	assert.Equal(t, err.Error(), h.Message)
	_, err = c.ForgetInline(values)
	assert.Equal(t, connector.KindInvalid, connector.KindOf(err))
}
