package s1sim

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
)

var (
	bigOnce sync.Once
	bigSim  *Simulator
)

// bigFleet returns a shared 100 000-agent simulator.
func bigFleet() *Simulator {
	bigOnce.Do(func() { bigSim = New(Options{Agents: 100000, Threats: 500}) })
	return bigSim
}

// BenchmarkAgentsPage serves one 1000-agent page of a 100 000-agent fleet
// through ServeHTTP (filter, paginate, encode).
func BenchmarkAgentsPage(b *testing.B) {
	sim := bigFleet()
	benchmarks := []struct {
		name  string
		query string
	}{
		{"first page", "limit=1000"},
		{"cursor mid fleet", "limit=1000&cursor=" + encodeCursor(agentCursor, sim.fleet.agents[50000].ID)},
		{"filtered", "limit=1000&osTypes=windows&isActive=true&totalMemory__gt=4096"},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/web/api/v2.1/agents?"+bm.query, nil)
			req.Header.Set("Authorization", "ApiToken "+AdminAPIToken)
			b.ReportAllocs()
			for b.Loop() {
				sim.ResetRequests()
				w := httptest.NewRecorder()
				sim.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body.String())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/page")
		})
	}
}

// BenchmarkFleetMemory reports the heap a 100 000-agent fleet holds.
func BenchmarkFleetMemory(b *testing.B) {
	var held uint64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		sim := New(Options{Agents: 100000, Threats: 500})
		runtime.GC()
		runtime.ReadMemStats(&after)
		held = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(sim)
	}
	b.ReportMetric(float64(held)/(1<<20), "MiB/100k-agents")
}
