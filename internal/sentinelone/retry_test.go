package sentinelone

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetryAfterHonoured(t *testing.T) {
	obs := &countingObserver{}
	f := newFixture(t, func(cfg *Config) { cfg.Observer = obs; cfg.Retry.MaxWait = 5 * time.Second })
	var calls atomic.Int64
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusTooManyRequests, `{"errors":[{"code":4290010,"title":"Too Many Requests","detail":null}]}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"data":{"total":9}}`)
	})
	start := time.Now()
	n, err := f.client.Agents.Count(context.Background(), nil)
	elapsed := time.Since(start)
	require.NoError(t, err)
	assert.Equal(t, 9, n)
	assert.EqualValues(t, 2, calls.Load())
	assert.GreaterOrEqual(t, elapsed, time.Second, "waited for Retry-After")
	requests, retries := obs.snapshot()
	assert.Equal(t, []string{"GET /agents/count 429", "GET /agents/count 200"}, requests)
	assert.Equal(t, []string{"/agents/count rate_limited"}, retries)
}

func TestRateLimitedAfterRetries(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int64
	f.mux.HandleFunc("/agents/actions/connect", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		testBody(t, r, `{"filter":{"ids":["1"]},"data":{}}`) // the same body on every attempt
		w.Header().Set("Retry-After", "0")
		writeJSON(w, http.StatusTooManyRequests, `{"errors":[{"code":4290010,"title":"Too Many Requests","detail":null}]}`)
	})
	_, err := f.client.Agents.Action(context.Background(), ActionConnect, Filter{"ids": []string{"1"}}, nil)
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.Equal(t, 4, rl.Attempts)
	assert.EqualValues(t, 4, calls.Load(), "429 is retried for actions too")
	assert.Contains(t, err.Error(), "after 4 attempts")
}

func TestRateLimitWaitCapped(t *testing.T) {
	f := newFixture(t) // MaxWait 1s
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		writeJSON(w, http.StatusTooManyRequests, `{}`)
	})
	_, err := f.client.Agents.Count(context.Background(), nil)
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, 2*time.Minute, rl.RetryAfter)
	assert.Equal(t, 1, rl.Attempts, "a wait beyond the cap is not started")
	assert.Contains(t, err.Error(), "the console asks to wait 2m0s")
}

func TestRateLimitBackoffWithoutHeader(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int64
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			writeJSON(w, http.StatusTooManyRequests, `{}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"data":{"total":1}}`)
	})
	_, err := f.client.Agents.Count(context.Background(), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 3, calls.Load())
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		give   string
		want   time.Duration
		wantOK bool
	}{
		{give: "", wantOK: false},
		{give: "3", want: 3 * time.Second, wantOK: true},
		{give: "0", want: 0, wantOK: true},
		{give: "-4", want: 0, wantOK: true},
		{give: "Thu, 02 Jan 2025 03:04:15 GMT", want: 10 * time.Second, wantOK: true},
		{give: "Thu, 02 Jan 2025 03:00:00 GMT", want: 0, wantOK: true},
		{give: "soon", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, ok := parseRetryAfter(http.Header{"Retry-After": {tt.give}}, now)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 5, BaseDelay: 100 * time.Millisecond, MaxDelay: 300 * time.Millisecond, MaxWait: time.Minute}
	tests := []struct {
		give             int
		wantMin, wantMax time.Duration
	}{
		{give: 1, wantMin: 50 * time.Millisecond, wantMax: 100 * time.Millisecond},
		{give: 2, wantMin: 100 * time.Millisecond, wantMax: 200 * time.Millisecond},
		{give: 3, wantMin: 150 * time.Millisecond, wantMax: 300 * time.Millisecond},
		{give: 9, wantMin: 150 * time.Millisecond, wantMax: 300 * time.Millisecond},
	}
	for _, tt := range tests {
		for range 50 {
			d := p.backoff(tt.give)
			assert.GreaterOrEqual(t, d, tt.wantMin)
			assert.LessOrEqual(t, d, tt.wantMax)
		}
	}
}

func TestReadRetriedAfter503Burst(t *testing.T) {
	obs := &countingObserver{}
	f := newFixture(t, func(cfg *Config) { cfg.Observer = obs })
	var calls atomic.Int64
	f.mux.HandleFunc("/agents", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"limit": {"1000"}})
		switch calls.Add(1) {
		case 1:
			writeJSON(w, http.StatusServiceUnavailable, `{"errors":[{"code":5030000,"title":"Service Unavailable","detail":null}]}`)
		case 2:
			writeJSON(w, http.StatusBadGateway, `bad gateway`)
		case 3:
			writeJSON(w, http.StatusGatewayTimeout, ``)
		default:
			writeJSON(w, http.StatusOK, `{"data":[{"id":"1"}],"pagination":{"nextCursor":null,"totalItems":1}}`)
		}
	})
	got, err := Collect(f.client.Agents.Pages(context.Background(), nil, ListOptions{}))
	require.NoError(t, err)
	assert.Len(t, got, 1)
	assert.EqualValues(t, 4, calls.Load())
	_, retries := obs.snapshot()
	assert.Equal(t, []string{"/agents http_503", "/agents http_502", "/agents http_504"}, retries)
}

func TestRead503Exhausted(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/system/info", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusServiceUnavailable, `{"errors":[{"code":5030000,"title":"Service Unavailable","detail":"maintenance"}]}`)
	})
	_, err := f.client.System.Info(context.Background())
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.Equal(t, 4, ae.Attempts)
	assert.EqualValues(t, 4, f.requests.Load())
	assert.Contains(t, err.Error(), "after 4 attempts")
}

func TestActionNotRetriedAfter503(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int64
	f.mux.HandleFunc("/threats/mitigate/kill", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, http.StatusServiceUnavailable, `{"errors":[{"code":5030000,"title":"Service Unavailable","detail":null}]}`)
	})
	_, err := f.client.Threats.Mitigate(context.Background(), MitigateKill, Filter{"ids": []string{"9"}})
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusServiceUnavailable, ae.StatusCode)
	assert.EqualValues(t, 1, calls.Load(), "the console may have applied the action")
}

// hijackClose drops the connection without an answer.
func hijackClose(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	conn, _, err := http.NewResponseController(w).Hijack()
	require.NoError(t, err)
	require.NoError(t, conn.Close())
}

func TestDroppedConnection(t *testing.T) {
	f := newFixture(t, func(cfg *Config) { cfg.HTTPClient = nil })
	var reads, actions atomic.Int64
	f.srv.Config.SetKeepAlivesEnabled(false)
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		if reads.Add(1) == 1 {
			hijackClose(t, w)
			return
		}
		writeJSON(w, http.StatusOK, `{"data":{"total":2}}`)
	})
	f.mux.HandleFunc("/agents/actions/disconnect", func(w http.ResponseWriter, r *http.Request) {
		actions.Add(1)
		hijackClose(t, w)
	})
	ctx := context.Background()
	n, err := f.client.Agents.Count(ctx, nil)
	require.NoError(t, err, "a read is retried after a dropped connection")
	assert.Equal(t, 2, n)
	assert.EqualValues(t, 2, reads.Load())

	_, err = f.client.Agents.Action(ctx, ActionDisconnect, Filter{"ids": []string{"1"}}, nil)
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, KindReset, te.Kind)
	assert.EqualValues(t, 1, actions.Load(), "an action sent once is not repeated")
	assert.Contains(t, err.Error(), "closed before a complete answer")
}

func TestConnectionRefusedRetriedForActions(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	obs := &countingObserver{}
	c, err := New(Config{Host: addr, APIToken: testAPIToken, VerifySSL: true, Observer: obs,
		Retry: RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Agents.Action(context.Background(), ActionConnect, Filter{"ids": []string{"1"}}, nil)
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, KindRefused, te.Kind)
	assert.Equal(t, 3, te.Attempts, "nothing was sent, so the action is retried")
	assert.Contains(t, err.Error(), "connection to "+addr+" refused")
	requests, retries := obs.snapshot()
	assert.Equal(t, []string{"POST /agents/actions/{action} 0", "POST /agents/actions/{action} 0", "POST /agents/actions/{action} 0"}, requests)
	assert.Equal(t, []string{"/agents/actions/{action} transport_refused", "/agents/actions/{action} transport_refused"}, retries)
}

func TestDNSFailureNamesHost(t *testing.T) {
	dnsErr := &net.DNSError{Err: "no such host", Name: "console.invalid", IsNotFound: true}
	c, err := New(Config{Host: "console.invalid:8443", APIToken: testAPIToken, HTTPClient: &http.Client{
		Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: dnsErr}
		}},
	}})
	require.NoError(t, err)
	_, err = c.System.Info(context.Background())
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, KindDNS, te.Kind)
	assert.Equal(t, "console.invalid", te.Host)
	assert.Equal(t, 1, te.Attempts, "an unknown host is not retried")
	assert.Contains(t, err.Error(), `cannot resolve host "console.invalid"`)
	assert.Contains(t, err.Error(), "Host Name")
}

func TestContextCancelStopsRetries(t *testing.T) {
	f := newFixture(t, func(cfg *Config) {
		cfg.Retry = RetryPolicy{MaxAttempts: 10, BaseDelay: time.Minute, MaxDelay: time.Minute, MaxWait: time.Hour}
	})
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, http.StatusServiceUnavailable, `{}`)
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	})
	start := time.Now()
	_, err := f.client.Agents.Count(ctx, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 1, calls.Load())
	assert.Less(t, time.Since(start), 30*time.Second, "the one-minute backoff was cut short")
}

func TestOverallDeadline(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()        // never answers in time
		panic(http.ErrAbortHandler) // and writes nothing once the client gave up
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := f.client.Agents.Count(ctx, nil)
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, KindTimeout, te.Kind)
	assert.True(t, te.Overall)
	assert.Contains(t, err.Error(), "(overall deadline)")
	assert.EqualValues(t, 1, f.requests.Load())
}

func TestPerRequestTimeout(t *testing.T) {
	f := newFixture(t, func(cfg *Config) {
		cfg.Timeout = 30 * time.Millisecond
		cfg.Retry.MaxAttempts = 2
	})
	release := make(chan struct{})
	defer close(release)
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
		panic(http.ErrAbortHandler) // no answer at all
	})
	_, err := f.client.Agents.Count(context.Background(), nil)
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, KindTimeout, te.Kind)
	assert.False(t, te.Overall)
	assert.Equal(t, 30*time.Millisecond, te.Limit)
	assert.Equal(t, 2, te.Attempts, "a timed-out read is retried")
	assert.Contains(t, err.Error(), "within 30ms (per-request timeout)")
	assert.False(t, errors.Is(err, context.Canceled))
}
