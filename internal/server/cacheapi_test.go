package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// Executes resolve through the configuration cache; every change made through the
// configuration API is seen by the next execute.
func TestConfigAPIChangesReachTheNextExecute(t *testing.T) {
	cs := newConfigServer(t)
	exec := func(ref string) (int, string) {
		status, raw := cs.call(t, http.MethodPost, "/api/integration/execute/", map[string]any{
			"connector": "sentinelone", "version": "1.0.0", "operation": "get_agent_count", "config": ref, "params": map[string]any{},
		})
		return status, string(raw)
	}
	seen := func() *connector.Config { return cs.seen.Load().(*connector.Config) }
	put := func(ref string, body map[string]any) {
		t.Helper()
		status, raw := cs.call(t, http.MethodPut, cfgPath+ref, body)
		require.Equal(t, http.StatusOK, status, "body: %s", raw)
	}

	a := cs.create(t, prodConfig("a"))
	for range 2 { // the second from the cache
		status, raw := exec("")
		require.Equal(t, http.StatusOK, status, raw)
		assert.Equal(t, "a", seen().Name)
	}

	put(a.ID, map[string]any{"config": map[string]any{"host_name": "eu.example.net"}})
	status, raw := exec("a")
	require.Equal(t, http.StatusOK, status, raw)
	assert.Equal(t, "eu.example.net", seen().Values["host_name"], "update")

	b := cs.create(t, map[string]any{"name": "b", "default": true, "config": prodConfig("")["config"]})
	status, raw = exec("")
	require.Equal(t, http.StatusOK, status, raw)
	assert.Equal(t, "b", seen().Name, "create taking the default")

	put("a", map[string]any{"default": true})
	status, raw = exec("")
	require.Equal(t, http.StatusOK, status, raw)
	assert.Equal(t, "a", seen().Name, "default moved")

	put("b", map[string]any{"active": false})
	status, raw = exec("b")
	assert.Equal(t, http.StatusForbidden, status, raw)
	assert.Contains(t, raw, "is deactivated")
	put("b", map[string]any{"active": true})
	status, raw = exec("b")
	require.Equal(t, http.StatusOK, status, raw)
	assert.Equal(t, "b", seen().Name, "activated again")

	put("b", map[string]any{"operations": map[string]any{"get_agent_count": false}})
	status, raw = exec("b")
	assert.Equal(t, http.StatusForbidden, status, raw)
	assert.Contains(t, raw, "is disabled for configuration")

	status, raw = func() (int, string) {
		st, body := cs.call(t, http.MethodDelete, cfgPath+b.ID, nil)
		return st, string(body)
	}()
	require.Equal(t, http.StatusOK, status, raw)
	status, raw = exec("b")
	assert.NotEqual(t, http.StatusOK, status, raw)
	assert.Contains(t, raw, "Could not find a connector configuration")
}
