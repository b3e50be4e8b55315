package main

import (
	"context"
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

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// TestShutdownKeepsItsBudgetDespiteASlowLogout: SentinelOne takes a minute to answer the
// logout of the session serve holds; serve still returns within --shutdown-timeout (plus
// scheduling slack), having tried the logout.
func TestShutdownKeepsItsBudgetDespiteASlowLogout(t *testing.T) {
	sim, err := s1sim.Start(s1sim.Options{Agents: 10, Threats: 2, LogoutDelay: time.Minute})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(ca, sim.CertPEM(), 0o600))
	seed, _ := json.Marshal([]map[string]any{{"name": "tenant", "default": true, "config": map[string]any{
		"host_name": sim.URL, "username": s1sim.AdminUser, "password": s1sim.AdminPassword, "verify_ssl": true}}})
	seedFile := filepath.Join(dir, "seed.json")
	require.NoError(t, os.WriteFile(seedFile, seed, 0o600))
	const token = "shutdown-test-token-0123456789"
	t.Setenv("CONNECTOR_API_TOKEN", token)

	const budget = time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := newSyncBuffer()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
			"--seed-configs", seedFile, "--ca-bundle", ca, "--shutdown-timeout", budget.String()}, stdout, io.Discard)
		stdout.w.Close()
	}()
	addr := stdout.next(t, regexp.MustCompile(`listening on http://(\S+)`))[1]
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/integration/execute/",
		strings.NewReader(`{"connector":"sentinelone","operation":"get_agent_count","params":{}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "the execute logs in")

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	elapsed := time.Since(start)
	assert.Less(t, elapsed, budget+time.Second, "the whole drain, logout included, keeps to the budget")
	var logouts int
	for _, r := range sim.Sim.Requests() {
		if strings.HasSuffix(r.Path, "/users/logout") {
			logouts++
		}
	}
	assert.Equal(t, 1, logouts, "the logout was attempted")
	t.Logf("shutdown took %s with a %s budget", elapsed.Round(time.Millisecond), budget)
}
