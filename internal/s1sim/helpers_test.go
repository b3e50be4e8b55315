package s1sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// env is a simulator behind a plain-HTTP test server.
type env struct {
	t   *testing.T
	sim *Simulator
	url string
	hc  *http.Client
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	sim := New(opts)
	ts := httptest.NewServer(sim)
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	t.Cleanup(func() {
		hc.CloseIdleConnections()
		ts.Close()
	})
	return &env{t: t, sim: sim, url: ts.URL, hc: hc}
}

// resp is a decoded response.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

// do sends a request with "ApiToken <AdminAPIToken>" unless auth is set;
// auth "-" sends no Authorization header.
func (e *env) do(method, path string, body any, auth string) resp {
	e.t.Helper()
	r, err := e.try(method, path, body, auth)
	require.NoError(e.t, err)
	return r
}

func (e *env) try(method, path string, body any, auth string) (resp, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	require.NoError(e.t, err)
	switch auth {
	case "":
		req.Header.Set("Authorization", "ApiToken "+AdminAPIToken)
	case "-":
	default:
		req.Header.Set("Authorization", auth)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := e.hc.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	return resp{status: res.StatusCode, header: res.Header, body: raw}, nil
}

func (e *env) get(path string, q url.Values) resp {
	e.t.Helper()
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return e.do(http.MethodGet, path, nil, "")
}

func (e *env) post(path string, body any) resp {
	e.t.Helper()
	return e.do(http.MethodPost, path, body, "")
}

// login returns a session token for user/password on version v.
func (e *env) login(v, user, password string) string {
	e.t.Helper()
	r := e.do(http.MethodPost, "/web/api/"+v+"/users/login", map[string]string{"username": user, "password": password}, "-")
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.body)
	var out struct {
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	r.json(e.t, &out)
	require.NotEmpty(e.t, out.Data.Token)
	return out.Data.Token
}

// errorBody is SentinelOne's error envelope.
type errorBody struct {
	Errors []struct {
		Code   int     `json:"code"`
		Title  string  `json:"title"`
		Detail *string `json:"detail"`
	} `json:"errors"`
}

func requireError(t *testing.T, r resp, status, code int) {
	t.Helper()
	require.Equal(t, status, r.status, "%s", r.body)
	var e errorBody
	r.json(t, &e)
	require.Len(t, e.Errors, 1)
	require.Equal(t, code, e.Errors[0].Code)
	require.NotEmpty(t, e.Errors[0].Title)
}

// agentList is the decoded body of GET /agents.
type agentList struct {
	Data       []Agent `json:"data"`
	Pagination struct {
		NextCursor *string `json:"nextCursor"`
		TotalItems int     `json:"totalItems"`
	} `json:"pagination"`
}

func ids[T any](items []T, id func(*T) string) []string {
	out := make([]string, 0, len(items))
	for i := range items {
		out = append(out, id(&items[i]))
	}
	return out
}

func filterAgents(all []Agent, keep func(*Agent) bool) []Agent {
	var out []Agent
	for i := range all {
		if keep(&all[i]) {
			out = append(out, all[i])
		}
	}
	return out
}
