package connector_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// streaming builds a connector whose get_agents streams with each.
func streaming(t *testing.T, each func(ctx context.Context, yield func(json.RawMessage) error) error, opts ...connector.Option) *connector.Connector {
	t.Helper()
	return streamingWith(t, func() *connector.ItemStream { return connector.NewItemStream(each) }, opts...)
}

// streamingWith builds a connector whose every operation answers the stream stream builds.
func streamingWith(t *testing.T, stream func() *connector.ItemStream, opts ...connector.Option) *connector.Connector {
	t.Helper()
	m := loadReal(t)
	reg := connector.NewRegistry()
	for _, op := range m.Operations {
		require.NoError(t, reg.Register(op.Name, connector.HandlerFunc(func(context.Context, *connector.Call) (any, error) {
			return stream(), nil
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
		sink := &recorder{}
		data, streamed, err := conn.ExecuteTo(context.Background(), listAgents, sink)
		require.NoError(t, err)
		assert.True(t, streamed)
		assert.Nil(t, data)
		assert.Equal(t, []string{"open:", `{"id":"1"}`, `{"id":"2"}`}, sink.got)
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

// recorder is a Sink that records what it receives.
type recorder struct{ got []string }

func (r *recorder) Open(field string) error { r.got = append(r.got, "open:"+field); return nil }

func (r *recorder) Item(item json.RawMessage) error { r.got = append(r.got, string(item)); return nil }

// objectStreaming builds a connector whose get_agents answers an object stream: the items
// under "data", then rest's members.
func objectStreaming(t *testing.T, items []string, rest func() (any, error)) *connector.Connector {
	t.Helper()
	return streamingWith(t, func() *connector.ItemStream {
		return connector.NewObjectStream("data", func(_ context.Context, yield func(json.RawMessage) error) error {
			for _, it := range items {
				if err := yield(json.RawMessage(it)); err != nil {
					return err
				}
			}
			return nil
		}, rest)
	})
}

// TestObjectStreams: an object answer whose list is streamed is the same object Execute
// collects, its other members read only once the list has ended.
func TestObjectStreams(t *testing.T) {
	type tail struct {
		Checkpoint string `json:"checkpoint"`
		Count      int    `json:"count"`
	}
	t.Run("the list member comes first, then the members known at its end", func(t *testing.T) {
		produced := 0
		conn := objectStreaming(t, []string{`{"id":"1"}`, `{"id":"2"}`}, func() (any, error) {
			produced++
			return tail{Checkpoint: "cp", Count: 2}, nil
		})
		sink := &recorder{}
		data, streamed, err := conn.ExecuteTo(context.Background(), listAgents, sink)
		require.NoError(t, err)
		assert.True(t, streamed)
		assert.Equal(t, []string{"open:data", `{"id":"1"}`, `{"id":"2"}`}, sink.got)
		assert.JSONEq(t, `{"checkpoint":"cp","count":2}`, string(data.(json.RawMessage)))
		all, err := conn.Execute(context.Background(), listAgents)
		require.NoError(t, err)
		assert.Equal(t, `{"data":[{"id":"1"},{"id":"2"}],"checkpoint":"cp","count":2}`, string(all.(json.RawMessage)))
		assert.Equal(t, 2, produced)
	})
	t.Run("an empty list and no other members", func(t *testing.T) {
		conn := objectStreaming(t, nil, func() (any, error) { return struct{}{}, nil })
		all, err := conn.Execute(context.Background(), listAgents)
		require.NoError(t, err)
		assert.Equal(t, `{"data":[]}`, string(all.(json.RawMessage)))
	})
	t.Run("a failure at the end fails the call", func(t *testing.T) {
		conn := objectStreaming(t, []string{`{"id":"1"}`}, func() (any, error) { return nil, errors.New("record the stream: disk full") })
		_, err := conn.Execute(context.Background(), listAgents)
		require.ErrorContains(t, err, "disk full")
	})
	t.Run("members that are not an object are refused", func(t *testing.T) {
		conn := objectStreaming(t, nil, func() (any, error) { return []int{1}, nil })
		_, err := conn.Execute(context.Background(), listAgents)
		require.ErrorContains(t, err, "not a JSON object")
	})
}

// TestMapErrors: a stream's errors, from its list or from its other members, pass through
// the mapping; a stream that ends well is untouched.
func TestMapErrors(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("explained: %w", err) }
	failing := connector.NewItemStream(func(context.Context, func(json.RawMessage) error) error { return errors.New("page 2") })
	conn := streamingWith(t, func() *connector.ItemStream { return failing.MapErrors(wrap) })
	_, err := conn.Execute(context.Background(), listAgents)
	require.EqualError(t, err, "explained: page 2")

	tail := connector.NewObjectStream("data", func(context.Context, func(json.RawMessage) error) error { return nil },
		func() (any, error) { return nil, errors.New("record") })
	conn = streamingWith(t, func() *connector.ItemStream { return tail.MapErrors(wrap) })
	_, err = conn.Execute(context.Background(), listAgents)
	require.EqualError(t, err, "explained: record")

	fine := connector.NewObjectStream("data", func(_ context.Context, yield func(json.RawMessage) error) error {
		return yield(json.RawMessage(`1`))
	}, func() (any, error) { return map[string]int{"n": 1}, nil })
	conn = streamingWith(t, func() *connector.ItemStream { return fine.MapErrors(wrap) })
	all, err := conn.Execute(context.Background(), listAgents)
	require.NoError(t, err)
	assert.Equal(t, `{"data":[1],"n":1}`, string(all.(json.RawMessage)))
}
