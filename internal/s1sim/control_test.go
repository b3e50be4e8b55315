package s1sim

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestControlFaults(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.do(http.MethodPut, "/_sim/faults", `{"failNext":1,"failStatus":503,"latency":"5ms"}`, "-")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, Faults{FailNext: 1, FailStatus: 503, Latency: 5 * time.Millisecond}, e.sim.Faults())

	r = e.do(http.MethodGet, "/_sim/faults", nil, "-")
	require.Equal(t, http.StatusOK, r.status)
	var got map[string]any
	r.json(t, &got)
	assert.Equal(t, "5ms", got["latency"])
	assert.Equal(t, float64(1), got["failNext"])

	requireError(t, e.get(infoPath, nil), http.StatusServiceUnavailable, 5030010)
	assert.Equal(t, http.StatusOK, e.get(infoPath, nil).status)

	requireError(t, e.do(http.MethodPut, "/_sim/faults", `{"latency":"soon"}`, "-"), http.StatusBadRequest, 4000010)
	requireError(t, e.do(http.MethodGet, "/_sim/nothing", nil, "-"), http.StatusNotFound, 4040010)
}

func TestControlTokensRequestsReset(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.login(v21, AdminUser, AdminPassword)
	r := e.do(http.MethodPost, "/_sim/expire-tokens", nil, "-")
	require.Equal(t, http.StatusNoContent, r.status)
	requireError(t, e.do(http.MethodGet, infoPath, nil, "Token "+tok), http.StatusUnauthorized, 4010010)

	e.sim.ResetRequests()
	e.post("/web/api/v2.1/agents/actions/disconnect", map[string]any{"filter": map[string]any{}})
	var reqs []map[string]string
	r = e.do(http.MethodGet, "/_sim/requests", nil, "-")
	require.Equal(t, http.StatusOK, r.status)
	r.json(t, &reqs)
	require.Len(t, reqs, 1, "control calls are not logged")
	assert.Equal(t, map[string]string{
		"method": "POST", "path": "/web/api/v2.1/agents/actions/disconnect", "query": "",
		"body": `{"filter":{}}`, "auth": "ApiToken",
	}, reqs[0])
	for _, a := range e.sim.Agents() {
		require.Equal(t, "disconnected", a.NetworkStatus)
	}

	require.Equal(t, http.StatusNoContent, e.do(http.MethodDelete, "/_sim/requests", nil, "-").status)
	assert.Empty(t, e.sim.Requests())

	require.Equal(t, http.StatusNoContent, e.do(http.MethodPost, "/_sim/reset", nil, "-").status)
	assert.Equal(t, New(Options{}).Agents(), e.sim.Agents(), "fresh fleet from the same seed")
}

func TestRequestLog(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.login(v21, AdminUser, AdminPassword)
	e.do(http.MethodPost, "/web/api/v2.0/users/login/by-api-token", map[string]any{"data": map[string]string{"apiToken": AdminAPIToken}}, "-")
	e.do(http.MethodGet, "/web/api/v2.1/agents?limit=5&osTypes=linux,macos", nil, "Token "+tok)
	e.do(http.MethodGet, "/web/api/v2.1/threats", nil, "")

	got := e.sim.Requests()
	require.Len(t, got, 4)
	assert.Equal(t, Request{Method: "POST", Path: "/web/api/v2.1/users/login",
		Body: []byte(`{"password":"REDACTED","username":"admin@s1sim.local"}`)}, got[0])
	assert.Equal(t, Request{Method: "POST", Path: "/web/api/v2.0/users/login/by-api-token",
		Body: []byte(`{"data":{"apiToken":"REDACTED"}}`)}, got[1])
	assert.Equal(t, Request{Method: "GET", Path: "/web/api/v2.1/agents", Query: "limit=5&osTypes=linux,macos", Auth: "Token"}, got[2])
	assert.Equal(t, Request{Method: "GET", Path: "/web/api/v2.1/threats", Auth: "ApiToken"}, got[3])

	// Returned slices are copies.
	got[0].Body[0] = 'X'
	assert.Equal(t, byte('{'), e.sim.Requests()[0].Body[0])
	for _, r := range e.sim.Requests() {
		assert.NotContains(t, string(r.Body), AdminPassword)
		assert.NotContains(t, string(r.Body), AdminAPIToken)
	}
}

// TestControlRefusesUnknownKeysAndBadValues: a refused control call names
// the offending key and changes nothing.
func TestControlRefusesUnknownKeysAndBadValues(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.login(v21, AdminUser, AdminPassword)
	before := Faults{Latency: time.Millisecond, RateLimitEvery: 3, ErrorStatus: 502}
	e.sim.SetFaults(before)
	// Two calls towards rateLimitEvery; a refused PUT must not restart the count.
	require.Equal(t, http.StatusOK, e.get(infoPath, nil).status)
	require.Equal(t, http.StatusOK, e.get(infoPath, nil).status)
	tests := []struct {
		name, method, path, body, wantInDetail string
	}{
		{"misspelled key", http.MethodPut, "/_sim/faults", `{"latncy":"1s"}`, `"latncy"`},
		{"known and unknown keys", http.MethodPut, "/_sim/faults", `{"failNext":1,"dropnext":2}`, `"dropnext"`},
		{"count as a string", http.MethodPut, "/_sim/faults", `{"failNext":"2"}`, "failNext"},
		{"fractional count", http.MethodPut, "/_sim/faults", `{"rateLimitEvery":1.5}`, "rateLimitEvery"},
		{"duration as a number", http.MethodPut, "/_sim/faults", `{"latency":250}`, "latency"},
		{"duration without unit", http.MethodPut, "/_sim/faults", `{"retryAfter":"3"}`, "retryAfter"},
		{"negative duration", http.MethodPut, "/_sim/faults", `{"tokenTTL":"-1s"}`, "tokenTTL"},
		{"rate above one", http.MethodPut, "/_sim/faults", `{"dropRate":2}`, "dropRate"},
		{"status not an error", http.MethodPut, "/_sim/faults", `{"errorStatus":302}`, "errorStatus"},
		{"down not a bool", http.MethodPut, "/_sim/faults", `{"down":"yes"}`, "down"},
		{"not an object", http.MethodPut, "/_sim/faults", `[1]`, "JSON object"},
		{"empty body", http.MethodPut, "/_sim/faults", ``, "JSON object"},
		{"trailing data", http.MethodPut, "/_sim/faults", `{} {}`, "one JSON object"},
		{"query on faults", http.MethodPut, "/_sim/faults?latency=1s", `{}`, `"latency"`},
		{"body key on reset", http.MethodPost, "/_sim/reset", `{"seed":2}`, `"seed"`},
		{"query on reset", http.MethodPost, "/_sim/reset?seed=2", ``, `"seed"`},
		{"body key on expire-tokens", http.MethodPost, "/_sim/expire-tokens", `{"all":true}`, `"all"`},
		{"query on requests", http.MethodDelete, "/_sim/requests?keep=1", ``, `"keep"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.body, "-")
			requireError(t, r, http.StatusBadRequest, 4000010)
			var body errorBody
			r.json(t, &body)
			require.NotNil(t, body.Errors[0].Detail)
			assert.Contains(t, *body.Errors[0].Detail, tt.wantInDetail)
		})
	}
	assert.Equal(t, before, e.sim.Faults(), "refused calls change no fault")
	requireError(t, e.get(infoPath, nil), http.StatusTooManyRequests, 4290010)
	require.Equal(t, http.StatusOK, e.do(http.MethodGet, infoPath, nil, "Token "+tok).status, "sessions survive")
	e.sim.SetFaults(Faults{})
	requireError(t, e.do(http.MethodPost, "/_sim/reset", `{"seed":2}`, "-"), http.StatusBadRequest, 4000010)
	assert.Equal(t, http.StatusNoContent, e.do(http.MethodPost, "/_sim/reset", `{}`, "-").status, "an empty object is no key")
}
