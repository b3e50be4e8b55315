package s1sim

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// callAs sends GET path with an API token straight to the handler.
func callAs(sim *Simulator, token, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "ApiToken "+token)
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	return rec
}

func TestRateLimitPerTokenAndClass(t *testing.T) {
	sim := New(Options{RateLimits: map[string]float64{ClassAgents: 20}})
	clock := &fakeClock{now: fleetEpoch}
	sim.clock = clock.Now
	const count = "/web/api/v2.1/agents/count"

	for i := range 20 {
		require.Equal(t, http.StatusOK, callAs(sim, AdminAPIToken, count).Code, "request %d of the first second's budget", i+1)
	}
	rec := callAs(sim, AdminAPIToken, count)
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "1", rec.Header().Get("Retry-After"))
	assert.Contains(t, rec.Body.String(), `"code":4290010`)
	assert.Equal(t, http.StatusTooManyRequests, callAs(sim, AdminAPIToken, "/web/api/v2.0/agents").Code, "the whole /agents class, either version")
	assert.Equal(t, 2, sim.RateLimited())

	assert.Equal(t, http.StatusOK, callAs(sim, ViewerAPIToken, count).Code, "another token has its own budget")
	assert.Equal(t, http.StatusOK, callAs(sim, AdminAPIToken, infoPath).Code, "a class without a limit is not limited")
	assert.Equal(t, http.StatusOK, callAs(sim, AdminAPIToken, "/web/api/v2.1/threats").Code)

	clock.Advance(49 * time.Millisecond)
	assert.Equal(t, http.StatusTooManyRequests, callAs(sim, AdminAPIToken, count).Code, "refills at 20 a second")
	clock.Advance(time.Millisecond)
	assert.Equal(t, http.StatusOK, callAs(sim, AdminAPIToken, count).Code)
	assert.Equal(t, http.StatusTooManyRequests, callAs(sim, AdminAPIToken, count).Code)
}

func TestClassOf(t *testing.T) {
	for path, want := range map[string]string{
		"/web/api/v2.1/users/login":              ClassLogin,
		"/web/api/v2.1/users/login/by-api-token": ClassLogin,
		"/web/api/v2.1/users/logout":             ClassUsers,
		"/web/api/v2.1/user":                     ClassUser,
		"/web/api/v2.1/agents":                   ClassAgents,
		"/web/api/v2.1/agents/actions/connect":   ClassAgents,
		"/web/api/v2.1/threats":                  ClassThreats,
		"/web/api/v2.1/threats/mitigate/kill":    ClassThreatPaths,
		"/web/api/v2.1/system/status":            ClassSystemStatus,
		"/web/api/v2.1/system/info":              "",
		"/web/api/v2.1/dv/init-query":            ClassDVInit,
		"/web/api/v2.1/dv/query-status":          ClassDVStatus,
		"/web/api/v2.1/hashes/ab/reputation":     "",
		"/web/api/v2.1/agentsx":                  "",
	} {
		assert.Equal(t, want, classOf(path), path)
	}
}

func TestParseRateLimits(t *testing.T) {
	got, err := ParseRateLimits("agents=20, threats=0.5")
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{ClassAgents: 20, ClassThreats: 0.5}, got)
	assert.Equal(t, "agents=20,threats=0.5", FormatRateLimits(got))
	none, err := ParseRateLimits("")
	require.NoError(t, err)
	assert.Empty(t, none)
	for spec, want := range map[string]string{
		"agents":      "want class=requests-per-second",
		"agentz=2":    `unknown class "agentz"`,
		"agents=0":    "not a positive number",
		"agents=fast": "not a positive number",
		"agents=NaN":  "not a positive number",
	} {
		_, err := ParseRateLimits(spec)
		require.Error(t, err, spec)
		assert.Contains(t, err.Error(), want, spec)
	}
}

func TestRequestTimesFollowTheLog(t *testing.T) {
	sim := New(Options{})
	clock := &fakeClock{now: fleetEpoch}
	sim.clock = clock.Now
	callAs(sim, AdminAPIToken, infoPath)
	clock.Advance(250 * time.Millisecond)
	callAs(sim, AdminAPIToken, "/web/api/v2.1/agents/count")
	assert.Len(t, sim.Requests(), 2)
	assert.Equal(t, []time.Time{fleetEpoch, fleetEpoch.Add(250 * time.Millisecond)}, sim.RequestTimes())
	sim.ResetRequests()
	assert.Empty(t, sim.RequestTimes())
}
