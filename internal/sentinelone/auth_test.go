package sentinelone

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestLoginWithPassword(t *testing.T) {
	f := newFixture(t, withSession)
	var logins atomic.Int64
	f.handleLogin(t, &logins)
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		testAuth(t, r, "Token "+sessionToken(1))
		writeJSON(w, http.StatusOK, `{"data":{"total":5}}`)
	})
	ctx := context.Background()
	for range 3 {
		n, err := f.client.Agents.Count(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, 5, n)
	}
	assert.EqualValues(t, 1, logins.Load(), "the session token is cached")
	assert.EqualValues(t, 4, f.requests.Load())
}

func TestLoginForced(t *testing.T) {
	f := newFixture(t, withSession)
	var logins atomic.Int64
	f.handleLogin(t, &logins)
	ctx := context.Background()
	require.NoError(t, f.client.Login(ctx))
	require.NoError(t, f.client.Login(ctx))
	assert.EqualValues(t, 2, logins.Load())
	assert.Equal(t, sessionToken(2), f.client.auth.current())

	direct := newFixture(t)
	require.NoError(t, direct.client.Login(ctx))
	assert.Zero(t, direct.requests.Load(), "no login with a direct API token")
}

func TestLoginByAPIToken(t *testing.T) {
	f := newFixture(t, func(cfg *Config) { cfg.LoginWithAPIToken = true })
	f.mux.HandleFunc("/users/login/by-api-token", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testAuth(t, r, "")
		testBody(t, r, `{"data":{"apiToken":"`+testAPIToken+`"}}`)
		writeJSON(w, http.StatusOK, `{"data":{"token":"exchanged-SECRET"}}`)
	})
	f.mux.HandleFunc("/system/info", func(w http.ResponseWriter, r *http.Request) {
		testAuth(t, r, "Token exchanged-SECRET")
		writeJSON(w, http.StatusOK, `{"data":{}}`)
	})
	_, err := f.client.System.Info(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 2, f.requests.Load())
}

func TestReloginAfter401(t *testing.T) {
	f := newFixture(t, withSession)
	var logins, calls atomic.Int64
	f.handleLogin(t, &logins)
	f.mux.HandleFunc("/system/info", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != "Token "+sessionToken(2) {
			writeJSON(w, http.StatusUnauthorized, `{"errors":[{"code":4010010,"title":"Authentication Failed","detail":null}]}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"data":{"version":"1"}}`)
	})
	got, err := f.client.System.Info(context.Background())
	require.NoError(t, err)
	assert.JSONEq(t, `{"version":"1"}`, string(got))
	assert.EqualValues(t, 2, logins.Load())
	assert.EqualValues(t, 2, calls.Load())
}

func TestTwo401sAreCredentialsRejected(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	f := newFixture(t, withSession, func(cfg *Config) { cfg.Logger = zap.New(core) })
	var logins, calls atomic.Int64
	f.handleLogin(t, &logins)
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, http.StatusUnauthorized, `{"errors":[{"code":4010010,"title":"Authentication Failed","detail":null}]}`)
	})
	_, err := f.client.Agents.Count(context.Background(), nil)
	require.ErrorIs(t, err, ErrCredentialsRejected)
	assert.NotErrorIs(t, err, ErrAPITokenRejected)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, []ErrorDetail{{Code: 4010010, Title: "Authentication Failed"}}, ae.Errors)
	assert.Contains(t, err.Error(), "GET /agents/count")
	assert.EqualValues(t, 2, logins.Load(), "one new login, no more")
	assert.EqualValues(t, 2, calls.Load(), "the call is repeated once")
	assertNoSecrets(t, err.Error(), logs)
}

func TestLoginRejected(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	obs := &countingObserver{}
	f := newFixture(t, withSession, func(cfg *Config) { cfg.Logger = zap.New(core); cfg.Observer = obs })
	f.mux.HandleFunc("/users/login", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusUnauthorized, `{"errors":[{"code":4010010,"title":"Authentication Failed","detail":null}]}`)
	})
	_, err := f.client.System.Info(context.Background())
	require.ErrorIs(t, err, ErrCredentialsRejected)
	assert.Contains(t, err.Error(), "was refused")
	assert.NotContains(t, err.Error(), "setting", "the client names no setting of the product that uses it")
	assert.Contains(t, err.Error(), testUser)
	assert.EqualValues(t, 1, f.requests.Load(), "a rejected login is not retried")
	assert.EqualValues(t, 1, obs.loginsFailed.Load())
	assertNoSecrets(t, err.Error(), logs)
}

func TestAPITokenRejected(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/system/info", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusUnauthorized, `{"errors":[{"code":4010010,"title":"Authentication Failed","detail":null}]}`)
	})
	_, err := f.client.System.Info(context.Background())
	require.ErrorIs(t, err, ErrAPITokenRejected)
	assert.ErrorIs(t, err, ErrCredentialsRejected)
	assert.Contains(t, err.Error(), "the API token was refused")
	assert.NotContains(t, err.Error(), "setting", "the client names no setting of the product that uses it")
	assert.EqualValues(t, 1, f.requests.Load(), "no login, no retry")
	assert.NotContains(t, err.Error(), testAPIToken)
}

func TestConcurrentColdTokenLogsInOnce(t *testing.T) {
	f := newFixture(t, withSession)
	var logins atomic.Int64
	f.mux.HandleFunc("/users/login", func(w http.ResponseWriter, r *http.Request) {
		n := logins.Add(1)
		time.Sleep(20 * time.Millisecond) // let every caller pile up behind the login
		writeJSON(w, http.StatusOK, `{"data":{"token":"`+sessionToken(n)+`"}}`)
	})
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		testAuth(t, r, "Token "+sessionToken(1))
		writeJSON(w, http.StatusOK, `{"data":{"total":1}}`)
	})
	const callers = 50
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			_, err := f.client.Agents.Count(context.Background(), nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, logins.Load())
	assert.EqualValues(t, callers+1, f.requests.Load())
}

func TestConcurrent401sReloginOnce(t *testing.T) {
	f := newFixture(t, withSession)
	var logins atomic.Int64
	f.handleLogin(t, &logins)
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Token "+sessionToken(1) {
			writeJSON(w, http.StatusUnauthorized, `{"errors":[{"code":4010010,"title":"Authentication Failed","detail":null}]}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"data":{"total":1}}`)
	})
	ctx := context.Background()
	require.NoError(t, f.client.Login(ctx)) // token 1, which the server now rejects
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := f.client.Agents.Count(ctx, nil)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.EqualValues(t, 2, logins.Load(), "twenty rejected calls share one new login")
}

func TestWaitingForLoginHonoursContext(t *testing.T) {
	f := newFixture(t, withSession)
	release := make(chan struct{})
	f.mux.HandleFunc("/users/login", func(w http.ResponseWriter, r *http.Request) {
		<-release
		writeJSON(w, http.StatusOK, `{"data":{"token":"t"}}`)
	})
	defer close(release)
	leaderDone := make(chan error, 1)
	go func() { leaderDone <- f.client.Login(context.Background()) }()
	require.Eventually(t, func() bool {
		f.client.auth.mu.Lock()
		defer f.client.auth.mu.Unlock()
		return f.client.auth.inflight != nil
	}, 5*time.Second, time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.client.System.Info(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	release <- struct{}{}
	assert.NoError(t, <-leaderDone)
}

func TestTokenExpiresDuringCursorWalk(t *testing.T) {
	f := newFixture(t, withSession)
	var logins atomic.Int64
	f.handleLogin(t, &logins)
	var seen []string
	f.mux.HandleFunc("/agents", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		seen = append(seen, r.Header.Get("Authorization")+" cursor="+q.Get("cursor"))
		switch q.Get("cursor") {
		case "":
			writeJSON(w, http.StatusOK, `{"data":[{"id":"1"}],"pagination":{"nextCursor":"c1","totalItems":3}}`)
		case "c1":
			if r.Header.Get("Authorization") == "Token "+sessionToken(1) {
				// The session expires between pages.
				writeJSON(w, http.StatusUnauthorized, `{"errors":[{"code":4010010,"title":"Authentication Failed","detail":null}]}`)
				return
			}
			writeJSON(w, http.StatusOK, `{"data":[{"id":"2"}],"pagination":{"nextCursor":"c2","totalItems":3}}`)
		case "c2":
			writeJSON(w, http.StatusOK, `{"data":[{"id":"3"}],"pagination":{"nextCursor":null,"totalItems":3}}`)
		}
	})
	got, err := Collect(f.client.Agents.Pages(context.Background(), nil, ListOptions{}))
	require.NoError(t, err)
	assert.Equal(t, []map[string]any{{"id": "1"}, {"id": "2"}, {"id": "3"}}, decodeJSON(t, got))
	assert.Equal(t, []string{
		"Token " + sessionToken(1) + " cursor=",
		"Token " + sessionToken(1) + " cursor=c1",
		"Token " + sessionToken(2) + " cursor=c1",
		"Token " + sessionToken(2) + " cursor=c2",
	}, seen)
	assert.EqualValues(t, 2, logins.Load())
}

func TestCloseLogsOut(t *testing.T) {
	f := newFixture(t, withSession)
	var logins, logouts atomic.Int64
	f.handleLogin(t, &logins)
	f.mux.HandleFunc("/users/logout", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testAuth(t, r, "Token "+sessionToken(1))
		testBody(t, r, "")
		logouts.Add(1)
		w.WriteHeader(http.StatusOK)
	})
	require.NoError(t, f.client.Login(context.Background()))
	f.client.Close()
	assert.EqualValues(t, 1, logouts.Load())
	assert.Empty(t, f.client.auth.current())
	f.client.Close()
	assert.EqualValues(t, 1, logouts.Load(), "nothing left to log out")

	direct := newFixture(t)
	direct.client.Close()
	assert.Zero(t, direct.requests.Load())
}

func TestSecretsRedacted(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	f := newFixture(t, withSession, func(cfg *Config) { cfg.Logger = zap.New(core) })
	var logins atomic.Int64
	f.handleLogin(t, &logins)
	// A console that echoes the credentials back into its error text.
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusBadRequest, `{"errors":[{"code":4000010,"title":"Validation Error","detail":"bad header `+
			r.Header.Get("Authorization")+` for password `+testPassword+`"}]}`)
	})
	f.mux.HandleFunc("/system/info", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusBadGateway, "<html>proxy saw "+r.Header.Get("Authorization")+"</html>")
	})
	ctx := context.Background()
	_, err := f.client.Agents.Count(ctx, nil)
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Contains(t, err.Error(), "bad header Token [REDACTED] for password [REDACTED]")
	assertNoSecrets(t, err.Error(), logs)

	_, err = f.client.System.Info(ctx)
	require.ErrorIs(t, err, ErrUnavailable)
	assert.Contains(t, err.Error(), "proxy saw Token [REDACTED]")
	assertNoSecrets(t, err.Error(), logs)

	apiTok := newFixture(t, func(cfg *Config) { cfg.Logger = zap.New(core) })
	apiTok.mux.HandleFunc("/system/info", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, `{"errors":[{"code":4030010,"title":"Insufficient permissions","detail":"`+r.Header.Get("Authorization")+`"}]}`)
	})
	_, err = apiTok.client.System.Info(ctx)
	require.ErrorIs(t, err, ErrPermissionDenied)
	assertNoSecrets(t, err.Error(), logs)
}

// assertNoSecrets checks an error text and every log entry for secrets.
func assertNoSecrets(t *testing.T, msg string, logs *observer.ObservedLogs) {
	t.Helper()
	var all strings.Builder
	all.WriteString(msg)
	for _, e := range logs.All() {
		all.WriteString(e.Message)
		for k, v := range e.ContextMap() {
			all.WriteString(" " + k + "=")
			all.WriteString(fmt.Sprint(v))
		}
	}
	for _, secret := range []string{testPassword, testAPIToken, testSession} {
		assert.NotContains(t, all.String(), secret)
	}
}

// countingObserver counts Observer callbacks.
type countingObserver struct {
	mu                     sync.Mutex
	requests               []string
	retries                []string
	loginsOK, loginsFailed atomic.Int64
}

var _ Observer = (*countingObserver)(nil)

func (o *countingObserver) ObserveRequest(method, endpoint string, status int, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests = append(o.requests, method+" "+endpoint+" "+strconv.Itoa(status))
}

func (o *countingObserver) ObserveRetry(endpoint, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.retries = append(o.retries, endpoint+" "+reason)
}

func (o *countingObserver) ObserveLogin(ok bool) {
	if ok {
		o.loginsOK.Add(1)
	} else {
		o.loginsFailed.Add(1)
	}
}

func (o *countingObserver) snapshot() (requests, retries []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.requests...), append([]string(nil), o.retries...)
}
