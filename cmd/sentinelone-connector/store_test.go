package main

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore/pgstore/pgtest"
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
