package sentinelone

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIErrorMessages(t *testing.T) {
	tests := []struct {
		name       string
		giveStatus int
		giveBody   string
		wantMsg    string
		wantIs     error
	}{
		{
			name: "validation", giveStatus: 400,
			giveBody: `{"errors":[{"code":4000010,"title":"Validation Error","detail":"limit: must be at most 1000"}]}`,
			wantMsg:  "count agents: SentinelOne rejected GET /agents/count as invalid (HTTP 400): Validation Error: limit: must be at most 1000 (code 4000010)",
			wantIs:   ErrInvalidRequest,
		},
		{
			name: "forbidden names the call", giveStatus: 403,
			giveBody: `{"errors":[{"code":4030010,"title":"Insufficient permissions","detail":"User does not have required permissions"}]}`,
			wantMsg:  "count agents: the SentinelOne user's role does not allow GET /agents/count (HTTP 403); ask for a role with this permission: Insufficient permissions: User does not have required permissions (code 4030010)",
			wantIs:   ErrPermissionDenied,
		},
		{
			name: "not found", giveStatus: 404,
			giveBody: `{"errors":[{"code":4040010,"title":"Not Found","detail":null}]}`,
			wantMsg:  "count agents: not found: GET /agents/count (HTTP 404): Not Found (code 4040010)",
			wantIs:   ErrNotFound,
		},
		{
			name: "server error", giveStatus: 500,
			giveBody: `{"errors":[{"code":5000010,"title":"Internal server error","detail":"Server could not process the request."}]}`,
			wantMsg:  "count agents: SentinelOne console error on GET /agents/count (HTTP 500 Internal Server Error): Internal server error: Server could not process the request. (code 5000010)",
		},
		{
			name: "conflict without JSON", giveStatus: 409, giveBody: "<html>\n  duplicate\n</html>",
			wantMsg: "count agents: SentinelOne answered HTTP 409 Conflict to GET /agents/count: <html> duplicate </html>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, tt.giveStatus, tt.giveBody)
			})
			_, err := f.client.Agents.Count(context.Background(), nil)
			require.Error(t, err)
			assert.EqualError(t, err, tt.wantMsg)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.giveStatus, ae.StatusCode)
			assert.Equal(t, http.MethodGet, ae.Method)
			assert.Equal(t, "/agents/count", ae.Endpoint)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			for _, other := range []error{ErrInvalidRequest, ErrPermissionDenied, ErrNotFound, ErrUnavailable, ErrRateLimited} {
				if other != tt.wantIs {
					assert.False(t, errors.Is(err, other), "%v", other)
				}
			}
		})
	}
}

func TestUnexpectedSuccessBody(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `<html>login page</html>`)
	})
	f.mux.HandleFunc("/agents/actions/connect", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"data":{}}`)
	})
	_, err := f.client.Agents.Count(context.Background(), nil)
	assert.ErrorContains(t, err, "count agents: GET /agents/count: decode response (HTTP 200)")
	_, err = f.client.Agents.Action(context.Background(), ActionConnect, Filter{"ids": []string{"1"}}, nil)
	assert.EqualError(t, err, "agent action connect: answer has no data.affected")
}
