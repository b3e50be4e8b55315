package sentinelone

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestThreatsChangedPinnedScope: the threat feed's walk is confined to the pinned sites too,
// and refuses a threat outside them.
func TestThreatsChangedPinnedScope(t *testing.T) {
	f := newFixture(t, pinSites("10"))
	f.mux.HandleFunc("/threats", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "10", r.URL.Query().Get("siteIds"))
		writeJSON(w, http.StatusOK, `{"data":[{"id":"1","agentRealtimeInfo":{"siteId":"99"}}],"pagination":{"nextCursor":null}}`)
	})
	_, err := Collect(f.client.Threats.Changed(context.Background(), ThreatFeedFilter{}, 100, nil))
	var se *ScopeError
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Equal(t, 1, int(f.requests.Load()))
}
