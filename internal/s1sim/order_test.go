package s1sim

import (
	"net/http"
	"strings"
	"testing"
)

// TestAuthenticationBeforeValidation guards the order of checks: a request
// without valid credentials gets 401 whatever else is wrong with it, a
// read-only user gets 403 on a write whatever its body, and only then is
// the request validated (400).
func TestAuthenticationBeforeValidation(t *testing.T) {
	e := newEnv(t, Options{})
	long := strings.Repeat("x", 141)
	tests := []struct {
		name, method, path string
		body               any
		write              bool
	}{
		{"limit out of range", http.MethodGet, agentsPath + "?limit=0", nil, false},
		{"bad range filter", http.MethodGet, agentsPath + "?totalMemory__between=lots", nil, false},
		{"bad count filter", http.MethodGet, agentsPath + "/count?isActive=maybe", nil, false},
		{"bad cursor", http.MethodGet, threatsPath + "?cursor=%25%25%25", nil, false},
		{"bad threat date", http.MethodGet, threatsPath + "?createdAt__gt=soon", nil, false},
		{"applications without ids", http.MethodGet, agentsPath + "/applications", nil, false},
		{"malformed hash", http.MethodGet, "/web/api/v2.1/hashes/zz/reputation", nil, false},
		{"malformed hash verdict", http.MethodGet, "/web/api/v2.1/hashes/zz/verdict", nil, false},
		{"action body not JSON", http.MethodPost, agentsPath + "/actions/disconnect", "{not json", true},
		{"action without filter", http.MethodPost, agentsPath + "/actions/connect", map[string]any{}, true},
		{"broadcast too long", http.MethodPost, agentsPath + "/actions/broadcast",
			map[string]any{"filter": map[string]any{}, "data": map[string]any{"message": long}}, true},
		{"bad analyst verdict", http.MethodPost, threatsPath + "/analyst-verdict",
			map[string]any{"filter": map[string]any{}, "data": map[string]any{"analystVerdict": "maybe"}}, true},
		{"bad mitigation filter", http.MethodPost, threatsPath + "/mitigate/kill",
			map[string]any{"filter": map[string]any{"resolved": "perhaps"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, auth := range []string{"-", "ApiToken wrong", "Token wrong", "Token " + AdminAPIToken} {
				requireError(t, e.do(tt.method, tt.path, tt.body, auth), http.StatusUnauthorized, codeAuth)
			}
			if tt.write {
				requireError(t, e.do(tt.method, tt.path, tt.body, "ApiToken "+ViewerAPIToken), http.StatusForbidden, codeForbidden)
			}
			requireError(t, e.do(tt.method, tt.path, tt.body, ""), http.StatusBadRequest, codeValidation)
		})
	}
}
