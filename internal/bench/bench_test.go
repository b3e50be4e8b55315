package bench

import (
	"context"
	"errors"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
)

const testToken = "bench-test-token-0123456789"

// devStack is an in-process connector in dev mode (embedded simulator) behind a real HTTP
// server, and clients of both.
type devStack struct {
	app       *app.App
	connector *Connector
	console   *Console
}

func newDevStack(tb testing.TB, agents int) *devStack {
	tb.Helper()
	return newDevStackWith(tb, s1sim.Options{Agents: agents})
}

// newDevStackWith is newDevStack with the simulator's options.
func newDevStackWith(tb testing.TB, sim s1sim.Options) *devStack {
	tb.Helper()
	a, err := app.New(context.Background(), app.Options{
		Dev: true, Sim: sim,
		Server: server.Options{APIToken: testToken},
	})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Server.Handler())
	tb.Cleanup(srv.Close)
	s := &devStack{
		app:       a,
		connector: NewConnector(srv.URL, testToken, app.DevConfigName, 8),
		console:   NewConsole(a.Sim.URL, a.Sim.CertPool(), 8),
	}
	require.NoError(tb, s.console.Login(context.Background(), s1sim.AdminUser, s1sim.AdminPassword))
	return s
}

func TestSummarize(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, v := range n {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	tests := []struct {
		name string
		give []time.Duration
		want Summary
	}{
		{"empty", nil, Summary{}},
		{"one", ms(7), Summary{N: 1, Min: 7 * time.Millisecond, Mean: 7 * time.Millisecond,
			P50: 7 * time.Millisecond, P90: 7 * time.Millisecond, P99: 7 * time.Millisecond, Max: 7 * time.Millisecond}},
		{"unsorted", ms(10, 1, 9, 2, 8, 3, 7, 4, 6, 5), Summary{N: 10, Min: time.Millisecond,
			Mean: 5500 * time.Microsecond, P50: 5 * time.Millisecond, P90: 9 * time.Millisecond,
			P99: 10 * time.Millisecond, Max: 10 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			give := append([]time.Duration(nil), tt.give...)
			assert.Equal(t, tt.want, Summarize(tt.give))
			assert.Equal(t, give, tt.give, "Summarize must not reorder its input")
		})
	}

	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	s := Summarize(hundred)
	assert.Equal(t, 50*time.Millisecond, s.P50)
	assert.Equal(t, 99*time.Millisecond, s.P99)
}

func TestReadListing(t *testing.T) {
	tests := []struct {
		name    string
		give    string
		want    Listing
		wantErr string
	}{
		{
			name: "SentinelOne page",
			give: `{"data":[{"id":"1","a":[1,2]},{"id":"2"}],"pagination":{"nextCursor":"YWdlbnQ6Mg==","totalItems":5}}`,
			want: Listing{Items: 2, NextCursor: "YWdlbnQ6Mg=="},
		},
		{
			name: "last page",
			give: `{"data":[{"id":"3"}],"pagination":{"nextCursor":null,"totalItems":3}}`,
			want: Listing{Items: 1},
		},
		{
			name: "execute envelope",
			give: `{"data":[{"id":"1"},{"id":"2"},{"id":"3"}],"message":"","operation":"get_agents","status":"Success"}`,
			want: Listing{Items: 3, Status: "Success"},
		},
		{name: "empty list", give: `{"data":[]}`, want: Listing{}},
		{name: "truncated stream", give: `{"data":[{"id":"1"},{"id":`, wantErr: "data item 2"},
		{name: "invalid item", give: `{"data":[{"id":"1"},{"id":01}]}`, wantErr: "data item 2"},
		{name: "data not a list", give: `{"data":{"total":3}}`, wantErr: "data: want"},
		{name: "no data", give: `{"status":"failed"}`, wantErr: `no "data" list`},
		{name: "trailing data", give: `{"data":[]} {}`, wantErr: "data after the JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadListing(strings.NewReader(tt.give))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.want.Bytes = int64(len(tt.give))
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP go_memstats_heap_inuse_bytes Number of heap bytes that are in use.
# TYPE go_memstats_heap_inuse_bytes gauge
go_memstats_heap_inuse_bytes 1.2345678e+07
go_memstats_heap_sys_bytes 2.4e+07
sentinelone_requests_total{method="GET"} 3
`
	got, err := ParseMetrics(strings.NewReader(text), "go_memstats_heap_inuse_bytes", "go_memstats_heap_sys_bytes")
	require.NoError(t, err)
	assert.Equal(t, []float64{12345678, 24e6}, got)

	_, err = ParseMetrics(strings.NewReader(text), "go_memstats_heap_released_bytes")
	require.ErrorContains(t, err, "go_memstats_heap_released_bytes not found")
}

func TestParseVmHWM(t *testing.T) {
	got, err := parseVmHWM("Name:\tsentinelone\nVmPeak:\t  999 kB\nVmHWM:\t   33996 kB\nVmRSS:\t 1 kB\n")
	require.NoError(t, err)
	assert.Equal(t, int64(33996*1024), got)

	_, err = parseVmHWM("Name:\tx\n")
	require.Error(t, err)
}

func TestStartProcess(t *testing.T) {
	announce := regexp.MustCompile(`listening on (http://\S+)`)
	dir := t.TempDir()
	p, err := StartProcess(context.Background(), "shell", "/bin/sh",
		[]string{"-c", `echo starting; echo "listening on http://127.0.0.1:9"; echo oops >&2; exec sleep 60`},
		nil, dir+"/sh.log", announce)
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:9", p.URL)
	rss, err := p.PeakRSS()
	require.NoError(t, err)
	assert.Positive(t, rss)
	_, err = p.CPUTime()
	require.NoError(t, err)

	start := time.Now()
	require.NoError(t, p.Stop())
	assert.Less(t, time.Since(start), stopGrace, "SIGTERM ends sleep at once")
	_, err = p.PeakRSS()
	assert.Error(t, err, "the process is gone")
	require.NoError(t, p.Stop(), "stopping twice is harmless")

	_, err = StartProcess(context.Background(), "shell", "/bin/sh", []string{"-c", "echo nothing; exit 3"},
		nil, dir+"/exit.log", announce)
	require.ErrorContains(t, err, "exited before it was ready")
}

func TestClientsAgainstConnector(t *testing.T) {
	const agents = 2500
	s := newDevStack(t, agents)
	ctx := context.Background()

	direct, err := s.console.AgentCount(ctx, countQuery)
	require.NoError(t, err)
	viaConn, err := s.connector.AgentCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, direct, viaConn)
	all, err := s.console.AgentCount(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, agents, all)
	assert.Less(t, direct, all, "the seeded fleet has decommissioned agents, left out by default")

	items, pages, n, err := s.console.WalkAgents(ctx, 1000, nil)
	require.NoError(t, err)
	assert.Equal(t, agents, items)
	assert.Equal(t, 3, pages)

	l, err := s.connector.Agents(ctx, map[string]any{"limit": 2200, "includeDecommissioned": true})
	require.NoError(t, err)
	assert.Equal(t, 2200, l.Items)
	assert.Equal(t, "Success", l.Status)
	assert.Greater(t, n, l.Bytes, "2200 of the 2500 agents are fewer bytes")

	inuse, sys, err := s.connector.Heap(ctx)
	require.NoError(t, err)
	assert.Positive(t, inuse)
	assert.GreaterOrEqual(t, sys, inuse)

	bad := NewConnector(s.connector.base, "not-the-token-at-all", app.DevConfigName, 1)
	_, err = bad.AgentCount(ctx)
	var he *HTTPError
	require.True(t, errors.As(err, &he), "got %v", err)
	assert.Equal(t, 401, he.Status)
	assert.NotContains(t, err.Error(), testToken)
}

func TestMeasureOverheadAndThroughput(t *testing.T) {
	s := newDevStack(t, 300)
	st := &stack{connector: s.connector, console: s.console}
	ctx := context.Background()

	o, err := measureOverhead(ctx, st, 2, 20)
	require.NoError(t, err)
	assert.Equal(t, 20, o.Connector.N)
	assert.Equal(t, 20, o.Direct.N)
	assert.Positive(t, o.RatioP50)

	tp, err := measureThroughput(ctx, s.connector.AgentCount, 3, 100*time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, 3, tp.Concurrency)
	assert.Equal(t, tp.Requests, tp.Latency.N)
	assert.Zero(t, tp.Errors)
	assert.Positive(t, tp.PerSecond)
}

func TestHeapSampler(t *testing.T) {
	s := newDevStack(t, 10)
	h := startHeapSampler(context.Background(), s.connector, 5*time.Millisecond)
	// The sampler samples at once, then on every tick: wait for its first two samples (the
	// first answer may be slow on a loaded machine), then stop it.
	for deadline := time.Now().Add(10 * time.Second); h.taken.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	p := h.stop()
	require.NoError(t, p.err)
	assert.GreaterOrEqual(t, p.samples, 2)
	assert.Positive(t, p.inuse)
	assert.Equal(t, p, h.stop())
}

func TestRunNeedsTheBinary(t *testing.T) {
	_, err := Run(context.Background(), Config{Binary: t.TempDir() + "/missing", Parts: "a"})
	require.ErrorContains(t, err, "make build")
}

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name string
		give string
		want time.Duration
	}{
		{"plain", "4242 (sentinelone-co) S 1 4242 4242 0 -1 4194560 1 0 0 0 150 25 0 0 20 0 9 0", 1750 * time.Millisecond},
		{"name with spaces and parens", "7 (a b) c)) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0", 70 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatCPU(tt.give)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := parseStatCPU("7 (x) R 1")
	require.Error(t, err)
}
