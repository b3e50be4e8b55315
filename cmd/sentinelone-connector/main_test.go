package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	root "github.com/fortisoar-connectors/sentinelone"
)

func TestCommands(t *testing.T) {
	var out, errb bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"version"}, &out, &errb))
	assert.Regexp(t, `^sentinelone-connector 1\.1\.0 \(commit \S+, go1\.\d+`, out.String())
	for _, name := range []string{"serve", "simulate", "playbook", "version"} {
		assert.Contains(t, commands, name)
	}
	err := run(t.Context(), []string{"reboot"}, &out, &errb)
	assert.ErrorContains(t, err, `unknown command "reboot"`)
	assert.ErrorContains(t, run(t.Context(), nil, &out, &errb), "no command given")
}

func TestServeRefusesBrokenManifest(t *testing.T) {
	info, err := root.Files.ReadFile(root.ManifestPath)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(info, &doc))
	ops := doc["operations"].([]any)
	ops[3].(map[string]any)["category"] = "Remediation"
	delete(ops[5].(map[string]any), "description")
	broken, _ := json.Marshal(doc)
	path := filepath.Join(t.TempDir(), "info.json")
	require.NoError(t, os.WriteFile(path, broken, 0o600))

	var out, errb bytes.Buffer
	err = run(t.Context(), []string{"serve", "--dev", "--listen", "127.0.0.1:0", "--manifest", path}, &out, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/operations/3/category")
	assert.Contains(t, err.Error(), "/operations/5: missing properties: 'description'")
	assert.NotContains(t, out.String(), "listening")
}

func TestServeFlagRules(t *testing.T) {
	t.Setenv("CONNECTOR_API_TOKEN", "")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no data dir", []string{"serve"}, "--data-dir (env CONNECTOR_DATA_DIR) is required"},
		{"no token", []string{"serve", "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0"}, "no API token: set CONNECTOR_API_TOKEN"},
		{"half TLS", []string{"serve", "--dev", "--tls-cert", "c.pem"}, "--tls-cert and --tls-key go together"},
		{"bad log format", []string{"serve", "--dev", "--log-format", "xml"}, "--log-format must be json or console"},
		{"stray argument", []string{"serve", "--dev", "now"}, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			assert.ErrorContains(t, run(t.Context(), tt.args, &out, &errb), tt.want)
		})
	}
	t.Run("short token", func(t *testing.T) {
		t.Setenv("CONNECTOR_API_TOKEN", "short")
		var out, errb bytes.Buffer
		err := run(t.Context(), []string{"serve", "--dev", "--listen", "127.0.0.1:0"}, &out, &errb)
		assert.ErrorContains(t, err, "the API token is too short")
		assert.NotContains(t, err.Error(), "short\"")
	})
}

// syncBuffer lets the test read what serve prints while it runs.
type syncBuffer struct {
	lines chan string
	w     *io.PipeWriter
}

func newSyncBuffer() *syncBuffer {
	r, w := io.Pipe()
	b := &syncBuffer{lines: make(chan string, 16), w: w}
	go func() {
		s := bufio.NewScanner(r)
		for s.Scan() {
			b.lines <- s.Text()
		}
		close(b.lines)
	}()
	return b
}

func (b *syncBuffer) Write(p []byte) (int, error) { return b.w.Write(p) }

func (b *syncBuffer) next(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	for {
		select {
		case line := <-b.lines:
			if m := re.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("serve never printed %s", re)
		}
	}
}

// TestGracefulShutdown cancels serve (as SIGTERM does) while an execute is in flight: the
// execute completes with Success and serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	t.Setenv("CONNECTOR_API_TOKEN", "")
	dataDir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := newSyncBuffer()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--dev", "--listen", "127.0.0.1:0", "--sim-listen", "127.0.0.1:0", "--data-dir", dataDir, "--shutdown-timeout", "10s", "--log-format", "json"}, stdout, io.Discard)
		stdout.w.Close()
	}()
	addr := stdout.next(t, regexp.MustCompile(`listening on http://(\S+)`))[1]
	token := stdout.next(t, regexp.MustCompile(`API token \(generated for this run\): (\S+)`))[1]
	simURL := stdout.next(t, regexp.MustCompile(`SentinelOne simulator at (\S+)`))[1]
	onDisk, err := os.ReadFile(filepath.Join(dataDir, "api-token"))
	require.NoError(t, err)
	assert.Equal(t, token, strings.TrimSpace(string(onDisk)))

	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // loopback simulator
	req, _ := http.NewRequest("PUT", simURL+"/_sim/faults", strings.NewReader(`{"latency":"700ms"}`))
	resp, err := insecure.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	type result struct {
		status int
		body   string
		err    error
	}
	res := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/integration/execute/",
			strings.NewReader(`{"connector":"sentinelone","operation":"get_agent_count","params":{}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		res <- result{status: resp.StatusCode, body: string(b)}
	}()
	require.Eventually(t, func() bool { // the execute is now waiting on the simulator
		req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), "\nconnector_executes_in_flight 1\n")
	}, 5*time.Second, 10*time.Millisecond)
	cancel()
	r := <-res
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.body, `"status":"Success"`)
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	_, err = http.Get("http://" + addr + "/healthz")
	assert.Error(t, err, "the listener is closed after shutdown")
}
