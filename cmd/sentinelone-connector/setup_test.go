package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSetupClient(t *testing.T) {
	g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	require.NoError(t, err)
	dir := t.TempDir()
	args := []string{"--dir", dir, "--url", "http://127.0.0.1:18299", "--service-group", g.Name, "--env-file", filepath.Join(dir, "absent.env"),
		"--client-groups", "no-such-group-x1," + g.Name}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), append([]string{"setup-client"}, args...), &out, &out))

	token, err := os.ReadFile(filepath.Join(dir, "api-token"))
	require.NoError(t, err)
	tok := strings.TrimSpace(string(token))
	assert.Len(t, tok, 64)
	client, err := os.ReadFile(filepath.Join(dir, "client.conf"))
	require.NoError(t, err)
	assert.Contains(t, string(client), "\nSENTINELONE_CONNECTOR_URL=http://127.0.0.1:18299\n")
	assert.Contains(t, string(client), "\nSENTINELONE_CONNECTOR_TOKEN="+tok+"\n")
	for _, name := range []string{"api-token", "client.conf"} {
		st, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o640), st.Mode().Perm(), name)
		assert.Equal(t, g.Gid, strconv.Itoa(int(st.Sys().(*syscall.Stat_t).Gid)), name)
	}
	assert.NotContains(t, out.String(), tok, "the token is never printed")

	// A second run (an upgrade) changes nothing; a lost client file is written again with
	// the existing token.
	require.NoError(t, os.Remove(filepath.Join(dir, "client.conf")))
	out.Reset()
	require.NoError(t, run(context.Background(), append([]string{"setup-client"}, args...), &out, &out))
	again, err := os.ReadFile(filepath.Join(dir, "api-token"))
	require.NoError(t, err)
	assert.Equal(t, token, again)
	client2, err := os.ReadFile(filepath.Join(dir, "client.conf"))
	require.NoError(t, err)
	assert.Equal(t, client, client2)
	assert.NotContains(t, out.String(), "api-token")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "api-token"), []byte("short\n"), 0o640))
	err = run(context.Background(), append([]string{"setup-client"}, args...), &out, &out)
	assert.ErrorContains(t, err, "shorter than 16 characters")
}

// An upgrade from a release whose connector.env set CONNECTOR_API_TOKEN keeps that token.
func TestSetupClientKeepsTheEnvToken(t *testing.T) {
	g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	require.NoError(t, err)
	dir := t.TempDir()
	env := filepath.Join(dir, "connector.env")
	require.NoError(t, os.WriteFile(env, []byte("#CONNECTOR_API_TOKEN=commented-out-000000\nCONNECTOR_API_TOKEN=kept-token-0123456789abcdef\n"), 0o640))
	args := []string{"setup-client", "--dir", dir, "--service-group", g.Name, "--client-groups", g.Name, "--env-file", env}
	require.NoError(t, run(context.Background(), args, io.Discard, io.Discard))
	token, err := os.ReadFile(filepath.Join(dir, "api-token"))
	require.NoError(t, err)
	assert.Equal(t, "kept-token-0123456789abcdef\n", string(token))
	client, err := os.ReadFile(filepath.Join(dir, "client.conf"))
	require.NoError(t, err)
	assert.Contains(t, string(client), "SENTINELONE_CONNECTOR_TOKEN=kept-token-0123456789abcdef\n")
}
