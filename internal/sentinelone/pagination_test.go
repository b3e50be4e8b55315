package sentinelone

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listServer serves n items {"id":"<i>"} with SentinelOne's paging rules:
// limit 1..1000 (default 10), skip 0..1000, an opaque cursor. It fails the
// test when skip and cursor arrive together.
type listServer struct {
	t     testing.TB
	n     int
	mu    sync.Mutex
	calls []url.Values
}

func (s *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.calls = append(s.calls, q)
	s.mu.Unlock()
	if q.Has("skip") && q.Has("cursor") {
		s.t.Errorf("skip and cursor sent together: %v", q)
	}
	bad := func(detail string) {
		writeJSON(w, http.StatusBadRequest, `{"errors":[{"code":4000010,"title":"Validation Error","detail":"`+detail+`"}]}`)
	}
	limit := 10
	if v := q.Get("limit"); v != "" {
		l, err := strconv.Atoi(v)
		if err != nil || l < 1 || l > 1000 {
			bad("limit must be between 1 and 1000")
			return
		}
		limit = l
	}
	start := 0
	if v := q.Get("skip"); v != "" {
		sk, err := strconv.Atoi(v)
		if err != nil || sk < 0 || sk > 1000 {
			bad("skip must be between 0 and 1000")
			return
		}
		start = sk
	}
	if v := q.Get("cursor"); v != "" {
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil || !strings.HasPrefix(string(raw), "agent_id:") {
			bad("invalid cursor")
			return
		}
		start, _ = strconv.Atoi(strings.TrimPrefix(string(raw), "agent_id:"))
	}
	end := min(start+limit, s.n)
	items := make([]string, 0, max(end-start, 0))
	for i := start; i < end; i++ {
		items = append(items, `{"id":"`+strconv.Itoa(i)+`"}`)
	}
	next := "null"
	if end < s.n {
		next = `"` + base64.StdEncoding.EncodeToString([]byte("agent_id:"+strconv.Itoa(end))) + `"`
	}
	writeJSON(w, http.StatusOK, fmt.Sprintf(`{"data":[%s],"pagination":{"nextCursor":%s,"totalItems":%d}}`,
		strings.Join(items, ","), next, s.n))
}

// shape summarises the paging parameters of each call.
func (s *listServer) shape() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.calls))
	for i, q := range s.calls {
		out[i] = "limit=" + q.Get("limit")
		if q.Has("skip") {
			out[i] += " skip=" + q.Get("skip")
		}
		if q.Has("cursor") {
			raw, _ := base64.StdEncoding.DecodeString(q.Get("cursor"))
			out[i] += " cursor=" + string(raw)
		}
	}
	return out
}

func ids(t *testing.T, items []json.RawMessage) []int {
	t.Helper()
	out := make([]int, len(items))
	for i, it := range items {
		var v struct{ ID string }
		require.NoError(t, json.Unmarshal(it, &v))
		n, err := strconv.Atoi(v.ID)
		require.NoError(t, err)
		out[i] = n
	}
	return out
}

func seq(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func TestPagination(t *testing.T) {
	tests := []struct {
		name      string
		giveN     int
		giveOpts  ListOptions
		wantIDs   []int
		wantCalls []string
		wantPages []int
	}{
		{
			name: "everything", giveN: 2500, giveOpts: ListOptions{},
			wantIDs:   seq(0, 2500),
			wantCalls: []string{"limit=1000", "limit=1000 cursor=agent_id:1000", "limit=1000 cursor=agent_id:2000"},
			wantPages: []int{1000, 1000, 500},
		},
		{
			name: "limit across pages", giveN: 5000, giveOpts: ListOptions{Limit: 2100},
			wantIDs:   seq(0, 2100),
			wantCalls: []string{"limit=1000", "limit=1000 cursor=agent_id:1000", "limit=100 cursor=agent_id:2000"},
			wantPages: []int{1000, 1000, 100},
		},
		{
			name: "small limit", giveN: 50, giveOpts: ListOptions{Limit: 5},
			wantIDs:   seq(0, 5),
			wantCalls: []string{"limit=5"},
			wantPages: []int{5},
		},
		{
			name: "page size", giveN: 25, giveOpts: ListOptions{PageSize: 10},
			wantIDs:   seq(0, 25),
			wantCalls: []string{"limit=10", "limit=10 cursor=agent_id:10", "limit=10 cursor=agent_id:20"},
			wantPages: []int{10, 10, 5},
		},
		{
			name: "page size above the cap", giveN: 3, giveOpts: ListOptions{PageSize: 5000},
			wantIDs: seq(0, 3), wantCalls: []string{"limit=1000"}, wantPages: []int{3},
		},
		{
			name: "skip within the cap", giveN: 30, giveOpts: ListOptions{Skip: 7, Limit: 15, PageSize: 10},
			wantIDs:   seq(7, 22),
			wantCalls: []string{"limit=10 skip=7", "limit=5 cursor=agent_id:17"},
			wantPages: []int{10, 5},
		},
		{
			name: "skip beyond the cap walks the cursor", giveN: 4000, giveOpts: ListOptions{Skip: 2500, Limit: 10},
			wantIDs:   seq(2500, 2510),
			wantCalls: []string{"limit=1000 skip=1000", "limit=510 cursor=agent_id:2000"},
			wantPages: []int{10},
		},
		{
			name: "skip beyond the cap without limit", giveN: 1200, giveOpts: ListOptions{Skip: 1100},
			wantIDs:   seq(1100, 1200),
			wantCalls: []string{"limit=1000 skip=1000"},
			wantPages: []int{100},
		},
		{
			name: "skip past the end", giveN: 2200, giveOpts: ListOptions{Skip: 3000},
			wantIDs:   []int{},
			wantCalls: []string{"limit=1000 skip=1000", "limit=1000 cursor=agent_id:2000"},
			wantPages: nil,
		},
		{
			name: "empty", giveN: 0, giveOpts: ListOptions{},
			wantIDs: []int{}, wantCalls: []string{"limit=1000"}, wantPages: nil,
		},
		{
			name: "limit equals total", giveN: 1000, giveOpts: ListOptions{Limit: 1000},
			wantIDs: seq(0, 1000), wantCalls: []string{"limit=1000"}, wantPages: []int{1000},
		},
	}
	for _, tt := range tests {
		for _, ahead := range []bool{false, true} {
			// Reading ahead sends exactly the requests of the walk without it.
			name := tt.name
			if ahead {
				name += " reading ahead"
				tt.giveOpts.ReadAhead = ToTheEnd
			}
			t.Run(name, func(t *testing.T) {
				f := newFixture(t)
				ls := &listServer{t: t, n: tt.giveN}
				f.mux.Handle("/agents", ls)
				var pages []int
				got := []int{}
				for page, err := range f.client.Agents.Pages(context.Background(), nil, tt.giveOpts) {
					require.NoError(t, err)
					pages = append(pages, len(page))
					got = append(got, ids(t, page)...)
				}
				assert.Equal(t, tt.wantIDs, got)
				assert.Equal(t, tt.wantCalls, ls.shape())
				assert.Equal(t, tt.wantPages, pages)
			})
		}
	}
}

// TestReadAheadReadsTheNextPageMeanwhile: with ReadAhead the request for page 2 reaches the
// console while page 1 is still with its consumer; without it, only once page 1 is done.
func TestReadAheadReadsTheNextPageMeanwhile(t *testing.T) {
	for _, ahead := range []bool{true, false} {
		t.Run(map[bool]string{true: "reading ahead", false: "not reading ahead"}[ahead], func(t *testing.T) {
			f := newFixture(t)
			ls := &listServer{t: t, n: 300}
			second := make(chan struct{})
			var once sync.Once
			f.mux.Handle("/agents", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Has("cursor") {
					once.Do(func() { close(second) })
				}
				ls.ServeHTTP(w, r)
			}))
			opts := ListOptions{PageSize: 100}
			if ahead {
				opts.ReadAhead = ToTheEnd
			}
			got, first := 0, true
			for page, err := range f.client.Agents.Pages(context.Background(), nil, opts) {
				require.NoError(t, err)
				if first {
					select {
					case <-second:
						assert.True(t, ahead, "page 2 was requested before page 1 was consumed")
					case <-time.After(map[bool]time.Duration{true: 10 * time.Second, false: 200 * time.Millisecond}[ahead]):
						assert.False(t, ahead, "page 2 was not requested while page 1 was consumed")
					}
					first = false
				}
				got += len(page)
			}
			assert.Equal(t, 300, got)
			assert.Len(t, ls.shape(), 3)
		})
	}
}

// TestReadAheadEndsWithTheWalk: a consumer that stops leaves no request running: the page
// read ahead is cancelled and waited for before the walk returns.
func TestReadAheadEndsWithTheWalk(t *testing.T) {
	f := newFixture(t)
	ls := &listServer{t: t, n: 300}
	var inFlight atomic.Int32
	f.mux.Handle("/agents", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("cursor") { // page 2 hangs until its caller gives up
			inFlight.Add(1)
			defer inFlight.Add(-1)
			<-r.Context().Done()
			return
		}
		ls.ServeHTTP(w, r)
	}))
	for page, err := range f.client.Agents.Pages(context.Background(), nil, ListOptions{PageSize: 100, ReadAhead: ToTheEnd}) {
		require.NoError(t, err)
		require.Len(t, page, 100)
		require.Eventually(t, func() bool { return inFlight.Load() == 1 }, 10*time.Second, time.Millisecond, "page 2 is being read")
		break
	}
	// The client's side of page 2 is over; the server sees the cancellation shortly after.
	require.Eventually(t, func() bool { return inFlight.Load() == 0 }, 10*time.Second, time.Millisecond)
}

func TestPaginationStopsWhenCallerStops(t *testing.T) {
	f := newFixture(t)
	ls := &listServer{t: t, n: 10000}
	f.mux.Handle("/threats", ls)
	seen := 0
	for page, err := range f.client.Threats.Pages(context.Background(), nil, ListOptions{PageSize: 100}) {
		require.NoError(t, err)
		seen += len(page)
		if seen >= 300 {
			break
		}
	}
	assert.Equal(t, 300, seen)
	assert.Len(t, ls.shape(), 3, "no page is fetched after the caller stops")
}

func TestPaginationErrors(t *testing.T) {
	f := newFixture(t)
	ls := &listServer{t: t, n: 10}
	f.mux.Handle("/agents", ls)
	ctx := context.Background()
	tests := []struct {
		name     string
		giveF    Filter
		giveOpts ListOptions
		wantErr  string
	}{
		{name: "negative limit", giveOpts: ListOptions{Limit: -1}, wantErr: "list agents: limit -1 is negative"},
		{name: "negative skip", giveOpts: ListOptions{Skip: -1}, wantErr: "skip -1 is negative"},
		{name: "negative page size", giveOpts: ListOptions{PageSize: -1}, wantErr: "page size -1 is negative"},
		{name: "cursor in filter", giveF: Filter{"cursor": "x"}, wantErr: `filter key "cursor" is set by the list options`},
		{name: "skip in filter", giveF: Filter{"skip": 3}, wantErr: `filter key "skip" is set by the list options`},
		{name: "bad value type", giveF: Filter{"ids": map[string]string{}}, wantErr: `filter key "ids": unsupported value type`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Collect(f.client.Agents.Pages(ctx, tt.giveF, tt.giveOpts))
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
	assert.Empty(t, ls.shape())
}

func TestPaginationAPIErrorEndsWalk(t *testing.T) {
	f := newFixture(t)
	calls := 0
	f.mux.HandleFunc("/agents", func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			writeJSON(w, http.StatusOK, `{"data":[{"id":"1"}],"pagination":{"nextCursor":"c","totalItems":2}}`)
			return
		}
		writeJSON(w, http.StatusBadRequest, `{"errors":[{"code":4000010,"title":"Validation Error","detail":"invalid cursor"}]}`)
	})
	var pages, errs int
	for page, err := range f.client.Agents.Pages(context.Background(), nil, ListOptions{}) {
		if err != nil {
			errs++
			assert.ErrorIs(t, err, ErrInvalidRequest)
			assert.EqualError(t, err, "list agents: SentinelOne rejected GET /agents as invalid (HTTP 400): Validation Error: invalid cursor (code 4000010)")
			continue
		}
		pages += len(page)
	}
	assert.Equal(t, 1, pages)
	assert.Equal(t, 1, errs)
	assert.Equal(t, 2, calls)
}

func TestPeekCursor(t *testing.T) {
	for body, want := range map[string]string{
		`{"data":[],"pagination":{"nextCursor":"YWJj","totalItems":3}}`: "YWJj",
		`{"data":[],"pagination":{"nextCursor" : "a\/b"}}`:              "a/b",
		`{"data":[],"pagination":{"nextCursor":null}}`:                  "",
		`{"data":[{"nextCursor":"inner"}]}`:                             "inner", // a guess the walk checks
		`{"data":[],"pagination":{"nextCursor":"unterminated`:           "",
		`{"data":[]}`: "",
		`{"data":[{"note":"\"nextCursor\":\"x\""}],"pagination":{"nextCursor":"real"}}`: "real",
	} {
		assert.Equal(t, want, peekCursor([]byte(body)), body)
	}
}

// TestReadAheadCheckedAgainstTheDecodedPage: a wrong guess of the next cursor (an item that
// holds a "nextCursor" key of its own, after the real one) is dropped, and the walk reads the
// right page; every item arrives once.
func TestReadAheadCheckedAgainstTheDecodedPage(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var cursors []string
	f.mux.HandleFunc("/agents", func(w http.ResponseWriter, r *http.Request) {
		c := r.URL.Query().Get("cursor")
		mu.Lock()
		cursors = append(cursors, c)
		mu.Unlock()
		switch c {
		case "":
			writeJSON(w, http.StatusOK, `{"pagination":{"nextCursor":"p2"},"data":[{"id":"1","x":{"nextCursor":"decoy"}}]}`)
		case "p2":
			writeJSON(w, http.StatusOK, `{"data":[{"id":"2"}],"pagination":{"nextCursor":null}}`)
		default:
			writeJSON(w, http.StatusOK, `{"data":[{"id":"99"}],"pagination":{"nextCursor":null}}`)
		}
	})
	items, err := Collect(f.client.Agents.Pages(context.Background(), nil, ListOptions{PageSize: 1, ReadAhead: ToTheEnd}))
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, ids(t, items))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, "", cursors[0])
	assert.Contains(t, cursors, "p2")
}
