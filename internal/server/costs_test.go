package server_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
)

// slowRequest opens a connection and sends the headers of a request and the first bytes
// of its body, then stalls; the caller closes the connection.
func slowRequest(t *testing.T, addr, headers, bodyStart string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
	_, err = io.WriteString(conn, headers+"\r\n"+bodyStart)
	require.NoError(t, err)
	return conn
}

// TestSlowBodiesDoNotTakeExecuteSlots: as many authenticated executes as there are slots
// send their bodies slowly; an ordinary execute still runs, since a slot is taken only once
// a body has been read.
func TestSlowBodiesDoNotTakeExecuteSlots(t *testing.T) {
	a, ts := devServer(t, app.Options{Server: server.Options{APIToken: testToken}})
	addr := strings.TrimPrefix(ts.URL, "http://")
	body := string(execBody("get_agent_count", map[string]any{}))
	headers := "POST /api/integration/execute/ HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\n" +
		"Authorization: Bearer " + testToken + "\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n"
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range server.DefaultMaxConcurrentExecutes {
		conns = append(conns, slowRequest(t, addr, headers, body[:10]))
	}
	require.Eventually(t, func() bool { return inFlight(t, a) == server.DefaultMaxConcurrentExecutes },
		10*time.Second, 10*time.Millisecond, "every slow execute is being read")
	for range 3 {
		resp, env := do(t, "POST", ts.URL+"/api/integration/execute/", "application/json", []byte(body))
		assert.Equal(t, http.StatusOK, resp.StatusCode, env.Message)
	}
	// A slow body that finally arrives runs too.
	_, err := io.WriteString(conns[0], body[10:])
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conns[0]), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestRequestIDs: a caller's X-Request-ID is kept only when it is a short token of
// [A-Za-z0-9._-]; anything else is replaced by a fresh id, in the answer and the log.
func TestRequestIDs(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	_, ts := devServer(t, app.Options{Logger: zap.New(core)})
	fresh := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, tt := range []struct {
		give []string
		keep bool
	}{
		{[]string{"abc.DEF_123-xyz"}, true},
		{[]string{strings.Repeat("a", 128)}, true},
		{[]string{strings.Repeat("a", 129)}, false},
		{[]string{"has space"}, false},
		{[]string{"semi;colon"}, false},
		{[]string{`quote"`}, false},
		{[]string{"é-accent"}, false},
		{[]string{"a/b"}, false},
		{[]string{"one", "two"}, false},
		{nil, false},
	} {
		logs.TakeAll()
		req, err := http.NewRequest("GET", ts.URL+"/api/integration/connectors/", nil)
		require.NoError(t, err)
		for _, v := range tt.give {
			req.Header.Add("X-Request-ID", v)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		got := resp.Header.Get("X-Request-ID")
		if tt.keep {
			assert.Equal(t, tt.give[0], got)
		} else {
			assert.Regexp(t, fresh, got, "given %q", tt.give)
		}
		entries := logs.FilterMessage("request").All()
		require.Len(t, entries, 1)
		assert.Equal(t, got, entries[0].ContextMap()["request_id"])
	}
}

// TestMetricLabelsAreManifestOperations: executes naming no operation of the manifest are
// counted as "unknown", so callers cannot add label values.
func TestMetricLabelsAreManifestOperations(t *testing.T) {
	_, ts := devServer(t, app.Options{})
	exec := ts.URL + "/api/integration/execute/"
	do(t, "POST", exec, "application/json", execBody("get_agent_count", map[string]any{}))
	do(t, "POST", exec, "application/json", execBody("minted_label_1", nil))
	do(t, "POST", exec, "application/json", execBody(strings.Repeat("x", 100), nil))
	do(t, "POST", exec, "application/json", []byte(`{"connector":"sentinelone","operation":"minted_label_2","Params":{}}`))
	resp, err := http.Get(ts.URL + "/metrics")
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(raw)
	assert.Contains(t, body, `connector_executes_total{code="200",operation="get_agent_count",status="Success"} 1`)
	assert.Contains(t, body, `connector_executes_total{code="404",operation="unknown",status="failed"} 2`)
	assert.Contains(t, body, `connector_executes_total{code="400",operation="unknown",status="failed"} 1`)
	assert.NotContains(t, body, "minted_label")
	assert.NotContains(t, body, "xxxxxxxx")
}

// TestUnauthenticatedRequestsStayCheap: without the token the server answers 401 at once,
// without reading the body (announced or chunked) and closing the connection; /healthz,
// open to all, reads none either; and what the server logs stays short however long the
// path and headers.
func TestUnauthenticatedRequestsStayCheap(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	a, ts := devServer(t, app.Options{Logger: zap.New(core), Server: server.Options{APIToken: testToken}})
	addr := strings.TrimPrefix(ts.URL, "http://")
	for _, route := range []string{"POST /api/integration/execute/", "GET /healthz", "POST /api/integration/unknown"} {
		for name, framing := range map[string]string{
			"announced 1 GiB": "Content-Length: 1073741824\r\n",
			"chunked":         "Transfer-Encoding: chunked\r\n",
		} {
			t.Run(route+" "+name, func(t *testing.T) {
				start := `{"connector":"sentinelone","operation":"get_agent_count","params":{"x":"`
				if strings.Contains(framing, "chunked") {
					start = fmt.Sprintf("%x\r\n%s\r\n", len(start), start)
				}
				conn := slowRequest(t, addr, route+" HTTP/1.1\r\nHost: "+addr+
					"\r\nContent-Type: application/json\r\n"+framing, start)
				defer conn.Close()
				require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
				r := bufio.NewReader(conn)
				resp, err := http.ReadResponse(r, nil)
				require.NoError(t, err, "the 401 comes without waiting for the body")
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if strings.Contains(route, "healthz") {
					assert.Equal(t, http.StatusOK, resp.StatusCode)
				} else {
					assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
				}
				assert.True(t, resp.Close, "the connection is closed rather than drained")
				_, err = r.ReadByte()
				assert.ErrorIs(t, err, io.EOF, "the server closed the connection")
			})
		}
	}
	logs.TakeAll()
	long := "/api/integration/" + strings.Repeat("p", 60<<10)
	req, err := http.NewRequest("POST", ts.URL+long+"?"+url.Values{"q": {strings.Repeat("q", 4096)}}.Encode(), strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("User-Agent", strings.Repeat("u", 8192))
	req.Header.Set("Authorization", "Bearer "+strings.Repeat("t", 8192))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Less(t, len(raw), 1024)
	entries := logs.All()
	require.NotEmpty(t, entries)
	for _, e := range entries {
		enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
		buf, err := enc.EncodeEntry(e.Entry, e.Context)
		require.NoError(t, err)
		assert.Less(t, buf.Len(), 1024, "log line %s", e.Message)
		assert.NotContains(t, buf.String(), "uuuu", "no header values are logged")
		assert.NotContains(t, buf.String(), "tttt", "no header values are logged")
	}
	assert.Empty(t, a.Sim.Sim.Requests())
}
