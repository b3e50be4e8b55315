package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
)

// TestStrictEnvelope is the catalogue of bodies encoding/json would accept leniently:
// unknown or miscased keys, duplicate keys at any depth, text that is not valid UTF-8 or
// holds an unpaired surrogate escape. Each is a 400 in the failure envelope naming the key
// with its path, and SentinelOne receives nothing.
func TestStrictEnvelope(t *testing.T) {
	a, ts := devServer(t, app.Options{Server: server.Options{APIToken: testToken}, DataDir: t.TempDir()})
	exec := ts.URL + "/api/integration/execute/"
	cfgs := ts.URL + "/api/integration/configuration/"
	health := ts.URL + "/api/integration/connectors/healthcheck/sentinelone/1.0.0/"
	sim, err := a.Store.Resolve(t.Context(), app.DevConfigName)
	require.NoError(t, err)
	const head = `{"connector":"sentinelone","operation":"get_agents",`
	tests := []struct {
		name    string
		method  string
		url     string
		body    string
		wantMsg string
	}{
		{"misspelt config", "POST", exec, head + `"confg":"tenant-b"}`, `confg: unknown key (did you mean "config"?): the request body may hold only connector, version, operation, config, params, audit`},
		{"misspelt params", "POST", exec, head + `"parms":{"ids":"1"}}`, `parms: unknown key (did you mean "params"?)`},
		{"unrelated key", "POST", exec, head + `"dry_run":true}`, "dry_run: unknown key: the request body may hold only"},
		{"Params in another case", "POST", exec, head + `"Params":{"ids":"1"}}`, `Params: unknown key: keys are case-sensitive, write "params"`},
		{"Operation in another case", "POST", exec, `{"connector":"sentinelone","Operation":"get_agents"}`, `Operation: unknown key: keys are case-sensitive, write "operation"`},
		{"CONFIG in another case", "POST", exec, head + `"CONFIG":"simulator"}`, `CONFIG: unknown key: keys are case-sensitive, write "config"`},
		{"odd key is quoted", "POST", exec, head + `"con fig":"x"}`, `"con fig": unknown key`},
		{"duplicate operation", "POST", exec, `{"connector":"sentinelone","operation":"get_agents","operation":"agent_action"}`, "operation: duplicate key: each key may appear only once in an object"},
		{"duplicate connector", "POST", exec, head + `"connector":"x"}`, "connector: duplicate key"},
		{"duplicate config", "POST", exec, head + `"config":"simulator","config":"tenant-b"}`, "config: duplicate key"},
		{"duplicate params", "POST", exec, head + `"params":{},"params":{"ids":"1"}}`, "params: duplicate key"},
		{"duplicate param", "POST", exec, head + `"params":{"ids":"1","limit":2,"ids":"2"}}`, "params.ids: duplicate key"},
		{"duplicate param by escape", "POST", exec, head + `"params":{"ids":"1","\u0069ds":"2"}}`, "params.ids: duplicate key"},
		{"duplicate in a nested value", "POST", exec, head + `"params":{"osTypes":["linux",{"a":1,"a":2}]}}`, "params.osTypes[1].a: duplicate key"},
		{"duplicate in a deep object", "POST", exec, head + `"params":{"x":{"y":{"z":1,"z":1}}}}`, "params.x.y.z: duplicate key"},
		{"invalid UTF-8 in a param", "POST", exec, head + `"params":{"computerName__like":"ab` + "\xff" + `"}}`, "params.computerName__like: is not valid UTF-8"},
		{"truncated UTF-8 in a param", "POST", exec, head + `"params":{"computerName__like":"` + "\xe2\x82" + `"}}`, "params.computerName__like: is not valid UTF-8"},
		{"lone low surrogate", "POST", exec, head + `"params":{"computerName__like":"\udc00"}}`, `params.computerName__like: holds an unpaired surrogate escape (\udc00)`},
		{"lone high surrogate", "POST", exec, head + `"params":{"computerName__like":"a\uD800b"}}`, `params.computerName__like: holds an unpaired surrogate escape (\ud800)`},
		{"high surrogate at the end", "POST", exec, head + `"params":{"computerName__like":"\ud83d"}}`, `params.computerName__like: holds an unpaired surrogate escape`},
		{"reversed surrogate pair", "POST", exec, head + `"params":{"computerName__like":"\ude00\ud83d"}}`, `params.computerName__like: holds an unpaired surrogate escape (\ude00)`},
		{"surrogate in a list item", "POST", exec, head + `"params":{"osTypes":["linux","\udfff"]}}`, `params.osTypes[1]: holds an unpaired surrogate`},
		{"invalid UTF-8 in a key", "POST", exec, head + `"params":{"ids` + "\xc3" + `":"1"}}`, "key is not valid UTF-8"},
		{"surrogate in a key", "POST", exec, head + `"params":{"\udc00":"1"}}`, "key holds an unpaired surrogate escape"},
		{"invalid UTF-8 in config", "POST", exec, head + `"config":"sim` + "\xfe" + `"}`, "config: is not valid UTF-8"},
		{"invalid UTF-8 in operation", "POST", exec, `{"connector":"sentinelone","operation":"get_agents` + "\x80" + `"}`, "operation: is not valid UTF-8"},
		{"audit not a boolean", "POST", exec, head + `"audit":"yes"}`, "audit must be true or false"},
		{"config: duplicate name", "POST", cfgs, `{"name":"a","name":"b","config":{"host_name":"a.example.net","api_token":"t-0123456789"}}`, "name: duplicate key"},
		{"config: duplicate secret", "POST", cfgs, `{"name":"a","config":{"host_name":"a.example.net","api_token":"t-0123456789","api_token":"t-9876543210"}}`, "config.api_token: duplicate key"},
		{"config: invalid UTF-8 value", "POST", cfgs, `{"name":"a","config":{"host_name":"a.example.net","username":"u` + "\xff" + `","password":"p"}}`, "config.username: is not valid UTF-8"},
		{"config: surrogate in name", "POST", cfgs, `{"name":"a\udc00","config":{"host_name":"a.example.net","api_token":"t-0123456789"}}`, "name: holds an unpaired surrogate"},
		{"config: Name in another case", "POST", cfgs, `{"Name":"a","config":{"host_name":"a.example.net","api_token":"t-0123456789"}}`, `unknown field(s) "Name"`},
		{"config: update with duplicate active", "PUT", cfgs + sim.ID + "/", `{"active":true,"active":false}`, "active: duplicate key"},
		{"health: config twice", "GET", health + "?config=simulator&config=other", "", "config: duplicate query parameter"},
		{"health: Config in another case", "GET", health + "?Config=simulator", "", `Config: unknown query parameter: keys are case-sensitive, write "config"`},
		{"health: misspelt config", "GET", health + "?confg=simulator", "", "confg: unknown query parameter: the health check takes only config"},
		{"health: config not UTF-8", "GET", health + "?config=%ff", "", "config: is not valid UTF-8"},
		{"health: malformed escape", "GET", health + "?config=%zz", "", "the query string is malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.Sim.Sim.ResetRequests()
			ct := "application/json"
			if tt.method == "GET" {
				ct = ""
			}
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			resp, env := do(t, tt.method, tt.url, ct, body)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Equal(t, "failed", env.Status)
			assert.Contains(t, env.Message, tt.wantMsg)
			if tt.url == exec {
				assert.True(t, strings.HasPrefix(env.Message, "CS-INTEGRATION-5: "), env.Message)
			}
			assert.Empty(t, a.Sim.Sim.Requests(), "no SentinelOne request may be made for a refused body")
		})
	}

	// What the rules allow still runs: a surrogate pair, audit, null fields, every key once.
	for _, body := range []string{
		head + `"params":{"computerName__like":"\ud83d\ude00","limit":1}}`,
		head + `"version":"1.0.0","config":"simulator","params":{"limit":1},"audit":false}`,
		head + `"version":null,"config":null,"params":null,"audit":null}`,
		head + `"params":{"computerName__like":"\\udc00","limit":1}}`,
	} {
		resp, env := do(t, "POST", exec, "application/json", []byte(body))
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", body, env.Message)
	}
	resp, env := do(t, "GET", health+"?config=simulator", "", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, env.Message)
}
