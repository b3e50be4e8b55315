package sentinelone

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestActionOutcomeUnknown: an action that failed after SentinelOne may have received it is
// marked ErrOutcomeUnknown (and not retried); a refused one or a read is not.
func TestActionOutcomeUnknown(t *testing.T) {
	tests := []struct {
		name        string
		status      int // 0: drop the connection without answering
		wantUnknown bool
	}{
		{"503 on an action", http.StatusServiceUnavailable, true},
		{"500 on an action", http.StatusInternalServerError, true},
		{"connection lost after sending", 0, true},
		{"400 on an action", http.StatusBadRequest, false},
		{"403 on an action", http.StatusForbidden, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var posts atomic.Int64
			f.mux.HandleFunc("/agents/actions/disconnect", func(w http.ResponseWriter, r *http.Request) {
				posts.Add(1)
				if tt.status == 0 {
					conn, _, err := http.NewResponseController(w).Hijack()
					require.NoError(t, err)
					conn.Close()
					return
				}
				writeJSON(w, tt.status, `{"errors":[{"code":1,"title":"x","detail":null}]}`)
			})
			_, err := f.client.Agents.Action(context.Background(), ActionDisconnect, Filter{"ids": []string{"1"}}, nil)
			require.Error(t, err)
			assert.Equal(t, tt.wantUnknown, errors.Is(err, ErrOutcomeUnknown), "%v", err)
			if tt.wantUnknown {
				assert.Contains(t, err.Error(), "SentinelOne may have applied the action before this failure")
			}
			assert.EqualValues(t, 1, posts.Load(), "an action is never sent twice")
		})
	}
	t.Run("a read is retried, not marked", func(t *testing.T) {
		f := newFixture(t)
		f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusServiceUnavailable, `{"errors":[]}`)
		})
		_, err := f.client.Agents.Count(context.Background(), nil)
		require.Error(t, err)
		assert.False(t, errors.Is(err, ErrOutcomeUnknown))
	})
}

// TestEmptyBodyIsAnError: a 2xx with no body is not an empty page, count or result.
func TestEmptyBodyIsAnError(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/agents", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	for _, err := range f.client.Agents.Pages(context.Background(), nil, ListOptions{Limit: 5}) {
		require.ErrorContains(t, err, "answered HTTP 200 with an empty body")
	}
	_, err := f.client.Agents.Count(context.Background(), nil)
	require.ErrorContains(t, err, "answered HTTP 200 with an empty body")
}

// TestLoginRetriedLikeARead: a login cannot act twice, so a 503 on it is retried.
func TestLoginRetriedLikeARead(t *testing.T) {
	f := newFixture(t, withSession)
	var logins atomic.Int64
	f.mux.HandleFunc("/users/login", func(w http.ResponseWriter, r *http.Request) {
		if logins.Add(1) == 1 {
			writeJSON(w, http.StatusServiceUnavailable, `{"errors":[]}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"data":{"token":"`+sessionToken(2)+`"}}`)
	})
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"data":{"total":7}}`)
	})
	n, err := f.client.Agents.Count(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, 7, n)
	assert.EqualValues(t, 2, logins.Load())
}
