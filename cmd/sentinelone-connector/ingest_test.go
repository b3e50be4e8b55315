package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// TestIngestWritesEveryThreatOnce ingests the simulator's threats through a stream into an
// NDJSON file, in batches smaller than the console's threats.
func TestIngestWritesEveryThreatOnce(t *testing.T) {
	out := filepath.Join(t.TempDir(), "threats.ndjson")
	_, stderr, code := cli(t, "ingest", "--dev", "--stream", "siem", "--out", out, "--max-items", "7")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "more waiting")
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var th struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &th), "one JSON threat per line")
		seen[th.ID]++
	}
	require.NoError(t, sc.Err())
	require.Len(t, seen, s1sim.DefaultThreats)
	for id, n := range seen {
		require.Equal(t, 1, n, "threat %s written %d times", id, n)
	}
}

// TestIngestAlerts ingests the simulator's STAR alerts through an alerts stream, each once.
func TestIngestAlerts(t *testing.T) {
	out := filepath.Join(t.TempDir(), "alerts.ndjson")
	_, stderr, code := cli(t, "ingest", "--dev", "--stream", "siem", "--kind", "alerts", "--out", out, "--max-items", "7")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "alerts written")
	raw, err := os.ReadFile(out)
	require.NoError(t, err)
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var a struct {
			AlertInfo struct {
				AlertID string `json:"alertId"`
			} `json:"alertInfo"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &a), "one JSON alert per line")
		seen[a.AlertInfo.AlertID]++
	}
	require.Len(t, seen, s1sim.DefaultAlerts)
	for id, n := range seen {
		require.Equal(t, 1, n, "alert %s written %d times", id, n)
	}
}

func TestIngestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ingest", "--dev"}, "--stream NAME is required"},
		{[]string{"ingest", "--stream", "s"}, "--data-dir DIR or --dev"},
		{[]string{"ingest", "--dev", "--stream", "s", "--kind", "agents"}, `--kind "agents"`},
	} {
		_, stderr, code := cli(t, c.args...)
		assert.Equal(t, 2, code, strings.Join(c.args, " "))
		assert.Contains(t, stderr, c.want)
	}
}
