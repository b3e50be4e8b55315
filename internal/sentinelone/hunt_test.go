package sentinelone

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a clock that only sleeping moves.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return nil
}

func TestPacerQueuesStartsOneIntervalApart(t *testing.T) {
	c := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := NewPacer(time.Minute, 5*time.Minute, c.Now, c.Sleep)
	start := c.now
	var at []time.Duration
	for range 5 {
		require.NoError(t, p.Wait(context.Background()))
		at = append(at, c.now.Sub(start))
	}
	assert.Equal(t, []time.Duration{0, time.Minute, 2 * time.Minute, 3 * time.Minute, 4 * time.Minute}, at)
}

func TestPacerRefusesBeyondItsWaitWithoutTakingASlot(t *testing.T) {
	c := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	sleeps := 0
	p := NewPacer(time.Minute, 90*time.Second, c.Now, func(context.Context, time.Duration) error { sleeps++; return nil })
	require.NoError(t, p.Wait(context.Background())) // slot 0
	require.NoError(t, p.Wait(context.Background())) // slot 1m, clock not moved
	err := p.Wait(context.Background())              // slot 2m > 90s away
	require.ErrorIs(t, err, ErrQueryStartBusy)
	assert.ErrorContains(t, err, "2m0s away")
	p2 := NewPacer(time.Minute, 5*time.Minute, c.Now, c.Sleep)
	require.NoError(t, p2.Wait(context.Background()))
	ctx, cancel := context.WithDeadline(context.Background(), c.now.Add(30*time.Second))
	defer cancel()
	err = p2.Wait(ctx)
	require.ErrorIs(t, err, ErrQueryStartBusy)
	assert.ErrorContains(t, err, "after this call's deadline")
	assert.Equal(t, 1, sleeps, "only the queued second start slept")
}

func TestInitQueryAndStatusRequests(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/dv/init-query", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testBody(t, r, `{"query":"EventType = \"DNS\"","fromDate":"2026-01-01T00:00:00Z","toDate":"2026-01-02T00:00:00Z"}`)
		writeJSON(w, http.StatusOK, `{"data":{"queryId":"q1"}}`)
	})
	f.mux.HandleFunc("/dv/query-status", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, url.Values{"queryId": {"q1"}})
		writeJSON(w, http.StatusOK, `{"data":{"responseState":"RUNNING","progressStatus":33}}`)
	})
	id, err := f.client.Hunt.InitQuery(context.Background(), DVQuery{Query: `EventType = "DNS"`, FromDate: "2026-01-01T00:00:00Z", ToDate: "2026-01-02T00:00:00Z"})
	require.NoError(t, err)
	assert.Equal(t, "q1", id)
	st, err := f.client.Hunt.QueryStatus(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 33, st.ProgressStatus)
	assert.False(t, st.Done())
	_, err = f.client.Hunt.InitQuery(context.Background(), DVQuery{Query: " "})
	assert.ErrorContains(t, err, "the query is empty")
}

func TestDownloadKeepsCredentialsOnTheConsole(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/agents/5/uploads/7", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("PK\x03\x04zip"))
	})
	b, err := f.client.Download(context.Background(), "/web/api/v2.1/agents/5/uploads/7", 100)
	require.NoError(t, err)
	assert.Equal(t, "PK\x03\x04zip", string(b))
	_, err = f.client.Download(context.Background(), "/web/api/v2.1/agents/5/uploads/7", 3)
	assert.ErrorIs(t, err, ErrTooLarge)
	before := f.requests.Load()
	_, err = f.client.Download(context.Background(), "https://elsewhere.example/web/api/v2.1/x", 100)
	assert.ErrorContains(t, err, "refusing to send credentials there")
	_, err = f.client.Download(context.Background(), "/other/path", 100)
	assert.ErrorContains(t, err, "not under the console's API")
	assert.Equal(t, before, f.requests.Load())
}

func TestCheckZipPassword(t *testing.T) {
	assert.NoError(t, CheckZipPassword("Abcdefgh1!"))
	for _, bad := range []string{"Abcdefg1!", "abcdefgh1!", "ABCDEFGH1!", "Abcdefghi!", "Abcdefghi1", "Abcd efgh1!"} {
		assert.Error(t, CheckZipPassword(bad), bad)
	}
}
