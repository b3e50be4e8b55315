package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
)

// TestErrorTextsPointAtTheFix: an unknown operation lists the closest names, a near-miss
// parameter names the real one, and neither reaches SentinelOne.
func TestErrorTextsPointAtTheFix(t *testing.T) {
	a, ts := upstreamServer(t, app.Options{})
	url := ts.URL + "/api/integration/execute/"
	cases := []struct {
		name, op string
		params   map[string]any
		status   int
		want     string
	}{
		{"unknown operation", "get_agent", nil, http.StatusNotFound,
			`connector sentinelone 1.1.0 has no operation "get_agent"; closest: get_agents, get_agent_count`},
		{"unrelated operation", "xyzzy", nil, http.StatusNotFound,
			`has no operation "xyzzy"; the operations are abort_agent_scan, `},
		{"filter suffix", "get_agents", map[string]any{"computerName": "FIN"}, http.StatusBadRequest,
			`computerName: unknown parameter (did you mean "computerName__like"?)`},
		{"two filter suffixes", "get_agent_count", map[string]any{"totalMemoryGB": 8}, http.StatusBadRequest,
			`totalMemoryGB: unknown parameter (did you mean one of "totalMemoryGB__gt", "totalMemoryGB__lt"?)`},
		{"misspelling", "get_agents", map[string]any{"limt": 3}, http.StatusBadRequest,
			`limt: unknown parameter (did you mean "limit"?)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a.Sim.Sim.ResetRequests()
			resp, env := do(t, http.MethodPost, url, "application/json", execBody(tc.op, tc.params))
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Contains(t, env.Message, executePrefix)
			assert.Contains(t, env.Message, tc.want)
			assert.Empty(t, a.Sim.Sim.Requests())
		})
	}
}
