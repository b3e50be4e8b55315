package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// changeAnswer is what a create or update says it did.
type changeAnswer struct {
	Name    string   `json:"name"`
	Default bool     `json:"default"`
	Active  bool     `json:"active"`
	Message string   `json:"message"`
	Changes []string `json:"changes"`
}

// defaultName is the name of the configuration the store holds as default, or "".
func (cs *configServer) defaultName(t *testing.T) string {
	t.Helper()
	status, raw := cs.call(t, http.MethodGet, cfgPath, nil)
	require.Equal(t, http.StatusOK, status)
	list := decodeAs[struct{ Data []configJSON }](t, raw)
	name := ""
	for _, c := range list.Data {
		if c.Default {
			require.Empty(t, name, "two defaults: %s", raw)
			name = c.Name
		}
	}
	return name
}

func withConfig(name string, extra map[string]any) map[string]any {
	b := prodConfig(name)
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// TestConfigAPIDefaultRule: every configuration route takes an id or a name; the default
// cannot be unset, deactivated or handed to a deactivated configuration unless the same
// change names an active successor; every change says what it did.
func TestConfigAPIDefaultRule(t *testing.T) {
	cs := newConfigServer(t)
	put := func(ref string, body map[string]any) (int, changeAnswer, string) {
		t.Helper()
		status, raw := cs.call(t, http.MethodPut, cfgPath+ref+"/", body)
		var ans changeAnswer
		if status == http.StatusOK {
			ans = decodeAs[changeAnswer](t, raw)
		}
		return status, ans, string(raw)
	}

	status, raw := cs.call(t, http.MethodPost, cfgPath, withConfig("lab", map[string]any{"active": false, "default": true}))
	assert.Equal(t, http.StatusConflict, status)
	assert.Contains(t, string(raw), `configuration \"lab\" cannot be the default while deactivated`)

	status, raw = cs.call(t, http.MethodPost, cfgPath, withConfig("lab", map[string]any{"active": false}))
	require.Equal(t, http.StatusCreated, status, "%s", raw)
	created := decodeAs[changeAnswer](t, raw)
	assert.False(t, created.Default, "a deactivated configuration never becomes the default")
	assert.Equal(t, `configuration "lab" created: deactivated`, created.Message)
	assert.Equal(t, "", cs.defaultName(t))

	status, raw = cs.call(t, http.MethodPost, cfgPath, prodConfig("prod"))
	require.Equal(t, http.StatusCreated, status, "%s", raw)
	status, dup := cs.call(t, http.MethodPost, cfgPath, prodConfig("prod"))
	assert.Equal(t, http.StatusConflict, status)
	assert.Contains(t, string(dup), `"message":"a configuration named \"prod\" already exists for connector sentinelone (config_id `)
	assert.NotContains(t, string(dup), ": configuration already exists", "the cause is said once")
	assert.Equal(t, `configuration "prod" created: "prod" is now the default`, decodeAs[changeAnswer](t, raw).Message)

	// by name, like execute
	status, raw = cs.call(t, http.MethodGet, cfgPath+"prod/", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "prod", decodeAs[configJSON](t, raw).Name)

	status, _, body := put("prod", map[string]any{"default": false})
	assert.Equal(t, http.StatusConflict, status)
	assert.Contains(t, body, `configuration \"prod\" is the default and stays so until another one is`)
	assert.Equal(t, "prod", cs.defaultName(t), "a refused change changes nothing")

	status, _, body = put("prod", map[string]any{"active": false})
	assert.Equal(t, http.StatusConflict, status)
	assert.Contains(t, body, `configuration \"prod\" is the default and cannot be deactivated until another one is the default`)

	status, _, body = put("lab", map[string]any{"default": true})
	assert.Equal(t, http.StatusConflict, status)
	assert.Contains(t, body, `configuration \"lab\" is deactivated and cannot become the default`)

	status, _, body = put("prod", map[string]any{"default": false, "new_default": "lab"})
	assert.Equal(t, http.StatusConflict, status, "a deactivated successor is refused")
	assert.Contains(t, body, `configuration \"lab\" is deactivated and cannot become the default`)

	status, ans, body := put("lab", map[string]any{"active": true, "default": true})
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, `configuration "lab" updated: activated; default moved from "prod" to "lab"`, ans.Message)
	assert.Equal(t, []string{"activated", `default moved from "prod" to "lab"`}, ans.Changes)
	assert.Equal(t, "lab", cs.defaultName(t))

	status, ans, body = put("lab", map[string]any{"active": false, "new_default": "prod"})
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, `configuration "lab" updated: deactivated; default moved from "lab" to "prod"`, ans.Message)
	assert.False(t, ans.Active)
	assert.Equal(t, "prod", cs.defaultName(t))

	status, ans, body = put("prod", map[string]any{"config": map[string]any{"verify_ssl": false, "password": "changed-pass-1"}})
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, `configuration "prod" updated: password, verify_ssl changed`, ans.Message)
	assert.NotContains(t, body, "changed-pass-1")

	status, ans, body = put("prod", map[string]any{"default": true})
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, `configuration "prod" updated: nothing changed`, ans.Message)

	// an update answer sent back as an update changes nothing
	status, raw = cs.call(t, http.MethodPut, cfgPath+"prod/", map[string]any{"default": true})
	require.Equal(t, http.StatusOK, status)
	echoed := decodeAs[map[string]any](t, raw)
	status, ans, body = put("prod", echoed)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, `configuration "prod" updated: nothing changed`, ans.Message)

	status, _, body = put("prod", map[string]any{"default": false, "new_default": "nope"})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, `new_default: no configuration with id or name \"nope\"`)

	// deleting the default with only a deactivated one left leaves no default, and says so
	status, raw = cs.call(t, http.MethodDelete, cfgPath+"prod/", nil)
	require.Equal(t, http.StatusOK, status, "%s", raw)
	assert.Contains(t, string(raw), `configuration \"prod\" deleted; no active configuration is left, so there is no default`)
	assert.Equal(t, "", cs.defaultName(t))

	status, ans, body = put("lab", map[string]any{"active": true})
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, `configuration "lab" updated: activated; "lab" is now the default`, ans.Message)
}
