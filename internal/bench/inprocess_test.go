package bench

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
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
