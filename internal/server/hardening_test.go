package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
)

const testToken = "test-token-0123456789abcdef"

// TestEveryRouteRequiresTheToken walks the router: every route but /healthz answers 401
// without the token and with a wrong one, before any handler or SentinelOne call.
func TestEveryRouteRequiresTheToken(t *testing.T) {
	opts := app.Options{Server: server.Options{APIToken: testToken}, DataDir: t.TempDir()}
	a, ts := devServer(t, opts)
	routes := a.Server.Echo().Routes()
	require.GreaterOrEqual(t, len(routes), 15)
	for _, r := range routes {
		if r.Path == "/healthz" {
			continue
		}
		path := strings.NewReplacer(":name", "sentinelone", ":version", "1.0.0", ":id", "00000000-0000-4000-8000-000000000009").Replace(r.Path)
		for _, header := range []string{"", "Bearer wrong-token-0123456789", "Basic " + testToken, testToken} {
			t.Run(r.Method+" "+path+" "+header, func(t *testing.T) {
				a.Sim.Sim.ResetRequests()
				req, err := http.NewRequest(r.Method, ts.URL+path, strings.NewReader(`{"connector":"sentinelone","operation":"get_agent_count"}`))
				require.NoError(t, err)
				req.Header.Set("Content-Type", "application/json")
				if header != "" {
					req.Header.Set("Authorization", header)
				}
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
				assert.Equal(t, `Bearer realm="sentinelone-connector"`, resp.Header.Get("WWW-Authenticate"))
				var env envelope
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
				assert.Equal(t, "failed", env.Status)
				assert.Contains(t, env.Message, "authentication")
				assert.NotContains(t, env.Message, testToken)
				assert.Empty(t, a.Sim.Sim.Requests())
			})
		}
	}
	resp, err := http.Get(ts.URL + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	req, _ := http.NewRequest("GET", ts.URL+"/api/integration/connectors/", nil)
	req.Header.Set("Authorization", "bearer  "+testToken)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the scheme is case-insensitive")
}

// TestExecuteCap: beyond the cap an execute is answered 503 with Retry-After at once.
func TestExecuteCap(t *testing.T) {
	a, ts := devServer(t, app.Options{Server: server.Options{MaxConcurrentExecutes: 2}})
	do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agent_count", map[string]any{})) // warm token
	a.Sim.Sim.ResetRequests()
	a.Sim.Sim.SetFaults(s1sim.Faults{Latency: 2 * time.Second}) // long enough that the third call comes while both are in flight, even on a loaded machine
	var wg sync.WaitGroup
	codes := make(chan int, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agent_count", map[string]any{}))
			codes <- resp.StatusCode
		}()
	}
	require.Eventually(t, func() bool { return inFlight(t, a) == 2 }, 5*time.Second, 5*time.Millisecond)
	resp, env := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agent_count", map[string]any{}))
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Contains(t, env.Message, "too many executes in flight (limit 2)")
	wg.Wait()
	close(codes)
	for c := range codes {
		assert.Equal(t, http.StatusOK, c)
	}
	a.Sim.Sim.SetFaults(s1sim.Faults{})
	resp, _ = do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agent_count", map[string]any{}))
	assert.Equal(t, http.StatusOK, resp.StatusCode, "slots are released")
}

func TestMetrics(t *testing.T) {
	_, ts := devServer(t, app.Options{})
	do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agent_count", map[string]any{}))
	do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_hash_details", map[string]any{"hash": "x"}))
	resp, err := http.Get(ts.URL + "/metrics")
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(raw)
	for _, want := range []string{
		`connector_executes_total{code="200",operation="get_agent_count",status="Success"} 1`,
		`connector_executes_total{code="400",operation="get_hash_details",status="failed"} 1`,
		`connector_execute_duration_seconds_count{operation="get_agent_count"} 1`,
		`connector_executes_in_flight 0`,
		`sentinelone_requests_total{endpoint="/agents/count",method="GET",status="200"} 1`,
		`sentinelone_requests_total{endpoint="/users/login",method="POST",status="200"} 1`,
		`sentinelone_logins_total{result="ok"} 1`,
		`go_goroutines`,
	} {
		assert.Contains(t, body, want)
	}
}

// letters yields n items {"id":"a"}, {"id":"b"}, … and then returns fail.
func letters(n int, fail error) func(ctx context.Context, yield func(json.RawMessage) error) error {
	return func(ctx context.Context, yield func(json.RawMessage) error) error {
		for i := range n {
			if err := yield(json.RawMessage(`{"id":"` + string(rune('a'+i)) + `"}`)); err != nil {
				return err
			}
		}
		return fail
	}
}

// streamServer serves a connector whose every operation answers the stream stream builds.
func streamServer(t *testing.T, stream func() *connector.ItemStream) *httptest.Server {
	m, err := app.LoadManifest(nil)
	require.NoError(t, err)
	reg := connector.NewRegistry()
	for _, o := range m.Operations {
		require.NoError(t, reg.Register(o.Name, connector.HandlerFunc(func(context.Context, *connector.Call) (any, error) {
			return stream(), nil
		})))
	}
	conn, err := connector.New(m, reg, connector.NewStaticConfigs(&connector.Config{ID: "c1", Name: "c1", Default: true}))
	require.NoError(t, err)
	ts := httptest.NewServer(server.New(conn, server.Options{}).Handler())
	t.Cleanup(ts.Close)
	return ts
}

// streamingServer serves a connector whose get_agents streams the given items and error.
func streamingServer(t *testing.T, items int, failAfter error) *httptest.Server {
	return streamServer(t, func() *connector.ItemStream { return connector.NewItemStream(letters(items, failAfter)) })
}

// requireAborted posts an execute and requires a broken answer: the caller must never read a
// truncated one as complete.
func requireAborted(t *testing.T, ts *httptest.Server, absent string) {
	t.Helper()
	resp, err := http.Post(ts.URL+"/api/integration/execute/", "application/json", strings.NewReader(string(execBody("get_agents", map[string]any{}))))
	if err != nil {
		return // aborted before the status line left the buffer: the caller sees a failed request
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.Error(t, err, "the caller must see a broken response, got %s", raw)
	assert.False(t, json.Valid(raw))
	assert.NotContains(t, string(raw), absent)
}

func TestStreamedLists(t *testing.T) {
	t.Run("whole list", func(t *testing.T) {
		ts := streamingServer(t, 3, nil)
		resp, env := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agents", map[string]any{}))
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "Success", env.Status)
		assert.JSONEq(t, `[{"id":"a"},{"id":"b"},{"id":"c"}]`, string(env.Data))
	})
	t.Run("empty list", func(t *testing.T) {
		ts := streamingServer(t, 0, nil)
		_, env := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agents", map[string]any{}))
		assert.JSONEq(t, `[]`, string(env.Data))
	})
	t.Run("failure before the first item is a failure envelope", func(t *testing.T) {
		ts := streamingServer(t, 0, errors.New("SentinelOne refused the credentials"))
		resp, env := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agents", map[string]any{}))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Contains(t, env.Message, "SentinelOne refused the credentials")
	})
	t.Run("failure mid-list aborts the response", func(t *testing.T) {
		requireAborted(t, streamingServer(t, 2, errors.New("page 2 failed")), "Success")
	})
}

// objectStreamServer serves a connector whose get_agents answers an object stream of items
// under "data", then a checkpoint, or fails at the end with failAtEnd.
func objectStreamServer(t *testing.T, items int, failAtEnd error) *httptest.Server {
	return streamServer(t, func() *connector.ItemStream {
		return connector.NewObjectStream("data", letters(items, nil), func() (any, error) {
			if failAtEnd != nil {
				return nil, failAtEnd
			}
			return map[string]any{"checkpoint": "cp-1", "has_more": false}, nil
		})
	})
}

// TestStreamedObjects: an object answer whose list is streamed reads as the same envelope
// as one written whole, and a failure once items are out never reads as success.
func TestStreamedObjects(t *testing.T) {
	t.Run("items, then the members known at the end", func(t *testing.T) {
		ts := objectStreamServer(t, 2, nil)
		resp, env := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agents", map[string]any{}))
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "Success", env.Status)
		assert.JSONEq(t, `{"data":[{"id":"a"},{"id":"b"}],"checkpoint":"cp-1","has_more":false}`, string(env.Data))
	})
	t.Run("no items", func(t *testing.T) {
		ts := objectStreamServer(t, 0, nil)
		_, env := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agents", map[string]any{}))
		assert.JSONEq(t, `{"data":[],"checkpoint":"cp-1","has_more":false}`, string(env.Data))
	})
	t.Run("a failure at the end with no item out is a failure envelope", func(t *testing.T) {
		ts := objectStreamServer(t, 0, errors.New("record stream: disk full"))
		resp, env := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", execBody("get_agents", map[string]any{}))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Contains(t, env.Message, "disk full")
	})
	t.Run("a failure at the end after items aborts the response", func(t *testing.T) {
		requireAborted(t, objectStreamServer(t, 2, errors.New("record stream: disk full")), "cp-1")
	})
}

// inFlight reads the connector_executes_in_flight gauge.
func inFlight(t *testing.T, a *app.App) float64 {
	families, err := a.Metrics.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == "connector_executes_in_flight" {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no connector_executes_in_flight gauge")
	return 0
}
