package connector_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// streaming builds a connector whose get_agents streams with each.
func streaming(t *testing.T, each func(ctx context.Context, yield func(json.RawMessage) error) error, opts ...connector.Option) *connector.Connector {
	t.Helper()
	m := loadReal(t)
	reg := connector.NewRegistry()
	for _, op := range m.Operations {
		require.NoError(t, reg.Register(op.Name, connector.HandlerFunc(func(context.Context, *connector.Call) (any, error) {
			return connector.NewItemStream(each), nil
		})))
	}
	cfg := &connector.Config{ID: "c1", Name: "c1", Default: true, Values: map[string]any{}}
	conn, err := connector.New(m, reg, connector.NewStaticConfigs(cfg), opts...)
	require.NoError(t, err)
	return conn
}

var listAgents = connector.ExecuteRequest{Connector: "sentinelone", Operation: "get_agents"}

// TestStreamsRunInsideExecute: a streamed list is produced within Execute's own deadline and
// panic recovery, never after it returned.
func TestStreamsRunInsideExecute(t *testing.T) {
	t.Run("items reach emit in order and Execute collects them", func(t *testing.T) {
		conn := streaming(t, func(_ context.Context, yield func(json.RawMessage) error) error {
			for _, it := range []string{`{"id":"1"}`, `{"id":"2"}`} {
				if err := yield(json.RawMessage(it)); err != nil {
					return err
				}
			}
			return nil
		})
		var got []string
		data, streamed, err := conn.ExecuteTo(context.Background(), listAgents, func(item json.RawMessage) error {
			got = append(got, string(item))
			return nil
		})
		require.NoError(t, err)
		assert.True(t, streamed)
		assert.Nil(t, data)
		assert.Equal(t, []string{`{"id":"1"}`, `{"id":"2"}`}, got)
		all, err := conn.Execute(context.Background(), listAgents)
		require.NoError(t, err)
		assert.Equal(t, []json.RawMessage{json.RawMessage(`{"id":"1"}`), json.RawMessage(`{"id":"2"}`)}, all)
	})
	t.Run("a panic mid-list is recovered as an internal error", func(t *testing.T) {
		conn := streaming(t, func(_ context.Context, yield func(json.RawMessage) error) error {
			_ = yield(json.RawMessage(`{"id":"1"}`))
			panic("page decoder bug")
		})
		_, err := conn.Execute(context.Background(), listAgents)
		require.Error(t, err)
		assert.Equal(t, connector.KindInternal, connector.KindOf(err))
	})
	t.Run("the list is bounded by the execute deadline", func(t *testing.T) {
		conn := streaming(t, func(ctx context.Context, yield func(json.RawMessage) error) error {
			_ = yield(json.RawMessage(`{"id":"1"}`))
			<-ctx.Done() // a page that never comes
			return ctx.Err()
		}, connector.WithExecuteTimeout(50*time.Millisecond))
		start := time.Now()
		_, err := conn.Execute(context.Background(), listAgents)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `operation "get_agents" did not finish within 50ms`)
		assert.Less(t, time.Since(start), 5*time.Second)
	})
}
