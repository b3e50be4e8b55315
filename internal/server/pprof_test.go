package server_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
)

func getPprof(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestPprofBehindTheToken(t *testing.T) {
	_, ts := devServer(t, app.Options{Server: server.Options{APIToken: testToken, Pprof: true}})
	base := ts.URL + server.PprofPrefix

	status, body := getPprof(t, base, "Bearer "+testToken)
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "goroutine")
	status, body = getPprof(t, base+"heap?debug=1", "Bearer "+testToken)
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "heap profile")
	status, _ = getPprof(t, base+"profile?seconds=1", "Bearer "+testToken)
	assert.Equal(t, http.StatusOK, status, "a CPU profile")
	status, body = getPprof(t, base+"cmdline", "Bearer "+testToken)
	assert.Equal(t, http.StatusOK, status)
	assert.NotEmpty(t, body)

	for _, auth := range []string{"", "Bearer wrong-token-0123456789"} {
		status, body = getPprof(t, base+"heap", auth)
		assert.Equal(t, http.StatusUnauthorized, status, "auth %q", auth)
		assert.NotContains(t, body, "heap profile")
	}
}

func TestPprofOffByDefault(t *testing.T) {
	_, ts := devServer(t, app.Options{Server: server.Options{APIToken: testToken}})
	status, _ := getPprof(t, ts.URL+server.PprofPrefix, "Bearer "+testToken)
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = getPprof(t, ts.URL+server.PprofPrefix+"heap", "Bearer "+testToken)
	assert.Equal(t, http.StatusNotFound, status)
}
