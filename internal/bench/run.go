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
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
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
	// Ingest is part e, measured by MeasureIngest and added with AddIngest.
	Ingest *Ingest `json:"ingest,omitempty"`
	Goals  []Goal  `json:"goals,omitempty"`
}

// AddIngest adds part e's figures to the report and its goals.
func (r *Report) AddIngest(in *Ingest) {
	r.Ingest = in
	r.Goals = goals(r)
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
