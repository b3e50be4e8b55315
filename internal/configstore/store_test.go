package configstore_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sentinelone "github.com/fortisoar-connectors/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

const (
	password = "Pa55-unique-zq81x"
	apiToken = "tok-unique-7fj3kq9v"
)

func manifest(t testing.TB) *connector.Manifest {
	t.Helper()
	data, err := sentinelone.Files.ReadFile(sentinelone.ManifestPath)
	require.NoError(t, err)
	schema, err := sentinelone.Files.ReadFile(sentinelone.ManifestSchemaPath)
	require.NoError(t, err)
	m, err := connector.Load(data, schema)
	require.NoError(t, err)
	return m
}

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, configstore.KeySize) }

// noPort8 stands in for the vendor's host rule, beside its credential rule (the values check
// the connector gives the store).
func noPort8(values map[string]any) error {
	if strings.HasSuffix(values["host_name"].(string), ":8") {
		return errors.New("host_name: port 8 is not a console port")
	}
	return operations.CheckValues(values)
}

func open(t *testing.T, dir string) *configstore.Store {
	t.Helper()
	s, err := configstore.Open(dir, manifest(t), testKey(1), configstore.WithValuesCheck(noPort8))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func raw(t testing.TB, v map[string]any) map[string]json.RawMessage {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	var b map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &b))
	return b
}

// body decodes v as the configuration API does.
func body(t testing.TB, v map[string]any) *connector.ConfigInput {
	t.Helper()
	in, err := decode(t)(raw(t, v))
	require.NoError(t, err)
	return in
}

// decode is the configuration API's decoder, which seed files share.
func decode(t testing.TB) configstore.Decoder {
	m := manifest(t)
	return func(b map[string]json.RawMessage) (*connector.ConfigInput, error) {
		return server.DecodeConfigInput(m, b)
	}
}

func userConfig(name string) map[string]any {
	return map[string]any{"name": name, "config": map[string]any{
		"host_name": "usea1.example.net", "username": "soar", "password": password,
	}}
}

func create(t *testing.T, s *configstore.Store, v map[string]any) *connector.Config {
	t.Helper()
	ch, err := s.Create(context.Background(), body(t, v))
	require.NoError(t, err)
	return ch.Config
}

func TestOpenRefusesGarbage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, configstore.FileName)
	garbage := bytes.Repeat([]byte("this is not a bbolt file "), 1000)
	require.NoError(t, os.WriteFile(path, garbage, 0o600))

	_, err := configstore.Open(dir, manifest(t), testKey(1))
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	after, rerr := os.ReadFile(path)
	require.NoError(t, rerr)
	assert.Equal(t, garbage, after, "a damaged store must never be reset")
}

func TestOpenLockTimeout(t *testing.T) {
	dir := t.TempDir()
	open(t, dir)
	_, err := configstore.Open(dir, manifest(t), testKey(1), configstore.WithLockTimeout(50*time.Millisecond))
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, configstore.FileName))
	assert.Contains(t, err.Error(), "another process holds its lock")
}

func TestOpenRefusesOtherKey(t *testing.T) {
	dir := t.TempDir()
	s, err := configstore.Open(dir, manifest(t), testKey(1))
	require.NoError(t, err)
	create(t, s, userConfig("prod"))
	require.NoError(t, s.Close())

	_, err = configstore.Open(dir, manifest(t), testKey(2))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "written with another key")

	_, err = configstore.Open(dir, manifest(t), []byte("short"))
	assert.ErrorContains(t, err, "must be 32 bytes")
}

func TestLoadKey(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(testKey(7))
	tests := []struct {
		name     string
		giveEnv  string
		giveFile string
		giveMode os.FileMode
		wantErr  string
	}{
		{name: "env", giveEnv: good},
		{name: "env not base64", giveEnv: "%%%not-base64%%%", wantErr: "CONNECTOR_SECRET_KEY: not valid base64"},
		{name: "env wrong length", giveEnv: base64.StdEncoding.EncodeToString([]byte("sixteen-byte-key")), wantErr: "must decode to 32 bytes, got 16"},
		{name: "file", giveFile: good + "\n", giveMode: 0o600},
		{name: "file readable by others", giveFile: good, giveMode: 0o644, wantErr: "group or others can access it"},
		{name: "file wrong length", giveFile: base64.StdEncoding.EncodeToString([]byte("short")), giveMode: 0o600, wantErr: "must decode to 32 bytes, got 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.giveFile != "" {
				path := filepath.Join(dir, configstore.KeyFileName)
				require.NoError(t, os.WriteFile(path, []byte(tt.giveFile), tt.giveMode))
				require.NoError(t, os.Chmod(path, tt.giveMode))
			}
			getenv := func(k string) string {
				if k == configstore.KeyEnv {
					return tt.giveEnv
				}
				return ""
			}
			key, err := configstore.LoadKey(dir, getenv)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.NotContains(t, err.Error(), tt.giveEnv+tt.giveFile)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, testKey(7), key)
		})
	}
}

func TestLoadKeyCreatesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	none := func(string) string { return "" }
	key, err := configstore.LoadKey(dir, none)
	require.NoError(t, err)
	require.Len(t, key, configstore.KeySize)
	info, err := os.Stat(filepath.Join(dir, configstore.KeyFileName))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	again, err := configstore.LoadKey(dir, none)
	require.NoError(t, err)
	assert.Equal(t, key, again, "the key file is reused on the next start")
}

func TestRestartKeepsConfigsAndEncryptsSecrets(t *testing.T) {
	dir := t.TempDir()
	key := testKey(3)
	s, err := configstore.Open(dir, manifest(t), key)
	require.NoError(t, err)
	first := create(t, s, userConfig("prod"))
	second := create(t, s, map[string]any{"name": "lab", "default": true,
		"operations": map[string]any{"mitigate_threats": false},
		"config":     map[string]any{"host_name": "lab.example.net", "api_token": apiToken, "verify_ssl": "false"}})
	require.NoError(t, s.Close())

	raw, err := os.ReadFile(filepath.Join(dir, configstore.FileName))
	require.NoError(t, err)
	assert.False(t, bytes.Contains(raw, []byte(password)), "password in clear on disk")
	assert.False(t, bytes.Contains(raw, []byte(apiToken)), "token in clear on disk")
	assert.True(t, bytes.Contains(raw, []byte("lab.example.net")), "the store is the file that was written")

	s, err = configstore.Open(dir, manifest(t), key)
	require.NoError(t, err)
	defer s.Close()
	cfgs, err := s.List(context.Background())
	require.NoError(t, err)
	require.Len(t, cfgs, 2)
	assert.Equal(t, first.ID, cfgs[0].ID)
	assert.False(t, cfgs[0].Default)
	assert.Equal(t, password, cfgs[0].Values["password"])

	def, err := s.Resolve(context.Background(), "")
	require.NoError(t, err)
	assert.Equal(t, second.ID, def.ID)
	assert.Equal(t, apiToken, def.Values["api_token"])
	assert.Equal(t, false, def.Values["verify_ssl"])
	assert.Equal(t, "2.1", def.Values["api_version"], "defaults are stored")
	assert.False(t, def.OperationEnabled("mitigate_threats"))
	assert.True(t, def.OperationEnabled("get_agents"))
	assert.True(t, def.Updated.Equal(second.Updated))
}

func TestResolve(t *testing.T) {
	s := open(t, t.TempDir())
	prod := create(t, s, userConfig("prod"))
	lab := create(t, s, userConfig("lab"))
	tests := []struct {
		give   string
		wantID string
	}{
		{give: "", wantID: prod.ID},
		{give: "lab", wantID: lab.ID},
		{give: lab.ID, wantID: lab.ID},
		{give: "prod", wantID: prod.ID},
	}
	for _, tt := range tests {
		cfg, err := s.Resolve(context.Background(), tt.give)
		require.NoError(t, err, tt.give)
		assert.Equal(t, tt.wantID, cfg.ID, tt.give)
		assert.Equal(t, password, cfg.Values["password"])
	}
	_, err := s.Resolve(context.Background(), "nope")
	assert.ErrorIs(t, err, connector.ErrNoConfig)

	empty := open(t, t.TempDir())
	_, err = empty.Resolve(context.Background(), "")
	assert.ErrorIs(t, err, connector.ErrNoConfig)
}

func defaults(t *testing.T, s *configstore.Store) []string {
	t.Helper()
	cfgs, err := s.List(context.Background())
	require.NoError(t, err)
	var names []string
	for _, c := range cfgs {
		if c.Default {
			names = append(names, c.Name)
		}
	}
	return names
}

func TestExactlyOneDefault(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	a := create(t, s, userConfig("a"))
	assert.True(t, a.Default, "the first configuration becomes the default")
	b := create(t, s, userConfig("b"))
	assert.False(t, b.Default)
	c := create(t, s, map[string]any{"name": "c", "default": true, "config": userConfig("")["config"]})
	assert.Equal(t, []string{"c"}, defaults(t, s))

	_, err := s.Update(ctx, b.ID, body(t, map[string]any{"default": true}))
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, defaults(t, s))

	_, err = s.Update(ctx, b.ID, body(t, map[string]any{"default": false}))
	assert.ErrorIs(t, err, connector.ErrConfigConflict, "the default is not unset without a successor")
	assert.Equal(t, []string{"b"}, defaults(t, s))
	ch, err := s.Update(ctx, b.ID, body(t, map[string]any{"default": false, "new_default": "a"}))
	require.NoError(t, err)
	assert.Equal(t, []string{`default moved from "b" to "a"`}, ch.Changes)
	assert.Equal(t, []string{"a"}, defaults(t, s))

	deleted, promoted, err := s.Delete(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, "a", deleted.Name)
	require.NotNil(t, promoted)
	assert.Equal(t, b.ID, promoted.ID, "the oldest remaining becomes the default")
	assert.Equal(t, []string{"b"}, defaults(t, s))

	_, promoted, err = s.Delete(ctx, c.ID)
	require.NoError(t, err)
	assert.Nil(t, promoted, "deleting a non-default promotes nothing")
	_, promoted, err = s.Delete(ctx, b.ID)
	require.NoError(t, err)
	assert.Nil(t, promoted, "none is left")
	assert.Empty(t, defaults(t, s))

	_, _, err = s.Delete(ctx, b.ID)
	assert.ErrorIs(t, err, connector.ErrNoConfig)
	assert.Equal(t, connector.KindNotFound, connector.KindOf(err))
}

func TestUpdateSecrets(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	cfg := create(t, s, map[string]any{"name": "prod", "config": map[string]any{
		"host_name": "usea1.example.net", "username": "soar", "password": password, "api_token": apiToken,
	}})
	tests := []struct {
		name      string
		give      map[string]any
		wantPass  any
		wantToken any
	}{
		{name: "omitted keeps", give: map[string]any{"host_name": "eu.example.net"}, wantPass: password, wantToken: apiToken},
		{name: "mask keeps", give: map[string]any{"password": connector.Mask, "api_token": connector.Mask}, wantPass: password, wantToken: apiToken},
		{name: "new value replaces", give: map[string]any{"password": "n3w-secret"}, wantPass: "n3w-secret", wantToken: apiToken},
		{name: "empty clears", give: map[string]any{"api_token": ""}, wantPass: "n3w-secret", wantToken: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Update(ctx, cfg.ID, body(t, map[string]any{"config": tt.give}))
			require.NoError(t, err)
			got, err := s.Resolve(ctx, cfg.ID)
			require.NoError(t, err)
			assert.Equal(t, tt.wantPass, got.Values["password"])
			assert.Equal(t, tt.wantToken, got.Values["api_token"])
		})
	}
}

func TestUpdatedMovesOnEveryUpdate(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	cfg := create(t, s, userConfig("prod"))
	prev := cfg.Updated
	for i := 0; i < 5; i++ {
		ch, err := s.Update(ctx, cfg.ID, body(t, map[string]any{"active": true, "name": fmt.Sprintf("prod-%d", i%2)}))
		require.NoError(t, err)
		got := ch.Config
		assert.True(t, got.Updated.After(prev), "update %d: %v is not after %v", i, got.Updated, prev)
		resolved, err := s.Resolve(ctx, cfg.ID)
		require.NoError(t, err)
		assert.True(t, resolved.Updated.Equal(got.Updated))
		prev = got.Updated
	}
}

func TestWriteErrors(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	existing := create(t, s, userConfig("prod"))
	hostOnly := func(host string) map[string]any { return map[string]any{"host_name": host, "api_token": apiToken} }
	tests := []struct {
		name     string
		give     map[string]any
		wantKind connector.Kind
		wantErr  string
	}{
		{name: "no name", give: map[string]any{"config": hostOnly("a.example.net")}, wantErr: "name: is required"},
		{name: "blank name", give: map[string]any{"name": "  ", "config": hostOnly("a.example.net")}, wantErr: "name: must not be empty"},
		{name: "long name", give: map[string]any{"name": strings.Repeat("n", 129), "config": hostOnly("a.example.net")}, wantErr: "at most 128"},
		{name: "name not a string", give: map[string]any{"name": 5}, wantErr: "name: must be a string"},
		{name: "duplicate name", give: map[string]any{"name": " prod ", "config": hostOnly("a.example.net")}, wantErr: `named "prod" already exists`},
		{name: "duplicate id", give: map[string]any{"name": "x", "config_id": existing.ID, "config": hostOnly("a.example.net")}, wantErr: "already exists"},
		{name: "bad id", give: map[string]any{"name": "x", "config_id": "123"}, wantErr: "config_id: must be a UUID"},
		{name: "missing host", give: map[string]any{"name": "x", "config": map[string]any{"api_token": apiToken}}, wantErr: "host_name: is required"},
		{name: "host with path", give: map[string]any{"name": "x", "config": hostOnly("a.example.net/path")}, wantErr: "host_name:"},
		{name: "host rule", give: map[string]any{"name": "x", "config": hostOnly("a.example.net:8")}, wantErr: "port 8 is not a console port"},
		{name: "wrong type", give: map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net", "api_token": apiToken, "verify_ssl": "maybe"}}, wantErr: "verify_ssl:"},
		{name: "bad select", give: map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net", "api_token": apiToken, "api_version": "3.0"}}, wantErr: "api_version:"},
		{name: "unknown config field", give: map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net", "api_token": apiToken, "hostname": "y"}}, wantErr: "hostname: unknown parameter"},
		{name: "no credentials", give: map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net"}}, wantErr: "api_token: is required unless username and password"},
		{name: "user without password", give: map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net", "username": "u"}}, wantErr: "password: is required with username"},
		{name: "password without user", give: map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net", "password": password}}, wantErr: "username: is required with password"},
		{name: "mask as a new secret", give: map[string]any{"name": "x", "config": hostOnly("a.example.net")}, wantErr: ""},
		{name: "unknown operation", give: map[string]any{"name": "x", "config": hostOnly("a.example.net"), "operations": map[string]any{"isolate_agent": false, "zap": true}}, wantErr: `unknown operation(s) "isolate_agent", "zap"`},
		{name: "operation not bool", give: map[string]any{"name": "x", "config": hostOnly("a.example.net"), "operations": map[string]any{"get_agents": "off"}}, wantErr: "operations.get_agents: must be true or false"},
		{name: "default not bool", give: map[string]any{"name": "x", "default": "yes"}, wantErr: "default: must be true or false"},
		{name: "config not object", give: map[string]any{"name": "x", "config": []any{1}}, wantErr: "config: must be an object"},
		{name: "other connector", give: map[string]any{"name": "x", "connector_name": "crowdstrike"}, wantErr: "connector_name:"},
		{name: "other version", give: map[string]any{"name": "x", "connector_version": "9.9.9"}, wantErr: "connector_version:"},
		{name: "unknown field", give: map[string]any{"name": "x", "colour": "red"}, wantErr: `unknown field(s) "colour"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "mask as a new secret" {
				tt.give["config"].(map[string]any)["api_token"] = connector.Mask
				tt.wantErr = "is the mask"
			}
			in, err := decode(t)(raw(t, tt.give))
			if err == nil {
				_, err = s.Create(ctx, in)
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, err.Error(), password)
			assert.NotContains(t, err.Error(), apiToken)
			if strings.Contains(tt.wantErr, "already exists") {
				assert.ErrorIs(t, err, connector.ErrConfigExists)
			}
			assert.Equal(t, connector.KindInvalid, connector.KindOf(err))
		})
	}
	cfgs, err := s.List(ctx)
	require.NoError(t, err)
	assert.Len(t, cfgs, 1, "no failed create left anything behind")

	_, err = s.Update(ctx, "0b6f8a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", body(t, map[string]any{"active": false}))
	assert.ErrorIs(t, err, connector.ErrNoConfig)
	other := create(t, s, userConfig("lab"))
	_, err = s.Update(ctx, other.ID, body(t, map[string]any{"name": "prod"}))
	assert.ErrorIs(t, err, connector.ErrConfigExists)
	_, err = s.Update(ctx, other.ID, body(t, map[string]any{"config": map[string]any{"host_name": "a.example.net:8"}}))
	assert.ErrorContains(t, err, "port 8")
	got, err := s.Get(ctx, other.ID)
	require.NoError(t, err)
	assert.Equal(t, "usea1.example.net", got.Values["host_name"], "a refused update changes nothing")
}

func TestUpsert(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	values := map[string]any{"host_name": "usea1.example.net", "api_token": apiToken, "verify_ssl": "false", "api_version": "2.0"}
	res, err := s.Upsert(ctx, "default", values, false)
	require.NoError(t, err)
	assert.Equal(t, configstore.SeedCreated, res.Action)
	cfg := res.Config
	assert.Equal(t, "default", cfg.Name)
	assert.True(t, cfg.Default)

	values["host_name"] = "eu.example.net"
	again, err := s.Upsert(ctx, "default", values, false)
	require.NoError(t, err)
	assert.Equal(t, configstore.SeedKept, again.Action, "a restart keeps the configuration as it is")
	assert.Equal(t, "usea1.example.net", again.Config.Values["host_name"])
	again, err = s.Upsert(ctx, "default", values, true)
	require.NoError(t, err)
	assert.Equal(t, configstore.SeedUpdated, again.Action, "overwrite applies the seed")
	assert.Equal(t, []string{"host_name changed"}, again.Changes)
	assert.Equal(t, cfg.ID, again.Config.ID)
	cfgs, err := s.List(ctx)
	require.NoError(t, err)
	require.Len(t, cfgs, 1)
	assert.Equal(t, "eu.example.net", cfgs[0].Values["host_name"])
	assert.Equal(t, apiToken, cfgs[0].Values["api_token"])
	assert.Equal(t, false, cfgs[0].Values["verify_ssl"])
	assert.Equal(t, "2.0", cfgs[0].Values["api_version"])

	values["host_name"] = "eu.example.net:8"
	_, err = s.Upsert(ctx, "default", values, true)
	assert.ErrorContains(t, err, "port 8", "seeds pass the store's values check")
}

func TestSeedFromFile(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	path := filepath.Join(t.TempDir(), "seed.json")
	write := func(v any) {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, raw, 0o600))
	}
	write([]any{userConfig("prod"), map[string]any{"name": "lab", "default": true, "operations": map[string]any{"mitigate_threats": false},
		"config": map[string]any{"host_name": "lab.example.net", "api_token": apiToken}}})
	first, err := configstore.SeedFromFile(ctx, s, path, false, decode(t))
	require.NoError(t, err)
	require.Len(t, first, 2)
	second, err := configstore.SeedFromFile(ctx, s, path, false, decode(t))
	require.NoError(t, err)
	assert.Equal(t, first[0].Config.ID, second[0].Config.ID)
	assert.Equal(t, first[1].Config.ID, second[1].Config.ID)
	assert.Equal(t, configstore.SeedKept, second[0].Action)
	third, err := configstore.SeedFromFile(ctx, s, path, true, decode(t))
	require.NoError(t, err)
	assert.Equal(t, configstore.SeedSame, third[1].Action, "nothing to change: %v", third[1].Changes)
	cfgs, err := s.List(ctx)
	require.NoError(t, err)
	assert.Len(t, cfgs, 2, "seeding twice does not duplicate")
	assert.Equal(t, []string{"lab"}, defaults(t, s))

	write([]any{map[string]any{"name": "new", "config": map[string]any{"host_name": "n.example.net", "api_token": apiToken}},
		map[string]any{"name": "broken", "config": map[string]any{"host_name": "b.example.net"}}})
	_, err = configstore.SeedFromFile(ctx, s, path, false, decode(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), `configuration 2 ("broken")`)
	cfgs, err = s.List(ctx)
	require.NoError(t, err)
	assert.Len(t, cfgs, 2, "a bad seed file changes nothing")

	require.NoError(t, os.WriteFile(path, []byte(`{"name":"x"}`), 0o600))
	_, err = configstore.SeedFromFile(ctx, s, path, false, decode(t))
	assert.ErrorContains(t, err, "want a JSON list")
}
