package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	root "github.com/fortisoar-connectors/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
)

const (
	cfgPassword = "Pw-distinctive-83kd0q"
	cfgToken    = "Tk-distinctive-x9m2vq"
	cfgPath     = "/api/integration/configuration/"
)

// portRule stands in for the vendor's host rule injected by main.
func portRule(values map[string]any) error {
	host, _ := values["host_name"].(string)
	host = strings.TrimPrefix(strings.TrimSpace(host), "https://")
	if _, port, err := net.SplitHostPort(host); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("host_name: port %q is not between 1 and 65535", port)
		}
	}
	return credentialRule(values)
}

// credentialRule is the connector's rule on credentials: an API token, or a username and a
// password (the vendor's own rule, which the server itself never states).
func credentialRule(values map[string]any) error {
	has := func(k string) bool { s, _ := values[k].(string); return strings.TrimSpace(s) != "" }
	switch {
	case has("api_token"):
		return nil
	case has("username") && !has("password"):
		return errors.New("password: is required with username (or give api_token instead)")
	case has("password") && !has("username"):
		return errors.New("username: is required with password (or give api_token instead)")
	case !has("username"):
		return errors.New("api_token: is required unless username and password are given")
	}
	return nil
}

// configServer is the real server with the configuration API mounted over a real store,
// and a registry of counting handlers built from the real manifest.
type configServer struct {
	url   string
	dir   string
	store *configstore.Store
	calls map[string]*atomic.Int64
	seen  atomic.Value // *connector.Config of the last handled call
	logs  *observer.ObservedLogs
}

func newConfigServer(t *testing.T) *configServer {
	t.Helper()
	info, err := root.Files.ReadFile(root.ManifestPath)
	require.NoError(t, err)
	schema, err := root.Files.ReadFile(root.ManifestSchemaPath)
	require.NoError(t, err)
	m, err := connector.Load(info, schema)
	require.NoError(t, err)
	m.AcceptVersions(root.EarlierVersions...)

	cs := &configServer{dir: t.TempDir(), calls: map[string]*atomic.Int64{}}
	reg := connector.NewRegistry()
	for _, op := range m.Operations {
		n := &atomic.Int64{}
		cs.calls[op.Name] = n
		require.NoError(t, reg.Register(op.Name, connector.HandlerFunc(func(_ context.Context, call *connector.Call) (any, error) {
			n.Add(1)
			cs.seen.Store(call.Config)
			return map[string]any{"host": call.Config.Values["host_name"]}, nil
		})))
	}
	cs.store, err = configstore.Open(cs.dir, m, bytes.Repeat([]byte{9}, configstore.KeySize), configstore.WithValuesCheck(portRule))
	require.NoError(t, err)
	conn, err := connector.New(m, reg, configstore.NewCache(cs.store)) // as the server runs
	require.NoError(t, err)
	core, logs := observer.New(zap.DebugLevel)
	cs.logs = logs
	srv := server.New(conn, server.Options{Logger: zap.New(core)})
	srv.MountConfigAPI(cs.store)
	ts := httptest.NewServer(srv.Handler())
	cs.url = ts.URL
	t.Cleanup(func() {
		ts.Close()
		_ = cs.store.Close()
	})
	return cs
}

// call sends body (marshalled unless it is a string) and returns the status and raw answer.
func (cs *configServer) call(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, cs.url+path, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), cfgPassword, "%s %s leaked the password", method, path)
	assert.NotContains(t, string(raw), cfgToken, "%s %s leaked the token", method, path)
	return resp.StatusCode, raw
}

type configJSON struct {
	ID         string          `json:"config_id"`
	Name       string          `json:"name"`
	Connector  string          `json:"connector_name"`
	Version    string          `json:"connector_version"`
	Default    bool            `json:"default"`
	Active     bool            `json:"active"`
	Config     map[string]any  `json:"config"`
	Operations map[string]bool `json:"operations"`
	Updated    string          `json:"updated"`
}

func decodeAs[T any](t *testing.T, raw []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(raw, &v), "body: %s", raw)
	return v
}

func (cs *configServer) create(t *testing.T, body map[string]any) configJSON {
	t.Helper()
	status, raw := cs.call(t, http.MethodPost, cfgPath, body)
	require.Equal(t, http.StatusCreated, status, "body: %s", raw)
	return decodeAs[configJSON](t, raw)
}

func prodConfig(name string) map[string]any {
	return map[string]any{"name": name, "config": map[string]any{
		"host_name": "usea1.example.net", "username": "soar", "password": cfgPassword, "api_token": cfgToken,
	}}
}

func TestConfigAPIRoundTrip(t *testing.T) {
	cs := newConfigServer(t)
	created := cs.create(t, prodConfig(" prod "))
	assert.Equal(t, "prod", created.Name, "names are trimmed")
	assert.Equal(t, "sentinelone", created.Connector)
	assert.Equal(t, "1.1.0", created.Version)
	assert.True(t, created.Default, "the first configuration is the default")
	assert.True(t, created.Active)
	assert.Equal(t, connector.Mask, created.Config["password"])
	assert.Equal(t, connector.Mask, created.Config["api_token"])
	assert.Equal(t, "usea1.example.net", created.Config["host_name"])
	assert.Equal(t, "2.1", created.Config["api_version"])
	assert.Len(t, created.Operations, len(cs.store.Manifest().Operations))
	assert.True(t, created.Operations["mitigate_threats"])

	for _, p := range []string{cfgPath + created.ID + "/", cfgPath + created.ID} {
		status, raw := cs.call(t, http.MethodGet, p, nil)
		require.Equal(t, http.StatusOK, status, p)
		assert.Equal(t, created, decodeAs[configJSON](t, raw), p)
	}

	lab := cs.create(t, map[string]any{"name": "lab", "connector_name": "sentinelone", "connector_version": "1.0.0",
		"config": map[string]any{"host_name": "lab.example.net:8443", "api_token": cfgToken}})
	assert.False(t, lab.Default)

	type list struct {
		Status       string       `json:"status"`
		TotalItems   int          `json:"totalItems"`
		ItemsPerPage int          `json:"itemsPerPage"`
		NextPage     *string      `json:"nextPage"`
		PreviousPage *string      `json:"previousPage"`
		Data         []configJSON `json:"data"`
	}
	tests := []struct {
		give      string
		wantNames []string
	}{
		{give: "/api/integration/configuration/", wantNames: []string{"prod", "lab"}},
		{give: "/api/integration/configuration", wantNames: []string{"prod", "lab"}},
		{give: "/api/integration/configuration/?connector_name=sentinelone&connector_version=1.0.0", wantNames: []string{"prod", "lab"}},
		{give: "/api/integration/configuration/?connector_name=crowdstrike", wantNames: []string{}},
		{give: "/api/integration/configuration/?connector_version=0.9.0", wantNames: []string{}},
	}
	for _, tt := range tests {
		status, raw := cs.call(t, http.MethodGet, tt.give, nil)
		require.Equal(t, http.StatusOK, status, tt.give)
		got := decodeAs[list](t, raw)
		names := []string{}
		for _, c := range got.Data {
			names = append(names, c.Name)
		}
		assert.Equal(t, tt.wantNames, names, tt.give)
		assert.Equal(t, "Success", got.Status)
		assert.Equal(t, len(tt.wantNames), got.TotalItems)
		assert.Equal(t, len(tt.wantNames), got.ItemsPerPage)
		assert.Nil(t, got.NextPage)
		assert.Nil(t, got.PreviousPage)
		assert.Contains(t, string(raw), `"nextPage":null`)
	}

	status, raw := cs.call(t, http.MethodPut, cfgPath+lab.ID+"/", map[string]any{
		"name": "lab-2", "default": true, "operations": map[string]any{"mitigate_threats": false},
		"config": map[string]any{"host_name": "lab2.example.net", "api_token": connector.Mask},
	})
	require.Equal(t, http.StatusOK, status, "body: %s", raw)
	updated := decodeAs[configJSON](t, raw)
	assert.Equal(t, "lab-2", updated.Name)
	assert.True(t, updated.Default)
	assert.True(t, updated.Active)
	assert.Contains(t, decodeAs[struct{ Message string }](t, raw).Message, `configuration "lab-2" updated: renamed from "lab" to "lab-2"; host_name changed; operation mitigate_threats disabled; default moved from "prod" to "lab-2"`)
	assert.False(t, updated.Operations["mitigate_threats"])
	assert.True(t, updated.Operations["get_agents"])
	assert.Equal(t, "lab2.example.net", updated.Config["host_name"])
	assert.Equal(t, connector.Mask, updated.Config["api_token"])
	assert.NotEqual(t, lab.Updated, updated.Updated)
	cfg, err := cs.store.Resolve(context.Background(), lab.ID)
	require.NoError(t, err)
	assert.Equal(t, cfgToken, cfg.Values["api_token"], "the masked secret kept the stored one")

	status, raw = cs.call(t, http.MethodGet, cfgPath+created.ID, nil)
	require.Equal(t, http.StatusOK, status)
	assert.False(t, decodeAs[configJSON](t, raw).Default, "a new default clears the old one")

	// A whole GET answer sent back as an update is accepted and changes nothing but Updated.
	status, raw = cs.call(t, http.MethodPut, cfgPath+created.ID, decodeAs[map[string]any](t, raw))
	require.Equal(t, http.StatusOK, status, "body: %s", raw)
	cfg, err = cs.store.Resolve(context.Background(), created.ID)
	require.NoError(t, err)
	assert.Equal(t, cfgPassword, cfg.Values["password"])

	type deleted struct {
		Status     string      `json:"status"`
		Message    string      `json:"message"`
		Deleted    configJSON  `json:"deleted"`
		NewDefault *configJSON `json:"new_default"`
	}
	status, raw = cs.call(t, http.MethodDelete, cfgPath+lab.ID+"/", nil)
	require.Equal(t, http.StatusOK, status)
	del := decodeAs[deleted](t, raw)
	assert.Equal(t, "lab-2", del.Deleted.Name)
	require.NotNil(t, del.NewDefault)
	assert.Equal(t, created.ID, del.NewDefault.ID)
	assert.True(t, del.NewDefault.Default)
	assert.Contains(t, del.Message, `"prod" is now the default`)

	status, raw = cs.call(t, http.MethodDelete, cfgPath+created.ID, nil)
	require.Equal(t, http.StatusOK, status)
	del = decodeAs[deleted](t, raw)
	assert.Nil(t, del.NewDefault)
	assert.Contains(t, del.Message, "no active configuration is left")

	for _, e := range cs.logs.All() {
		line := fmt.Sprint(e.Message, e.ContextMap())
		assert.NotContains(t, line, cfgPassword)
		assert.NotContains(t, line, cfgToken)
	}
}

func TestConfigAPIErrors(t *testing.T) {
	cs := newConfigServer(t)
	existing := cs.create(t, prodConfig("prod"))
	const unknownID = "0b6f8a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
	tests := []struct {
		name       string
		giveMethod string
		givePath   string
		giveBody   any
		wantStatus int
		wantMsg    string
	}{
		{name: "duplicate name", giveMethod: http.MethodPost, giveBody: prodConfig("prod"), wantStatus: http.StatusConflict, wantMsg: `a configuration named "prod" already exists`},
		{name: "duplicate id", giveMethod: http.MethodPost, giveBody: map[string]any{"name": "x", "config_id": existing.ID, "config": prodConfig("")["config"]}, wantStatus: http.StatusConflict, wantMsg: "already exists"},
		{name: "rename onto another", giveMethod: http.MethodPut, givePath: "other", giveBody: map[string]any{"name": "prod"}, wantStatus: http.StatusConflict, wantMsg: `named "prod" already exists`},
		{name: "missing name", giveMethod: http.MethodPost, giveBody: map[string]any{"config": prodConfig("")["config"]}, wantStatus: http.StatusBadRequest, wantMsg: "name: is required"},
		{name: "missing host", giveMethod: http.MethodPost, giveBody: map[string]any{"name": "x", "config": map[string]any{"api_token": cfgToken}}, wantStatus: http.StatusBadRequest, wantMsg: "host_name: is required"},
		{name: "missing credentials", giveMethod: http.MethodPost, giveBody: map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net", "username": "soar"}}, wantStatus: http.StatusBadRequest, wantMsg: "password: is required with username"},
		{name: "host with a path", giveMethod: http.MethodPost, giveBody: map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net/web/api", "api_token": cfgToken}}, wantStatus: http.StatusBadRequest, wantMsg: "host_name: does not match the rule: Give a host name"},
		{name: "host rule", giveMethod: http.MethodPost, giveBody: map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net:99999", "api_token": cfgToken}}, wantStatus: http.StatusBadRequest, wantMsg: `port "99999" is not between 1 and 65535`},
		{name: "host rule on update", giveMethod: http.MethodPut, givePath: "prod", giveBody: map[string]any{"config": map[string]any{"host_name": "a.example.net:0"}}, wantStatus: http.StatusBadRequest, wantMsg: `port "0"`},
		{name: "wrong type of field", giveMethod: http.MethodPost, giveBody: map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net", "api_token": cfgToken, "verify_ssl": 3}}, wantStatus: http.StatusBadRequest, wantMsg: "verify_ssl:"},
		{name: "secret of wrong type", giveMethod: http.MethodPost, giveBody: map[string]any{"name": "x", "config": map[string]any{"host_name": "a.example.net", "api_token": []any{cfgToken}}}, wantStatus: http.StatusBadRequest, wantMsg: "api_token:"},
		{name: "name not a string", giveMethod: http.MethodPost, giveBody: map[string]any{"name": true}, wantStatus: http.StatusBadRequest, wantMsg: "name: must be a string"},
		{name: "active not a bool", giveMethod: http.MethodPut, givePath: "prod", giveBody: map[string]any{"active": "no"}, wantStatus: http.StatusBadRequest, wantMsg: "active: must be true or false"},
		{name: "unknown operations", giveMethod: http.MethodPost, giveBody: map[string]any{"name": "x", "config": prodConfig("")["config"], "operations": map[string]any{"isolate_agent": false}}, wantStatus: http.StatusBadRequest, wantMsg: `unknown operation(s) "isolate_agent"`},
		{name: "other connector version", giveMethod: http.MethodPost, giveBody: map[string]any{"name": "x", "connector_version": "2.0.0"}, wantStatus: http.StatusBadRequest, wantMsg: "connector_version:"},
		{name: "bad JSON", giveMethod: http.MethodPost, giveBody: `{"name": "x",`, wantStatus: http.StatusBadRequest, wantMsg: "request body is not a JSON object"},
		{name: "JSON list", giveMethod: http.MethodPost, giveBody: `[]`, wantStatus: http.StatusBadRequest, wantMsg: "request body is not a JSON object"},
		{name: "bad JSON on update", giveMethod: http.MethodPut, givePath: "prod", giveBody: `nope`, wantStatus: http.StatusBadRequest, wantMsg: "not a JSON object"},
		{name: "unknown id get", giveMethod: http.MethodGet, givePath: unknownID, wantStatus: http.StatusNotFound, wantMsg: "no configuration with id or name"},
		{name: "unknown id put", giveMethod: http.MethodPut, givePath: unknownID, giveBody: map[string]any{"active": false}, wantStatus: http.StatusNotFound, wantMsg: "no configuration with id or name"},
		{name: "unknown id delete", giveMethod: http.MethodDelete, givePath: unknownID + "/", wantStatus: http.StatusNotFound, wantMsg: "no configuration with id or name"},
		{name: "unknown name", giveMethod: http.MethodGet, givePath: "prod-by-name", wantStatus: http.StatusNotFound, wantMsg: "no configuration with id or name"},
	}
	other := cs.create(t, map[string]any{"name": "other", "config": prodConfig("")["config"]})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := cfgPath + tt.givePath
			switch tt.givePath {
			case "prod":
				path = cfgPath + existing.ID
			case "other":
				path = cfgPath + other.ID
			}
			status, raw := cs.call(t, tt.giveMethod, path, tt.giveBody)
			assert.Equal(t, tt.wantStatus, status, "body: %s", raw)
			got := decodeAs[struct {
				Status  string `json:"status"`
				Message string `json:"message"`
			}](t, raw)
			assert.Equal(t, "failed", got.Status)
			assert.Contains(t, got.Message, tt.wantMsg)
		})
	}

	req, err := http.NewRequest(http.MethodPost, cs.url+cfgPath, strings.NewReader(`{"name":"x"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)

	cfgs, err := cs.store.List(context.Background())
	require.NoError(t, err)
	assert.Len(t, cfgs, 2, "no refused request stored anything")
	assert.Equal(t, "usea1.example.net", cfgs[0].Values["host_name"], "no refused update changed anything")
}

func TestConfigAPIParallelCreatesOfOneName(t *testing.T) {
	cs := newConfigServer(t)
	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i], _ = cs.call(t, http.MethodPost, cfgPath, prodConfig("same"))
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	assert.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusConflict: n - 1}, count)
	cfgs, err := cs.store.List(context.Background())
	require.NoError(t, err)
	require.Len(t, cfgs, 1)
	assert.True(t, cfgs[0].Default)
}

func TestConfigAPIRestartKeepsSecretsEncrypted(t *testing.T) {
	cs := newConfigServer(t)
	created := cs.create(t, prodConfig("prod"))
	require.NoError(t, cs.store.Close())

	raw, err := os.ReadFile(filepath.Join(cs.dir, configstore.FileName))
	require.NoError(t, err)
	assert.False(t, bytes.Contains(raw, []byte(cfgPassword)), "password in clear on disk")
	assert.False(t, bytes.Contains(raw, []byte(cfgToken)), "token in clear on disk")

	info, err := root.Files.ReadFile(root.ManifestPath)
	require.NoError(t, err)
	schema, err := root.Files.ReadFile(root.ManifestSchemaPath)
	require.NoError(t, err)
	m, err := connector.Load(info, schema)
	require.NoError(t, err)
	m.AcceptVersions(root.EarlierVersions...)
	reopened, err := configstore.Open(cs.dir, m, bytes.Repeat([]byte{9}, configstore.KeySize))
	require.NoError(t, err)
	cs.store = reopened // closed by the cleanup
	cfg, err := reopened.Resolve(context.Background(), "")
	require.NoError(t, err)
	assert.Equal(t, created.ID, cfg.ID, "the default survives a restart")
	assert.Equal(t, cfgPassword, cfg.Values["password"])
	assert.Equal(t, cfgToken, cfg.Values["api_token"])
}

// healthOf returns the health status of ref.
func (cs *configServer) healthOf(t *testing.T, ref string) string {
	t.Helper()
	status, raw := cs.call(t, http.MethodGet, "/api/integration/connectors/healthcheck/sentinelone/1.0.0/?config="+ref, nil)
	require.Equal(t, http.StatusOK, status)
	return decodeAs[struct {
		Status string `json:"status"`
	}](t, raw).Status
}

func TestConfigAPIDisabledOperationsAndInactiveConfigs(t *testing.T) {
	cs := newConfigServer(t)
	assert.Equal(t, connector.StatusNotConfigured, cs.healthOf(t, ""))

	cfg := cs.create(t, map[string]any{"name": "prod", "operations": map[string]any{"get_agents": false},
		"config": prodConfig("")["config"]})
	exec := func(op string) (int, []byte) {
		return cs.call(t, http.MethodPost, "/api/integration/execute/", map[string]any{
			"connector": "sentinelone", "version": "1.0.0", "operation": op, "config": "prod", "params": map[string]any{},
		})
	}
	status, raw := exec("get_agents")
	assert.Equal(t, http.StatusForbidden, status, "body: %s", raw)
	assert.Contains(t, string(raw), `operation \"get_agents\" (Get Agents) is disabled for configuration \"prod\"`)
	assert.Zero(t, cs.calls["get_agents"].Load(), "a disabled operation never reaches its handler")

	status, _ = exec("get_agent_count")
	assert.Equal(t, http.StatusOK, status)
	assert.EqualValues(t, 1, cs.calls["get_agent_count"].Load())

	status, raw = cs.call(t, http.MethodPut, cfgPath+cfg.ID, map[string]any{"operations": map[string]any{"get_agents": true},
		"config": map[string]any{"host_name": "eu.example.net"}})
	require.Equal(t, http.StatusOK, status, "body: %s", raw)
	status, raw = exec("get_agents")
	assert.Equal(t, http.StatusOK, status, "body: %s", raw)
	assert.EqualValues(t, 1, cs.calls["get_agents"].Load())
	seen := cs.seen.Load().(*connector.Config)
	assert.Equal(t, "eu.example.net", seen.Values["host_name"], "an update takes effect on the next call")
	assert.Equal(t, cfgPassword, seen.Values["password"], "handlers get the decrypted secret")

	spare := cs.create(t, map[string]any{"name": "spare", "config": prodConfig("")["config"]})
	status, raw = cs.call(t, http.MethodPut, cfgPath+cfg.ID, map[string]any{"active": false, "new_default": spare.ID})
	require.Equal(t, http.StatusOK, status, "body: %s", raw)
	assert.Equal(t, connector.StatusDeactivated, cs.healthOf(t, cfg.ID))
	status, raw = exec("get_agent_count")
	assert.Equal(t, http.StatusForbidden, status, "body: %s", raw)
	assert.Contains(t, string(raw), "is deactivated")
	assert.EqualValues(t, 1, cs.calls["get_agent_count"].Load())

	status, raw = cs.call(t, http.MethodPost, "/api/integration/connectors/sentinelone/1.0.0/", nil)
	require.Equal(t, http.StatusOK, status)
	detail := decodeAs[struct {
		Configurations []configJSON `json:"configurations"`
	}](t, raw)
	require.Len(t, detail.Configurations, 2)
	assert.Equal(t, "prod", detail.Configurations[0].Name)
	assert.False(t, detail.Configurations[0].Active)
	assert.Equal(t, connector.Mask, detail.Configurations[0].Config["password"])
}
