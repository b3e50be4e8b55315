package bench

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"debug/buildinfo"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// ConfigName is the configuration the connector is seeded with from the environment.
const ConfigName = "default"

// Config sets what Run measures and for how long.
type Config struct {
	// Binary is the built sentinelone-connector; Run builds nothing.
	Binary string
	// WorkDir holds the processes' logs, the simulator's certificate and the data directory.
	WorkDir string
	// Parts selects the measurements: any of "a" (overhead), "b" (throughput), "c" (big list).
	Parts string

	// Requests is the number of timed requests of part a, after Warmup untimed ones.
	Requests int
	Warmup   int

	// Concurrency lists part b's levels; each runs for Duration after a short warm-up.
	Concurrency []int
	Duration    time.Duration
	// MaxExecutes is passed to serve --max-executes.
	MaxExecutes int

	// ListAgents is part c's fleet size and ListLimit get_agents' limit.
	ListAgents int
	ListLimit  int
	// ListRuns is how many times part c's two walks each run (alternating); the best counts.
	ListRuns int
	// HeapEvery is the /metrics scrape interval during part c.
	HeapEvery time.Duration

	// PacedCalls executes are sent at once in part d against PacedLimit requests/s.
	PacedCalls int
	PacedLimit float64
	// CPUProfile, when set, receives a CPU profile of the connector taken during part b's
	// highest concurrency level.
	CPUProfile string

	// Progress receives one line per step; may be nil.
	Progress io.Writer
}

// Machine describes where the figures were taken.
type Machine struct {
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	CPUs        int    `json:"cpus"`
	CPUModel    string `json:"cpu_model,omitempty"`
	GoVersion   string `json:"go_version"`
	BinaryGo    string `json:"binary_go_version,omitempty"`
	MaxExecutes int    `json:"max_executes"`
	Started     string `json:"started"`
}

// Overhead is part a: the same SentinelOne call through the connector and made directly.
type Overhead struct {
	Connector Summary `json:"connector"`
	Direct    Summary `json:"direct"`
	// DiffP50 and DiffP99 are connector minus direct, in milliseconds.
	DiffP50  float64 `json:"diff_p50_ms"`
	DiffP99  float64 `json:"diff_p99_ms"`
	RatioP50 float64 `json:"ratio_p50"`
	RatioP99 float64 `json:"ratio_p99"`
	// Hop is GET /healthz on the connector, timed in the same rounds: the loopback HTTP
	// exchange every execute adds. FloorP50 is (direct + hop) / direct at p50, the ratio of a
	// connector that did no work of its own.
	Hop      Summary `json:"hop"`
	FloorP50 float64 `json:"floor_ratio_p50"`
}

// Throughput is one concurrency level of part b.
type Throughput struct {
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Rejected    int     `json:"rejected_503"`
	Errors      int     `json:"errors"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"requests_per_second"`
	Latency     Summary `json:"latency"`
}

// List is part c: get_agents over a large fleet.
type List struct {
	Agents         int     `json:"agents"`
	Limit          int     `json:"limit"`
	Items          int     `json:"items"`
	ConnectorSec   float64 `json:"connector_seconds"`
	ConnectorBytes int64   `json:"connector_bytes"`
	DirectSec      float64 `json:"direct_seconds"`
	DirectBytes    int64   `json:"direct_bytes"`
	DirectPages    int     `json:"direct_pages"`
	Ratio          float64 `json:"ratio"`
	// CPU seconds used during the best run of each walk, by process.
	ConnectorCPUSec    float64 `json:"connector_cpu_seconds"`
	SimCPUViaConnector float64 `json:"simulator_cpu_seconds_via_connector"`
	SimCPUDirect       float64 `json:"simulator_cpu_seconds_direct"`
	PeakRSS            int64   `json:"peak_rss_bytes"`
	PeakHeapInuse      int64   `json:"peak_heap_inuse_bytes"`
	PeakHeapSys        int64   `json:"peak_heap_sys_bytes"`
	HeapSamples        int     `json:"heap_samples"`
	RSSGoal            int64   `json:"rss_goal_bytes"`
	RSSWithinGoal      bool    `json:"rss_within_goal"`
}

// RSSGoal is the peak RSS the connector should stay under while streaming part c.
const RSSGoal = 64 << 20

// Report holds every figure of a run.
type Report struct {
	Machine    Machine      `json:"machine"`
	Overhead   *Overhead    `json:"overhead,omitempty"`
	Throughput []Throughput `json:"throughput,omitempty"`
	// DirectThroughput is part b's direct GET /agents/count at the same levels.
	DirectThroughput []Throughput `json:"direct_throughput,omitempty"`
	List             *List        `json:"list,omitempty"`
	Pacing           *Pacing      `json:"pacing,omitempty"`
	Goals            []Goal       `json:"goals,omitempty"`
}

var (
	simAnnounce  = regexp.MustCompile(`simulator listening on (https://\S+)`)
	connAnnounce = regexp.MustCompile(`listening on (https?://\S+)`)
)

// stack is a simulator and a connector pointed at it, with clients of both.
type stack struct {
	sim, conn *Process
	connector *Connector
	console   *Console
}

// Close stops the connector, then the simulator.
func (s *stack) Close() error {
	var errs []error
	if s.conn != nil {
		errs = append(errs, s.conn.Stop())
	}
	if s.sim != nil {
		errs = append(errs, s.sim.Stop())
	}
	return errors.Join(errs...)
}

// childEnv is this process's environment without the variables that configure the
// connector, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CONNECTOR_") || strings.HasPrefix(kv, "SENTINELONE_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// startStack starts the simulator with agents agents and a connector configured through
// the environment to use it, each in its own subdirectory of cfg.WorkDir named after tag.
func startStack(ctx context.Context, cfg Config, tag string, agents, conns int, extra stackArgs) (s *stack, err error) {
	dir := filepath.Join(cfg.WorkDir, tag)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s = &stack{}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	cert := filepath.Join(dir, "sim.pem")
	s.sim, err = StartProcess(ctx, "simulator", cfg.Binary,
		append([]string{"simulate", "--listen", "127.0.0.1:0", "--agents", strconv.Itoa(agents), "--cert-out", cert}, extra.sim...),
		childEnv(), filepath.Join(dir, "simulate.log"), simAnnounce)
	if err != nil {
		return s, err
	}
	pem, err := os.ReadFile(cert)
	if err != nil {
		return s, fmt.Errorf("read the simulator certificate: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return s, errors.New("the simulator certificate holds no PEM certificate")
	}
	token := make([]byte, 24)
	if _, err := rand.Read(token); err != nil {
		return s, err
	}
	apiToken := hex.EncodeToString(token)
	s.conn, err = StartProcess(ctx, "connector", cfg.Binary,
		append([]string{"serve", "--data-dir", filepath.Join(dir, "data"), "--listen", "127.0.0.1:0",
			"--ca-bundle", cert, "--max-executes", strconv.Itoa(cfg.MaxExecutes), "--pprof"}, extra.serve(cfg)...),
		childEnv("CONNECTOR_API_TOKEN="+apiToken,
			"SENTINELONE_CONFIG_NAME="+ConfigName, "SENTINELONE_HOST="+s.sim.URL,
			"SENTINELONE_USERNAME="+s1sim.AdminUser, "SENTINELONE_PASSWORD="+s1sim.AdminPassword,
			"SENTINELONE_API_VERSION=2.1", "SENTINELONE_VERIFY_SSL=true"),
		filepath.Join(dir, "serve.log"), connAnnounce)
	if err != nil {
		return s, err
	}
	s.connector = NewConnector(s.conn.URL, apiToken, ConfigName, conns)
	s.console = NewConsole(s.sim.URL, roots, conns)
	if err := s.console.Login(ctx, s1sim.AdminUser, s1sim.AdminPassword); err != nil {
		return s, err
	}
	// One execute logs the connector in, so every timed request has a warm session token.
	if _, err := s.connector.AgentCount(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// Run measures the parts cfg selects and returns their figures.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, format+"\n", args...)
		}
	}
	if _, err := os.Stat(cfg.Binary); err != nil {
		return nil, fmt.Errorf("connector binary: %w (build it first: make build)", err)
	}
	rep := &Report{Machine: machine(cfg)}
	if strings.ContainsAny(cfg.Parts, "ab") {
		conns := 4
		for _, c := range cfg.Concurrency {
			conns = max(conns, c+4)
		}
		progress("starting the simulator (%d agents) and the connector", s1sim.DefaultAgents)
		s, err := startStack(ctx, cfg, "small", s1sim.DefaultAgents, conns, stackArgs{})
		if err != nil {
			return rep, err
		}
		defer s.Close()
		if strings.Contains(cfg.Parts, "a") {
			progress("a: %d sequential get_agent_count executes and as many direct counts, interleaved", cfg.Requests)
			if rep.Overhead, err = measureOverhead(ctx, s, cfg.Warmup, cfg.Requests); err != nil {
				return rep, err
			}
		}
		if strings.Contains(cfg.Parts, "b") {
			if err := measureThroughputs(ctx, s, cfg, rep, progress); err != nil {
				return rep, err
			}
		}
		if err := s.Close(); err != nil {
			return rep, err
		}
	}
	if strings.Contains(cfg.Parts, "d") {
		progress("d: %d get_agent_count executes at once against a simulator limiting /agents to %g requests/s per token", cfg.PacedCalls, cfg.PacedLimit)
		var err error
		if rep.Pacing, err = measurePacing(ctx, cfg, cfg.PacedCalls, cfg.PacedLimit); err != nil {
			return rep, err
		}
	}
	if strings.Contains(cfg.Parts, "c") {
		progress("c: starting the simulator (%d agents) and the connector", cfg.ListAgents)
		s, err := startStack(ctx, cfg, "large", cfg.ListAgents, 4, stackArgs{})
		if err != nil {
			return rep, err
		}
		defer s.Close()
		if rep.List, err = measureList(ctx, s, cfg, progress); err != nil {
			return rep, err
		}
		if err := s.Close(); err != nil {
			return rep, err
		}
	}
	rep.Goals = goals(rep)
	return rep, nil
}

// machine describes this host and the binary under test.
func machine(cfg Config) Machine {
	m := Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(),
		MaxExecutes: cfg.MaxExecutes, Started: time.Now().UTC().Format(time.RFC3339)}
	if bi, err := buildinfo.ReadFile(cfg.Binary); err == nil {
		m.BinaryGo = bi.GoVersion
	}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(raw)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// countQuery is the filter get_agent_count sends for an execute without params: the
// connector leaves decommissioned agents out.
var countQuery = url.Values{"isDecommissioned": {"false"}}

// measureOverhead times n get_agent_count executes and n direct counts of the same filter,
// alternating which goes first, after warm untimed rounds.
func measureOverhead(ctx context.Context, s *stack, warm, n int) (*Overhead, error) {
	viaConn := func() (time.Duration, int, error) {
		start := time.Now()
		c, err := s.connector.AgentCount(ctx)
		return time.Since(start), c, err
	}
	direct := func() (time.Duration, int, error) {
		start := time.Now()
		c, err := s.console.AgentCount(ctx, countQuery)
		return time.Since(start), c, err
	}
	conn := make([]time.Duration, 0, n)
	dir := make([]time.Duration, 0, n)
	hop := make([]time.Duration, 0, n)
	for i := range warm + n {
		// The floor: one round trip to the connector's /healthz, the HTTP hop an execute adds
		// before any of its own work.
		start := time.Now()
		if err := s.connector.Healthz(ctx); err != nil {
			return nil, err
		}
		if h := time.Since(start); i >= warm {
			hop = append(hop, h)
		}
		first, second := viaConn, direct
		if i%2 == 1 {
			first, second = direct, viaConn
		}
		d1, c1, err := first()
		if err != nil {
			return nil, err
		}
		d2, c2, err := second()
		if err != nil {
			return nil, err
		}
		if c1 != c2 {
			return nil, fmt.Errorf("the connector and the simulator disagree on the count: %d and %d", c1, c2)
		}
		if i < warm {
			continue
		}
		if i%2 == 1 {
			d1, d2 = d2, d1
		}
		conn, dir = append(conn, d1), append(dir, d2)
	}
	o := &Overhead{Connector: Summarize(conn), Direct: Summarize(dir), Hop: Summarize(hop)}
	o.FloorP50 = float64(o.Direct.P50+o.Hop.P50) / float64(o.Direct.P50)
	o.DiffP50 = ms(o.Connector.P50 - o.Direct.P50)
	o.DiffP99 = ms(o.Connector.P99 - o.Direct.P99)
	o.RatioP50 = float64(o.Connector.P50) / float64(o.Direct.P50)
	o.RatioP99 = float64(o.Connector.P99) / float64(o.Direct.P99)
	return o, nil
}

// measureThroughput runs c workers that execute get_agent_count back to back for d (after a
// warm-up of d/10, at most 1s) and counts what completed. Requests refused with 503 by the
// execute cap are counted apart and not timed.
func measureThroughput(ctx context.Context, call func(context.Context) (int, error), c int, d time.Duration) (Throughput, error) {
	type result struct {
		lat             []time.Duration
		rejected, other int
		firstErr        error
	}
	phase := func(d time.Duration, keep bool) ([]result, time.Duration) {
		results := make([]result, c)
		var wg sync.WaitGroup
		start := time.Now()
		end := start.Add(d)
		for w := range c {
			wg.Go(func() {
				r := &results[w]
				for time.Now().Before(end) && ctx.Err() == nil {
					t := time.Now()
					_, err := call(ctx)
					lat := time.Since(t)
					var he *HTTPError
					switch {
					case err == nil:
						if keep {
							r.lat = append(r.lat, lat)
						}
					case errors.As(err, &he) && he.Status == http.StatusServiceUnavailable:
						r.rejected++
					default:
						r.other++
						if r.firstErr == nil {
							r.firstErr = err
						}
					}
				}
			})
		}
		wg.Wait()
		return results, time.Since(start)
	}
	phase(min(d/10, time.Second), false)
	results, elapsed := phase(d, true)
	if err := ctx.Err(); err != nil {
		return Throughput{}, err
	}
	t := Throughput{Concurrency: c, Seconds: elapsed.Seconds()}
	var all []time.Duration
	var firstErr error
	for _, r := range results {
		all = append(all, r.lat...)
		t.Rejected += r.rejected
		t.Errors += r.other
		if firstErr == nil {
			firstErr = r.firstErr
		}
	}
	if len(all) == 0 {
		return t, fmt.Errorf("no execute succeeded at concurrency %d: %v", c, firstErr)
	}
	t.Requests = len(all)
	t.PerSecond = float64(t.Requests) / elapsed.Seconds()
	t.Latency = Summarize(all)
	return t, nil
}

// measureList times get_agents over the whole fleet against a direct cursor walk of the same
// agents, while sampling the connector's Go heap, and reads the connector's peak RSS last.
func measureList(ctx context.Context, s *stack, cfg Config, progress func(string, ...any)) (*List, error) {
	l := &List{Agents: cfg.ListAgents, Limit: cfg.ListLimit, RSSGoal: RSSGoal}
	want := min(cfg.ListAgents, cfg.ListLimit)
	// includeDecommissioned leaves the filter empty, so both walks read the same agents.
	params := map[string]any{"limit": cfg.ListLimit, "includeDecommissioned": true}
	sampler := startHeapSampler(ctx, s.connector, cfg.HeapEvery)
	defer sampler.stop()
	var best, bestDirect time.Duration
	for run := range cfg.ListRuns {
		progress("c: run %d/%d: direct cursor walk of /agents (limit %d per page)", run+1, cfg.ListRuns, 1000)
		cpu0, err := cpuTimes(s)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		items, pages, n, err := s.console.WalkAgents(ctx, 1000, nil)
		took := time.Since(start)
		if err != nil {
			return nil, err
		}
		cpu1, err := cpuTimes(s)
		if err != nil {
			return nil, err
		}
		if items != cfg.ListAgents {
			return nil, fmt.Errorf("the direct walk read %d agents, want %d", items, cfg.ListAgents)
		}
		if bestDirect == 0 || took < bestDirect {
			bestDirect = took
			l.SimCPUDirect = (cpu1[0] - cpu0[0]).Seconds()
		}
		l.DirectPages, l.DirectBytes = pages, n

		progress("c: run %d/%d: get_agents with limit %d through the connector", run+1, cfg.ListRuns, cfg.ListLimit)
		start = time.Now()
		got, err := s.connector.Agents(ctx, params)
		took = time.Since(start)
		if err != nil {
			return nil, err
		}
		cpu2, err := cpuTimes(s)
		if err != nil {
			return nil, err
		}
		if got.Items != want {
			return nil, fmt.Errorf("get_agents returned %d agents, want %d", got.Items, want)
		}
		if best == 0 || took < best {
			best = took
			l.SimCPUViaConnector = (cpu2[0] - cpu1[0]).Seconds()
			l.ConnectorCPUSec = (cpu2[1] - cpu1[1]).Seconds()
		}
		l.Items, l.ConnectorBytes = got.Items, got.Bytes
	}
	hs := sampler.stop()
	rss, err := s.conn.PeakRSS()
	if err != nil {
		return nil, err
	}
	if hs.err != nil && hs.samples == 0 {
		return nil, hs.err
	}
	l.ConnectorSec, l.DirectSec = best.Seconds(), bestDirect.Seconds()
	l.Ratio = l.ConnectorSec / l.DirectSec
	l.PeakRSS, l.PeakHeapInuse, l.PeakHeapSys, l.HeapSamples = rss, hs.inuse, hs.sys, hs.samples
	l.RSSWithinGoal = rss <= RSSGoal
	return l, nil
}

// cpuTimes returns the CPU time used so far by the simulator and the connector.
func cpuTimes(s *stack) ([2]time.Duration, error) {
	sim, err := s.sim.CPUTime()
	if err != nil {
		return [2]time.Duration{}, err
	}
	conn, err := s.conn.CPUTime()
	return [2]time.Duration{sim, conn}, err
}

// heapPeaks are the largest heap figures a heapSampler saw.
type heapPeaks struct {
	inuse, sys int64
	samples    int
	err        error // the first scrape error
}

// heapSampler scrapes the connector's /metrics periodically until stopped.
type heapSampler struct {
	cancel context.CancelFunc
	done   chan heapPeaks
	once   sync.Once
	peaks  heapPeaks
}

func startHeapSampler(ctx context.Context, conn *Connector, every time.Duration) *heapSampler {
	ctx, cancel := context.WithCancel(ctx)
	h := &heapSampler{cancel: cancel, done: make(chan heapPeaks, 1)}
	go func() {
		var p heapPeaks
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			inuse, sys, err := conn.Heap(ctx)
			switch {
			case err == nil:
				p.inuse, p.sys, p.samples = max(p.inuse, inuse), max(p.sys, sys), p.samples+1
			case p.err == nil && ctx.Err() == nil:
				p.err = err
			}
			select {
			case <-ctx.Done():
				h.done <- p
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

// stop ends the sampling and returns the peaks; later calls return the same peaks.
func (h *heapSampler) stop() heapPeaks {
	h.once.Do(func() {
		h.cancel()
		h.peaks = <-h.done
	})
	return h.peaks
}
