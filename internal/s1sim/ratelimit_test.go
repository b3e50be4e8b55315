package s1sim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// loginFrom sends a login from source address src straight to the handler.
func loginFrom(t *testing.T, sim *Simulator, src, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(raw))
	req.RemoteAddr = src
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	return rec
}

func TestLoginRateLimit(t *testing.T) {
	sim := New(Options{LoginInterval: ConsoleLoginInterval})
	clock := &fakeClock{now: fleetEpoch}
	sim.clock = clock.Now
	const login = "/web/api/v2.1/users/login"
	const byToken = "/web/api/v2.0/users/login/by-api-token"
	good := map[string]string{"username": AdminUser, "password": AdminPassword}
	tokenBody := map[string]any{"data": map[string]string{"apiToken": AdminAPIToken}}

	require.Equal(t, http.StatusOK, loginFrom(t, sim, "10.0.0.1:5000", login, good).Code)

	// The same source, another port and the other login endpoint: limited.
	for _, rec := range []*httptest.ResponseRecorder{
		loginFrom(t, sim, "10.0.0.1:5001", login, good),
		loginFrom(t, sim, "10.0.0.1:5002", byToken, tokenBody),
		loginFrom(t, sim, "10.0.0.1:5003", login, map[string]string{"username": "x"}),
	} {
		require.Equal(t, http.StatusTooManyRequests, rec.Code, rec.Body.String())
		assert.Equal(t, "1", rec.Header().Get("Retry-After"))
		var e errorBody
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
		assert.Equal(t, codeRateLimit, e.Errors[0].Code)
	}

	// Another source has its own budget.
	assert.Equal(t, http.StatusOK, loginFrom(t, sim, "10.0.0.2:5000", byToken, tokenBody).Code)

	// Refused calls do not restart the window: one second after the first
	// accepted call the source may log in again, once.
	clock.Advance(999 * time.Millisecond)
	assert.Equal(t, http.StatusTooManyRequests, loginFrom(t, sim, "10.0.0.1:5004", login, good).Code)
	clock.Advance(time.Millisecond)
	assert.Equal(t, http.StatusOK, loginFrom(t, sim, "10.0.0.1:5005", login, good).Code)
	assert.Equal(t, http.StatusTooManyRequests, loginFrom(t, sim, "10.0.0.1:5006", login, good).Code)

	// Only logins are limited.
	req := httptest.NewRequest(http.MethodGet, infoPath, nil)
	req.RemoteAddr = "10.0.0.1:5007"
	req.Header.Set("Authorization", "ApiToken "+AdminAPIToken)
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
}

func TestLoginRateLimitRetryAfterRoundsUp(t *testing.T) {
	sim := New(Options{LoginInterval: 2500 * time.Millisecond})
	clock := &fakeClock{now: fleetEpoch}
	sim.clock = clock.Now
	good := map[string]string{"username": ViewerUser, "password": ViewerPassword}
	require.Equal(t, http.StatusOK, loginFrom(t, sim, "10.0.0.1:1", "/web/api/v2.1/users/login", good).Code)
	clock.Advance(400 * time.Millisecond)
	rec := loginFrom(t, sim, "10.0.0.1:2", "/web/api/v2.1/users/login", good)
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "3", rec.Header().Get("Retry-After"), "2.1s left rounds up to 3")
}

func TestNoLoginLimitByDefault(t *testing.T) {
	e := newEnv(t, Options{})
	for range 5 {
		e.login(v21, AdminUser, AdminPassword)
	}
}
