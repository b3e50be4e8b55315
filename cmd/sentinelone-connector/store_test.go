package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore/pgstore/pgtest"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// TestStoreMigrateKeepsEveryConfiguration: store migrate copies a bbolt store into
// PostgreSQL with every configuration — ids, names, default, active flags, disabled
// operations, secrets — and stream state, each resolving there as it did in the file; a
// second run needs --force and changes nothing.
func TestStoreMigrateKeepsEveryConfiguration(t *testing.T) {
	t.Setenv(configstore.KeyEnv, "")
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	m, err := app.LoadManifest(nil)
	require.NoError(t, err)
	dir := t.TempDir()
	key, err := configstore.LoadKey(dir, os.Getenv)
	require.NoError(t, err)
	src, err := configstore.Open(dir, m, key, configstore.WithValuesCheck(operations.CheckValues))
	require.NoError(t, err)
	create := func(body string) *connector.Config {
		var raw map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(body), &raw))
		in, err := server.DecodeConfigInput(m, raw)
		require.NoError(t, err)
		ch, err := src.Create(ctx, in)
		require.NoError(t, err)
		return ch.Config
	}
	first := create(`{"name":"first","config":{"host_name":"usea1.example.net","username":"soar","password":"pw-first-z81"}}`)
	create(`{"name":"token","default":true,"config":{"host_name":"euce1.example.net","api_token":"tok-migrate-q07"},"operations":{"restart_agent":false}}`)
	create(`{"name":"off","active":false,"config":{"host_name":"apne1.example.net","api_token":"tok-off-k33"}}`)
	require.NoError(t, src.Streams().Save(ctx, first.ID, "threats/siem", configstore.StreamState{Committed: "c1", Pending: "c2", Start: "s"}))
	want, err := src.List(ctx)
	require.NoError(t, err)
	require.NoError(t, src.Close())

	out, errOut, code := cli(t, "store", "migrate", "--from", dir, "--to", dsn)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, `copied configuration "token" (`+want[1].ID+`, connector sentinelone, 1 sealed secrets) default`)
	assert.Contains(t, out, `copied configuration "off"`)
	assert.Contains(t, out, "copied 3 configurations and 1 stream states")
	assert.Contains(t, out, "every replica needs this store's secret key")
	for _, secret := range []string{"pw-first-z81", "tok-migrate-q07", "tok-off-k33"} {
		assert.NotContains(t, out+errOut, secret)
	}

	dst, err := app.OpenShared(ctx, m, dsn, key, nil)
	require.NoError(t, err)
	defer dst.Close()
	got, err := dst.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, got, "every configuration, in order, with its flags and decrypted secrets")
	for _, c := range want {
		r, err := dst.Resolve(ctx, c.Name)
		require.NoError(t, err)
		assert.Equal(t, c.Values, r.Values)
	}
	st, err := dst.Streams().Load(ctx, first.ID, "threats/siem")
	require.NoError(t, err)
	assert.Equal(t, configstore.StreamState{Committed: "c1", Pending: "c2", Start: "s"}, st)

	_, errOut, code = cli(t, "store", "migrate", "--from", dir, "--to", dsn)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "already holds configurations (3); copy over them with force")
	_, errOut, code = cli(t, "store", "migrate", "--from", dir, "--to", dsn, "--force")
	require.Equal(t, 0, code, errOut)
	again, err := dst.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, again)
	// A new configuration on the target gets a later place than the copied ones.
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(`{"name":"later","config":{"host_name":"usea1.example.net","api_token":"t-later-1"}}`), &raw))
	in, err := server.DecodeConfigInput(m, raw)
	require.NoError(t, err)
	_, err = dst.Create(ctx, in)
	require.NoError(t, err)
	all, err := dst.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, "later", all[len(all)-1].Name)
}

func TestStoreMigrateUsage(t *testing.T) {
	_, errOut, code := cli(t, "store", "migrate", "--to", "postgres://x@127.0.0.1/db")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--from is required")
	_, errOut, code = cli(t, "store", "migrate", "--from", t.TempDir(), "--to", "mysql://x")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--to must be a PostgreSQL URL")
	_, errOut, code = cli(t, "store", "migrate", "--from", t.TempDir(), "--to", "postgres://x:pw-hidden-77@127.0.0.1:1/db")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no configuration store there")
	_, errOut, code = cli(t, "store", "copy")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown subcommand "copy"`)
}

// TestIngestOnASharedStore: ingest runs on the PostgreSQL store, whose stream checkpoint a
// later run — this process or any replica — continues: the second run writes only the
// threats that came after the first.
func TestIngestOnASharedStore(t *testing.T) {
	dsn, sim, ca := sharedTenant(t, s1sim.Options{Threats: 12})

	out := filepath.Join(t.TempDir(), "threats.ndjson")
	ingest := func() map[string]int {
		_, stderr, code := cli(t, "ingest", "--store", dsn, "--ca-bundle", ca, "--stream", "siem", "--out", out, "--max-items", "5")
		require.Equal(t, 0, code, stderr)
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		seen := map[string]int{}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var th struct {
				ID string `json:"id"`
			}
			require.NoError(t, json.Unmarshal([]byte(line), &th))
			seen[th.ID]++
		}
		return seen
	}
	seen := ingest()
	assert.Len(t, seen, 12)
	added := sim.Sim.AddThreats(3, s1sim.NewThreat{At: time.Now()})
	seen = ingest()
	assert.Len(t, seen, 15, "the new threats are appended")
	for id, n := range seen {
		assert.Equal(t, 1, n, "threat %s written %d times: the second run went on from the first's checkpoint", id, n)
	}
	for _, id := range added {
		assert.Contains(t, seen, id)
	}
}

// TestExecOnASharedStore: exec --store runs an operation in process on a configuration of
// the PostgreSQL store that replicas share.
func TestExecOnASharedStore(t *testing.T) {
	dsn, sim, ca := sharedTenant(t, s1sim.Options{Agents: 9})

	stdout, stderr, code := cli(t, "exec", "get_agent_count", "--store", dsn, "--ca-bundle", ca, "--config", "tenant")
	require.Equal(t, 0, code, stderr)
	var env struct {
		Data struct {
			Count int `json:"count"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &env), stdout)
	live := 0
	for _, a := range sim.Sim.Agents() {
		if !a.IsDecommissioned {
			live++
		}
	}
	assert.Positive(t, live)
	assert.Equal(t, live, env.Data.Count)

	_, stderr, code = cli(t, "exec", "get_agent_count", "--store", dsn, "--dev")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--store runs in this process")
}

// sharedTenant starts a simulator with opts and makes, in a fresh PostgreSQL store shared
// under the key it puts in the environment, the configuration "tenant" pointing at it. It
// returns the store's DSN, the simulator and the file of its certificate.
func sharedTenant(t *testing.T, opts s1sim.Options) (string, *s1sim.Server, string) {
	t.Helper()
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	key := bytes.Repeat([]byte{9}, configstore.KeySize)
	t.Setenv(configstore.KeyEnv, base64.StdEncoding.EncodeToString(key))
	sim, err := s1sim.StartAt("127.0.0.1:0", opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ca := filepath.Join(t.TempDir(), "sim.pem")
	require.NoError(t, os.WriteFile(ca, sim.CertPEM(), 0o600))
	m, err := app.LoadManifest(nil)
	require.NoError(t, err)
	s, err := app.OpenShared(ctx, m, dsn, key, nil)
	require.NoError(t, err)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(`{"name":"tenant","config":{"host_name":"`+sim.URL+`","api_token":"`+s1sim.AdminAPIToken+`"}}`), &raw))
	in, err := server.DecodeConfigInput(m, raw)
	require.NoError(t, err)
	_, err = s.Create(ctx, in)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	return dsn, sim, ca
}
