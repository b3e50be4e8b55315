package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// The measurements of one run: overhead per call, throughput, the big listing, CPU times
// and heap peaks.

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
	taken  atomic.Int64 // samples so far, readable while sampling
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
				h.taken.Add(1)
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
