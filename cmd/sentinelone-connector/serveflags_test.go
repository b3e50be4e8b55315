package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

func TestServeRateLimitsAndPprofFlags(t *testing.T) {
	t.Setenv("CONNECTOR_RATE_LIMITS", "")
	t.Setenv("CONNECTOR_PPROF", "")
	f, err := parseServeFlags([]string{"--dev"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, sentinelone.DefaultRateLimits(), f.rateLimits, "the documented limits unless told otherwise")
	assert.False(t, f.pprof, "profiles are off by default")

	f, err = parseServeFlags([]string{"--dev", "--rate-limits", "agents=50:5", "--pprof"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, sentinelone.Rate{PerSecond: 50, Burst: 5}, f.rateLimits[sentinelone.LimitAgents])
	assert.True(t, f.pprof)

	t.Setenv("CONNECTOR_RATE_LIMITS", "off")
	t.Setenv("CONNECTOR_PPROF", "true")
	f, err = parseServeFlags([]string{"--dev"}, io.Discard)
	require.NoError(t, err)
	assert.Empty(t, f.rateLimits)
	assert.True(t, f.pprof)

	_, err = parseServeFlags([]string{"--dev", "--rate-limits", "agentz=5"}, io.Discard)
	require.ErrorContains(t, err, `serve: --rate-limits (env CONNECTOR_RATE_LIMITS): rate limits: unknown endpoint class "agentz"`)
}

func TestServeRateBudgetFlag(t *testing.T) {
	t.Setenv("CONNECTOR_RATE_BUDGET", "")
	f, err := parseServeFlags([]string{"--dev"}, io.Discard)
	require.NoError(t, err)
	assert.Empty(t, f.rateBudget, "budgets stay in the process unless told otherwise")

	f, err = parseServeFlags([]string{"--dev", "--rate-budget", "postgres://soar@db.example.net/connector"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "postgres://soar@db.example.net/connector", f.rateBudget)

	t.Setenv("CONNECTOR_RATE_BUDGET", "postgres://soar@db2.example.net/connector")
	f, err = parseServeFlags([]string{"--dev"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "postgres://soar@db2.example.net/connector", f.rateBudget)
}

func TestServeStoreFlags(t *testing.T) {
	t.Setenv("CONNECTOR_STORE", "")
	t.Setenv("CONNECTOR_DATA_DIR", "")
	_, err := parseServeFlags(nil, io.Discard)
	require.ErrorContains(t, err, "--data-dir (env CONNECTOR_DATA_DIR) is required")
	f, err := parseServeFlags([]string{"--store", "postgres://soar@db.example.net/s1", "--secret-key-file", "/etc/k"}, io.Discard)
	require.NoError(t, err, "a shared store stands in for the data directory")
	assert.Equal(t, "postgres://soar@db.example.net/s1", f.store)
	assert.Equal(t, "/etc/k", f.secretKeyFile)
	t.Setenv("CONNECTOR_STORE", "mysql://soar:pw-flag-9@db/s1")
	_, err = parseServeFlags(nil, io.Discard)
	require.ErrorContains(t, err, "--store (env CONNECTOR_STORE): want a PostgreSQL URL")
	assert.NotContains(t, err.Error(), "pw-flag-9")
}
