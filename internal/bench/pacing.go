package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// unpacedLimits is serve --rate-limits for parts a to c: the simulator there has no limit,
// and a budget far above what loopback reaches keeps the limiter on every request's path
// without holding one.
const unpacedLimits = "agents=1000000:1000"

// stackArgs are what one stack adds to the processes' command lines.
type stackArgs struct {
	sim         []string // simulate flags
	rateLimits  string   // serve --rate-limits; "" is unpacedLimits
	maxExecutes int      // serve --max-executes; 0 is Config.MaxExecutes
}

func (a stackArgs) serve(cfg Config) []string {
	limits := a.rateLimits
	if limits == "" {
		limits = unpacedLimits
	}
	out := []string{"--rate-limits", limits}
	if a.maxExecutes > 0 {
		out = append(out, "--max-executes", strconv.Itoa(a.maxExecutes))
	}
	return out
}

// Pacing is part d: parallel executes against a simulator that limits /agents per token, the
// connector paced at the same rate.
type Pacing struct {
	Calls     int     `json:"calls"`
	Limit     float64 `json:"limit_per_second"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"requests_per_second"`
	// Status429 counts the 429 answers the connector got from the simulator (its
	// sentinelone_requests_total), Errors the executes that failed.
	Status429 int    `json:"status_429"`
	Errors    int    `json:"errors"`
	FirstErr  string `json:"first_error,omitempty"`
}

// measurePacing starts a simulator limiting /agents to limit requests/s per token and a
// connector paced to the same limit, and sends calls get_agent_count executes at once.
func measurePacing(ctx context.Context, cfg Config, calls int, limit float64) (*Pacing, error) {
	rate := strconv.FormatFloat(limit, 'g', -1, 64)
	s, err := startStack(ctx, cfg, "paced", 200, calls+8, stackArgs{
		sim: []string{"--rate-limits", "agents=" + rate}, rateLimits: "agents=" + rate, maxExecutes: calls + 16})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	// The warm-up execute took one turn; the next comes an interval later.
	time.Sleep(time.Duration(float64(time.Second) / limit))
	p := &Pacing{Calls: calls, Limit: limit}
	errs := make([]error, calls)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range calls {
		wg.Go(func() { _, errs[i] = s.connector.AgentCount(ctx) })
	}
	wg.Wait()
	took := time.Since(start)
	for _, err := range errs {
		if err != nil {
			if p.Errors == 0 {
				p.FirstErr = err.Error()
			}
			p.Errors++
		}
	}
	p.Seconds = took.Seconds()
	p.PerSecond = float64(calls-p.Errors) / took.Seconds()
	if p.Status429, err = s.connector.UpstreamStatus(ctx, 429); err != nil {
		return nil, err
	}
	return p, s.Close()
}

// UpstreamStatus sums the connector's sentinelone_requests_total samples of one status.
func (c *Connector) UpstreamStatus(ctx context.Context, status int) (int, error) {
	resp, err := c.get(ctx, "/metrics")
	if err != nil {
		return 0, fmt.Errorf("scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	want := `status="` + strconv.Itoa(status) + `"`
	total := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "sentinelone_requests_total{") || !strings.Contains(line, want) {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			return 0, fmt.Errorf("scrape metrics: %q: %w", line, err)
		}
		total += v
	}
	return int(total), sc.Err()
}

// get sends an authenticated GET to the connector and checks for a 2xx answer.
func (c *Connector) get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if err := checkStatus(resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// CPUProfile saves a CPU profile of the connector over d (serve --pprof) to path.
func (c *Connector) CPUProfile(ctx context.Context, d time.Duration, path string) error {
	resp, err := c.get(ctx, "/debug/pprof/profile?seconds="+strconv.Itoa(max(int(d/time.Second), 1)))
	if err != nil {
		return fmt.Errorf("CPU profile: %w", err)
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return fmt.Errorf("CPU profile: %w", err)
	}
	return f.Close()
}

// Healthz sends GET /healthz to the connector and reads the answer.
func (c *Connector) Healthz(ctx context.Context) error {
	resp, err := c.get(ctx, "/healthz")
	if err != nil {
		return fmt.Errorf("healthz: %w", err)
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}
