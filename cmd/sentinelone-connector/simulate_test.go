package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunSimulate(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "sim.pem")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runSimulate(ctx, []string{"--listen", "127.0.0.1:0", "--agents", "30", "--threats", "4",
			"--seed", "9", "--cert-out", certFile, "--fail-next", "1", "--fail-status", "503"}, pw, io.Discard)
		pw.Close()
	}()

	// Read the banner up to the listening line to learn the URL.
	sc := bufio.NewScanner(pr)
	var url string
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "SentinelOne simulator listening on "); ok {
			url = strings.Fields(rest)[0]
			break
		}
	}
	require.NotEmpty(t, url)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.True(t, strings.HasPrefix(url, "https://127.0.0.1:"), url)

	pemBytes, err := os.ReadFile(certFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}

	get := func(path string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, url+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "ApiToken sim-admin-api-token")
		res, err := hc.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	status, _ := get("/web/api/v2.1/agents/count")
	assert.Equal(t, http.StatusServiceUnavailable, status, "--fail-next 1 --fail-status 503")
	status, body := get("/web/api/v2.1/agents/count")
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"data":{"total":30}}`, body)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("runSimulate did not return after cancel")
	}
}

func TestRunSimulateFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		give []string
	}{
		{"non-loopback listen", []string{"--listen", "0.0.0.0:0"}},
		{"error rate above one", []string{"--listen", "127.0.0.1:0", "--error-rate", "2"}},
		{"fail status not an error", []string{"--listen", "127.0.0.1:0", "--fail-status", "200"}},
		{"no agents", []string{"--listen", "127.0.0.1:0", "--agents", "0"}},
		{"unknown flag", []string{"--nope"}},
		{"stray argument", []string{"extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runSimulate(context.Background(), tt.give, io.Discard, io.Discard)
			require.Error(t, err)
		})
	}
}
