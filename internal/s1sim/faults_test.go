package s1sim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const infoPath = "/web/api/v2.1/system/info"

// statuses sends n authenticated GETs and returns each status (0 = dropped).
func (e *env) statuses(n int) []int {
	e.t.Helper()
	out := make([]int, n)
	for i := range out {
		r, err := e.try(http.MethodGet, infoPath, nil, "")
		if err != nil {
			continue
		}
		out[i] = r.status
	}
	return out
}

func TestFaultFailNext(t *testing.T) {
	e := newEnv(t, Options{})
	e.sim.SetFaults(Faults{FailNext: 2, FailStatus: http.StatusBadGateway})
	r := e.get(infoPath, nil)
	requireError(t, r, http.StatusBadGateway, 5020010)
	assert.Equal(t, 1, e.sim.Faults().FailNext, "the remaining count is visible")
	assert.Equal(t, []int{502, 200, 200}, e.statuses(3))

	e.sim.SetFaults(Faults{FailNext: 1})
	requireError(t, e.get(infoPath, nil), http.StatusInternalServerError, 5000010)
	assert.Equal(t, http.StatusOK, e.get(infoPath, nil).status)
}

func TestFaultDropNext(t *testing.T) {
	e := newEnv(t, Options{})
	e.sim.SetFaults(Faults{DropNext: 2})
	_, err := e.try(http.MethodGet, infoPath, nil, "")
	require.Error(t, err, "the connection is closed without a response")
	assert.Equal(t, []int{0, 200}, e.statuses(2))
	// Dropped requests are still in the log.
	assert.Len(t, e.sim.Requests(), 3)
}

func TestFaultDropRate(t *testing.T) {
	e := newEnv(t, Options{Faults: Faults{DropRate: 1}})
	assert.Equal(t, []int{0, 0}, e.statuses(2))
	e.sim.SetFaults(Faults{})
	assert.Equal(t, []int{200}, e.statuses(1))
}

func TestFaultRateLimit(t *testing.T) {
	e := newEnv(t, Options{})
	e.sim.SetFaults(Faults{RateLimitEvery: 3, RetryAfter: 1500 * time.Millisecond})
	var got []int
	for range 7 {
		r := e.get(infoPath, nil)
		got = append(got, r.status)
		if r.status == http.StatusTooManyRequests {
			assert.Equal(t, "2", r.header.Get("Retry-After"), "rounded up to whole seconds")
			requireError(t, r, http.StatusTooManyRequests, 4290010)
		}
	}
	assert.Equal(t, []int{200, 200, 429, 200, 200, 429, 200}, got)

	e.sim.SetFaults(Faults{RateLimitEvery: 1})
	r := e.get(infoPath, nil)
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "1", r.header.Get("Retry-After"), "1s by default")
}

func TestFaultErrorRate(t *testing.T) {
	run := func(seed int64) []int {
		e := newEnv(t, Options{Seed: seed, Faults: Faults{ErrorRate: 0.5, ErrorStatus: http.StatusServiceUnavailable}})
		return e.statuses(40)
	}
	a := run(7)
	assert.Equal(t, a, run(7), "same seed, same sequence")
	assert.Contains(t, a, 200)
	assert.Contains(t, a, 503)
	for _, s := range a {
		assert.Contains(t, []int{200, 503}, s)
	}

	e := newEnv(t, Options{Faults: Faults{ErrorRate: 1}})
	requireError(t, e.get(infoPath, nil), http.StatusInternalServerError, 5000010)
}

func TestFaultDown(t *testing.T) {
	e := newEnv(t, Options{Faults: Faults{Down: true}})
	for _, p := range []string{infoPath, "/web/api/v2.1/system/status", "/web/api/v2.0/agents", "/web/api/v2.1/users/login"} {
		requireError(t, e.do(http.MethodGet, p, nil, ""), http.StatusServiceUnavailable, 5030010)
	}
	// The control endpoint still answers and can bring the console back.
	r := e.do(http.MethodPut, "/_sim/faults", map[string]any{}, "-")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, http.StatusOK, e.get(infoPath, nil).status)
}

func TestFaultLatency(t *testing.T) {
	e := newEnv(t, Options{})
	e.sim.SetFaults(Faults{Latency: 40 * time.Millisecond})
	start := time.Now()
	require.Equal(t, http.StatusOK, e.get(infoPath, nil).status)
	assert.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond)
}

func TestFaultTokenTTL(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.login(v21, AdminUser, AdminPassword)
	require.Equal(t, http.StatusOK, e.do(http.MethodGet, infoPath, nil, "Token "+tok).status)
	e.sim.SetFaults(Faults{TokenTTL: time.Nanosecond})
	requireError(t, e.do(http.MethodGet, infoPath, nil, "Token "+tok), http.StatusUnauthorized, 4010010)
	assert.Equal(t, http.StatusOK, e.get(infoPath, nil).status, "API tokens do not expire")
}

func TestFaultsJSON(t *testing.T) {
	tests := []struct {
		name    string
		give    string
		want    Faults
		wantErr bool
	}{
		{"durations as strings", `{"latency":"250ms","retryAfter":"3s","rateLimitEvery":5,"tokenTTL":"1m"}`,
			Faults{Latency: 250 * time.Millisecond, RetryAfter: 3 * time.Second, RateLimitEvery: 5, TokenTTL: time.Minute}, false},
		{"counts and rates", `{"failNext":2,"failStatus":503,"dropNext":1,"dropRate":0.25,"errorRate":0.1,"errorStatus":502,"down":true}`,
			Faults{FailNext: 2, FailStatus: 503, DropNext: 1, DropRate: 0.25, ErrorRate: 0.1, ErrorStatus: 502, Down: true}, false},
		{"empty", `{}`, Faults{}, false},
		{"bad duration", `{"latency":"soon"}`, Faults{}, true},
		{"rate above one", `{"errorRate":1.5}`, Faults{}, true},
		{"negative count", `{"failNext":-1}`, Faults{}, true},
		{"status not an error", `{"failStatus":200}`, Faults{}, true},
		{"unknown key", `{"latncy":"1s"}`, Faults{}, true},
		{"key in another case", `{"FailNext":1}`, Faults{}, true},
		{"count as a string", `{"failNext":"1"}`, Faults{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Faults
			err := json.Unmarshal([]byte(tt.give), &got)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			raw, err := json.Marshal(got)
			require.NoError(t, err)
			var back Faults
			require.NoError(t, json.Unmarshal(raw, &back))
			assert.Equal(t, got, back)
		})
	}
}

// TestLatencyAbortsWhenTheCallerLeaves: a request abandoned during the added latency is
// aborted, never answered with net/http's implicit empty 200.
func TestLatencyAbortsWhenTheCallerLeaves(t *testing.T) {
	sim := New(Options{Faults: Faults{Latency: time.Second}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/web/api/v2.1/agents", nil).WithContext(ctx)
	req.Header.Set("Authorization", "ApiToken "+AdminAPIToken)
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() { sim.ServeHTTP(httptest.NewRecorder(), req) })
}
