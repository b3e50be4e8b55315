package sentinelone

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
)

// BenchmarkCountWarmToken measures a non-paged call with a warm session
// token: it must cost exactly one HTTP request (reported as requests/call).
func BenchmarkCountWarmToken(b *testing.B) {
	f := newBenchFixture(b)
	ctx := context.Background()
	if err := f.client.Login(ctx); err != nil {
		b.Fatal(err)
	}
	before := f.requests.Load()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.client.Agents.Count(ctx, Filter{"ids": []string{"1", "2"}, "isActive": true}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(f.requests.Load()-before)/float64(b.N), "requests/call")
}

// BenchmarkAgentsPage measures one 1000-agent page (decode included).
func BenchmarkAgentsPage(b *testing.B) {
	f := newBenchFixture(b)
	ls := &listServer{t: b, n: 1000}
	f.mux.Handle("/agents", ls)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for page, err := range f.client.Agents.Pages(ctx, nil, ListOptions{Limit: 1000}) {
			if err != nil {
				b.Fatal(err)
			}
			n += len(page)
		}
		if n != 1000 {
			b.Fatalf("got %d items", n)
		}
	}
}

func newBenchFixture(b *testing.B) *fixture {
	b.Helper()
	f := newFixture(b, withSession)
	var logins atomic.Int64
	f.mux.HandleFunc("/users/login", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"data":{"token":"`+sessionToken(logins.Add(1))+`"}}`)
	})
	f.mux.HandleFunc("/agents/count", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"data":{"total":2}}`)
	})
	return f
}
