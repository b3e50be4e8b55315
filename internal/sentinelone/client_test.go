package sentinelone

import (
	"compress/gzip"
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testAPIToken = "s1-api-token-SECRET-0001"
	testUser     = "soc@example.net"
	testPassword = "Pa55-SECRET-word"
	testSession  = "session-SECRET-token"
)

// fixture is an httptest TLS server with the API mounted under the real
// /web/api/v2.x prefix (so absolute paths in calls fail loudly) and a
// client that trusts its certificate through Config.RootCAs.
type fixture struct {
	mux      *http.ServeMux // handlers registered relative to the prefix, e.g. "/agents"
	srv      *httptest.Server
	client   *Client
	cfg      Config
	requests atomic.Int64 // every request that reached the server
}

func newFixture(t testing.TB, mutate ...func(*Config)) *fixture {
	t.Helper()
	f := &fixture{mux: http.NewServeMux()}
	root := http.NewServeMux()
	root.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the API prefix: %s %s", r.Method, r.URL.Path)
		http.Error(w, "outside prefix", http.StatusBadRequest)
	}))
	for _, v := range []string{"2.1", "2.0"} {
		prefix := "/web/api/v" + v
		root.Handle(prefix+"/", http.StripPrefix(prefix, f.mux))
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		assert.Equal(t, DefaultUserAgent, r.Header.Get("User-Agent"))
		root.ServeHTTP(w, r)
	}))
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected TLS handshake failures
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)

	pool := x509.NewCertPool()
	pool.AddCert(f.srv.Certificate())
	f.cfg = Config{
		Host:      f.srv.URL,
		APIToken:  testAPIToken,
		VerifySSL: true,
		RootCAs:   pool,
		Timeout:   5 * time.Second,
		Retry:     RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxWait: time.Second},
	}
	for _, m := range mutate {
		m(&f.cfg)
	}
	c, err := New(f.cfg)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	f.client = c
	return f
}

// withSession switches the fixture's client to username/password.
func withSession(cfg *Config) {
	cfg.APIToken = ""
	cfg.Username, cfg.Password = testUser, testPassword
}

// withVersion20 makes the client speak API 2.0.
func withVersion20(cfg *Config) { cfg.APIVersion = APIVersion20 }

// handleLogin serves POST /users/login, issuing tokens testSession-1, -2, …
func (f *fixture) handleLogin(t *testing.T, logins *atomic.Int64) {
	f.mux.HandleFunc("/users/login", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testBody(t, r, `{"username":"`+testUser+`","password":"`+testPassword+`"}`)
		assert.Empty(t, r.Header.Get("Authorization"))
		n := logins.Add(1)
		writeJSON(w, http.StatusOK, `{"data":{"token":"`+sessionToken(n)+`"}}`)
	})
}

func sessionToken(n int64) string { return testSession + "-" + string(rune('0'+n%10)) }

func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	assert.Equal(t, want, r.Method, "method")
}

func testQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	assert.Equal(t, want, r.URL.Query(), "query")
}

func testBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	assert.NoError(t, err)
	if want == "" {
		assert.Empty(t, b, "body")
		return
	}
	assert.JSONEq(t, want, string(b), "body")
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
}

func testAuth(t *testing.T, r *http.Request, want string) {
	t.Helper()
	assert.Equal(t, want, r.Header.Get("Authorization"), "Authorization header")
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func TestNormalizeHost(t *testing.T) {
	tests := []struct {
		give    string
		want    string
		wantErr string
	}{
		{give: "console.example.net", want: "https://console.example.net"},
		{give: "https://console.example.net", want: "https://console.example.net"},
		{give: "HTTPS://Console.Example.NET/", want: "https://console.example.net"},
		{give: "console.example.net:8443", want: "https://console.example.net:8443"},
		{give: "https://10.1.2.3:8443", want: "https://10.1.2.3:8443"},
		{give: "[::1]:8443", want: "https://[::1]:8443"},
		{give: "", wantErr: "host name is empty"},
		{give: "http://console.example.net", wantErr: `scheme "http" is not supported, only https`},
		{give: "ftp://console.example.net", wantErr: `scheme "ftp" is not supported`},
		{give: "console.example.net/web/api", wantErr: "must not contain a path"},
		{give: "https://console.example.net/x", wantErr: "must not contain a path"},
		{give: "console example.net", wantErr: "must not contain spaces"},
		{give: " console.example.net", wantErr: "must not contain spaces"},
		{give: "console.example.net?x=1", wantErr: "must not contain a query"},
		{give: "user:pw@console.example.net", wantErr: "must not contain user information"},
		{give: "https://", wantErr: "has no host"},
		{give: "console.example.net:0", wantErr: "is not between 1 and 65535"},
		{give: "console.example.net:99999", wantErr: "is not between 1 and 65535"},
		{give: "console.example.net:", wantErr: "empty port"},
		{give: ":8443", wantErr: "has no host"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := NormalizeHost(tt.give)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name    string
		give    Config
		wantErr string
	}{
		{name: "no credentials", give: Config{Host: "h"}, wantErr: "no credentials"},
		{name: "password without user", give: Config{Host: "h", Password: "p"}, wantErr: "username is empty"},
		{name: "user without password", give: Config{Host: "h", Username: "u"}, wantErr: "password is empty"},
		{name: "bad version", give: Config{Host: "h", APIToken: "t", APIVersion: "2.2"}, wantErr: `API version "2.2" is not supported`},
		{name: "bad host", give: Config{Host: "http://h", APIToken: "t"}, wantErr: "only https"},
		{name: "negative timeout", give: Config{Host: "h", APIToken: "t", Timeout: -time.Second}, wantErr: "negative"},
		{name: "negative retry", give: Config{Host: "h", APIToken: "t", Retry: RetryPolicy{MaxAttempts: -1}}, wantErr: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.give)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{Host: "console.example.net:8443", APIToken: "t"})
	require.NoError(t, err)
	assert.Equal(t, "2.1", c.APIVersion())
	assert.Equal(t, "https://console.example.net:8443/web/api/v2.1/", c.BaseURL())
	assert.Equal(t, DefaultTimeout, c.timeout)
	assert.Equal(t, RetryPolicy{MaxAttempts: 4, BaseDelay: 500 * time.Millisecond, MaxDelay: 10 * time.Second, MaxWait: 30 * time.Second}, c.retry)

	c20, err := New(Config{Host: "console.example.net", APIToken: "t", APIVersion: "2.0"})
	require.NoError(t, err)
	assert.Equal(t, "2.0", c20.APIVersion())
	assert.Equal(t, "https://console.example.net/web/api/v2.0/", c20.BaseURL())
}

func TestTLSVerification(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/system/info", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"data":{"version":"23.4"}}`)
	})
	ctx := context.Background()

	t.Run("self-signed with verify on fails clearly", func(t *testing.T) {
		c, err := New(Config{Host: f.srv.URL, APIToken: testAPIToken, VerifySSL: true})
		require.NoError(t, err)
		defer c.Close()
		_, err = c.System.Info(ctx)
		var te *TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, KindTLS, te.Kind)
		assert.Equal(t, 1, te.Attempts, "TLS failures are not retried")
		assert.Contains(t, err.Error(), "Verify SSL")
		assert.Contains(t, err.Error(), "CA bundle")
		assert.Contains(t, err.Error(), f.srv.Listener.Addr().String())
	})
	t.Run("verify off works", func(t *testing.T) {
		c, err := New(Config{Host: f.srv.URL, APIToken: testAPIToken, VerifySSL: false})
		require.NoError(t, err)
		defer c.Close()
		got, err := c.System.Info(ctx)
		require.NoError(t, err)
		assert.JSONEq(t, `{"version":"23.4"}`, string(got))
	})
	t.Run("extra CA works", func(t *testing.T) {
		got, err := f.client.System.Info(ctx)
		require.NoError(t, err)
		assert.JSONEq(t, `{"version":"23.4"}`, string(got))
	})
	t.Run("extra CA still checks the host name", func(t *testing.T) {
		u, err := url.Parse(f.srv.URL)
		require.NoError(t, err)
		port := u.Port()
		c, err := New(Config{Host: "localhost:" + port, APIToken: testAPIToken, VerifySSL: true, RootCAs: f.cfg.RootCAs})
		require.NoError(t, err)
		defer c.Close()
		_, err = c.System.Info(ctx)
		var te *TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, KindTLS, te.Kind)
		var hostErr x509.HostnameError
		assert.ErrorAs(t, err, &hostErr)
	})
}

func TestRequestHeadersAndGzip(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/system/info", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, url.Values{})
		testAuth(t, r, "ApiToken "+testAPIToken)
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Contains(t, r.Header.Get("Accept-Encoding"), "gzip")
		gzipJSON(t, w, `{"data":{"version":"23.4.1","build":"7"}}`)
	})
	got, err := f.client.System.Info(context.Background())
	require.NoError(t, err)
	assert.JSONEq(t, `{"version":"23.4.1","build":"7"}`, string(got))
}

func TestEnvelopeErrorsNextToData(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"data":{"total":3},"errors":[{"code":1,"title":"warning","detail":null}]}`)
	})
	n, err := f.client.Agents.Count(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
}

func decodeJSON(t *testing.T, raw []json.RawMessage) []map[string]any {
	t.Helper()
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		require.NoError(t, json.Unmarshal(r, &out[i]))
	}
	return out
}

func gzipJSON(t *testing.T, w http.ResponseWriter, body string) {
	t.Helper()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Encoding", "gzip")
	zw := gzip.NewWriter(w)
	_, err := io.WriteString(zw, body)
	assert.NoError(t, err)
	assert.NoError(t, zw.Close())
}
