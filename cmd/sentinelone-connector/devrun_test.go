package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func post(t *testing.T, url, token string, body any) (int, []byte) {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, out
}

// TestSecondDevRunReusesTheSimulatorPort is two `make run`-style starts on one data
// directory: the simulator comes back on the same address with the same certificate, so a
// configuration made through the API in the first run still works in the second.
func TestSecondDevRunReusesTheSimulatorPort(t *testing.T) {
	dir := t.TempDir()
	simAddr := freeAddr(t)
	addr, token, simURL, stop := serveDev(t, dir, "--sim-listen", simAddr)
	assert.Equal(t, "https://"+simAddr, simURL)
	status, raw := post(t, "http://"+addr+"/api/integration/configuration/", token, map[string]any{
		"name": "mine", "config": map[string]any{"host_name": simURL, "api_token": s1sim.AdminAPIToken, "verify_ssl": true},
	})
	require.Equal(t, http.StatusCreated, status, "%s", raw)
	cert1 := readFile(t, filepath.Join(dir, simCertName))
	stop()

	addr, token, simURL2, stop := serveDev(t, dir, "--sim-listen", simAddr)
	defer stop()
	assert.Equal(t, simURL, simURL2, "the second run reuses the simulator's address")
	assert.Equal(t, cert1, readFile(t, filepath.Join(dir, simCertName)), "and its certificate")
	status, raw = post(t, "http://"+addr+"/api/integration/execute/", token, map[string]any{
		"connector": "sentinelone", "operation": "get_agent_count", "config": "mine", "params": map[string]any{},
	})
	assert.Equal(t, http.StatusOK, status, "the configuration from the last run still works: %s", raw)

	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM([]byte(cert1)))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(simURL + "/_sim/faults")
	require.NoError(t, err, "the certificate file from the first run verifies the second run's simulator")
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	info, err := os.Stat(filepath.Join(dir, simKeyName))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestDevRunSaysWhenTheSimulatorPortIsTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	t.Setenv("CONNECTOR_API_TOKEN", "")
	_, errOut, code := cli(t, "serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--sim-listen", l.Addr().String())
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "the simulator's address "+l.Addr().String()+" is taken (another make run?)")
	assert.Contains(t, errOut, "--sim-listen or CONNECTOR_SIM_LISTEN")
}

func TestDevSimulatorHasAFixedDefaultAddress(t *testing.T) {
	t.Setenv("CONNECTOR_SIM_LISTEN", "")
	os.Unsetenv("CONNECTOR_SIM_LISTEN")
	f, err := parseServeFlags([]string{"--dev"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8788", f.simListen)
	t.Setenv("CONNECTOR_SIM_LISTEN", "127.0.0.1:18399")
	f, err = parseServeFlags([]string{"--dev"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:18399", f.simListen, "configurable")
}
