package operations_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// TestRejectedCredentialsNameTheFields: the client says what SentinelOne refused; the
// connector adds which fields of which configuration to check, once.
func TestRejectedCredentialsNameTheFields(t *testing.T) {
	for _, tt := range []struct {
		name   string
		values map[string]any
		want   string
	}{
		{"password", map[string]any{"password": "Not-The-Password-1"}, `; check the Username and Password of configuration "tenant"`},
		{"api token", map[string]any{"api_token": "not-the-token", "username": nil, "password": nil}, `; check the API Token of configuration "tenant"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessWith(t, mode{"2.1", tt.name == "api token"}, s1sim.Options{}, tt.values)
			status, msg := h.fail("get_agent_count", map[string]any{})
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Contains(t, msg, tt.want)
			assert.Equal(t, 1, strings.Count(msg, "check the"), "the hint is said once: %s", msg)

			resp, err := http.Get(h.url + "/api/integration/connectors/healthcheck/sentinelone/1.1.0/")
			require.NoError(t, err)
			defer resp.Body.Close()
			var health struct{ Message string }
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&health))
			assert.Contains(t, health.Message, tt.want[2:])
			assert.NotContains(t, health.Message, "credentials rejected", "the sentinel's own text is not repeated")
		})
	}
}
