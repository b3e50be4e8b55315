package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// benchAgents is the fleet of the in-process list benchmarks: large enough for 20 pages,
// small enough for -benchtime 1x to stay within seconds.
const benchAgents = 20000

// peakHeap samples runtime.MemStats.HeapInuse every millisecond until stop is called and
// returns the largest value seen.
func peakHeap() (stop func() uint64) {
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// BenchmarkGetAgentsInProcess runs get_agents over the whole fleet through the connector's
// HTTP server, simulator, connector and reader in one process, and reports the bytes
// allocated per agent and the peak heap in use.
func BenchmarkGetAgentsInProcess(b *testing.B) {
	s := newDevStack(b, benchAgents)
	ctx := context.Background()
	params := map[string]any{"limit": benchAgents, "includeDecommissioned": true}
	if _, err := s.connector.Agents(ctx, map[string]any{"limit": 10}); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := peakHeap()
	b.ResetTimer()
	for b.Loop() {
		l, err := s.connector.Agents(ctx, params)
		if err != nil {
			b.Fatal(err)
		}
		if l.Items != benchAgents {
			b.Fatalf("got %d agents, want %d", l.Items, benchAgents)
		}
	}
	b.StopTimer()
	peak := stop()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N*benchAgents), "B-alloc/agent")
	b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-heap")
}

// BenchmarkDirectWalkInProcess is BenchmarkGetAgentsInProcess's baseline: the same agents
// read with a cursor walk straight from the simulator.
func BenchmarkDirectWalkInProcess(b *testing.B) {
	s := newDevStack(b, benchAgents)
	ctx := context.Background()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := peakHeap()
	b.ResetTimer()
	for b.Loop() {
		items, _, _, err := s.console.WalkAgents(ctx, 1000, nil)
		if err != nil {
			b.Fatal(err)
		}
		if items != benchAgents {
			b.Fatalf("got %d agents, want %d", items, benchAgents)
		}
	}
	b.StopTimer()
	peak := stop()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N*benchAgents), "B-alloc/agent")
	b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-heap")
}

// benchThreats is the threat count of BenchmarkFetchThreatsInProcess: 20 batches of 1000.
const benchThreats = 20000

// BenchmarkFetchThreatsInProcess runs one fetch_threats stream over every threat through
// the connector's HTTP server, simulator and connector in one process, and reports the
// bytes allocated per threat and the peak heap in use.
func BenchmarkFetchThreatsInProcess(b *testing.B) {
	s := newDevStackWith(b, s1sim.Options{Agents: 200, Threats: benchThreats})
	ctx := context.Background()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := peakHeap()
	b.ResetTimer()
	run := 0
	for b.Loop() {
		run++
		got, _, err := streamThreats(ctx, s.connector, fmt.Sprintf("bench-%d", run), 1000)
		if err != nil {
			b.Fatal(err)
		}
		if got != benchThreats {
			b.Fatalf("got %d threats, want %d", got, benchThreats)
		}
	}
	b.StopTimer()
	peak := stop()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N*benchThreats), "B-alloc/threat")
	b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-heap")
}
