package s1sim

import (
	"net/http"
	"strconv"
	"time"
)

// faultKind is the outcome the fault knobs chose for one API request.
type faultKind int

const (
	faultNone faultKind = iota
	faultDown
	faultDrop
	faultFail
	faultRateLimit
	faultError
)

// decideFault applies the knobs in their documented order and updates the
// counters. It runs under the write lock so the counters and the seeded
// RNG advance deterministically.
func (s *Simulator) decideFault() (kind faultKind, status int, latency, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &s.faults
	latency = f.Latency
	switch {
	case f.Down:
		return faultDown, http.StatusServiceUnavailable, latency, 0
	case f.DropNext > 0:
		f.DropNext--
		return faultDrop, 0, latency, 0
	case f.DropRate > 0 && s.faultRNG.Float64() < f.DropRate:
		return faultDrop, 0, latency, 0
	case f.FailNext > 0:
		f.FailNext--
		return faultFail, orDefault(f.FailStatus, http.StatusInternalServerError), latency, 0
	}
	if f.RateLimitEvery > 0 {
		s.rlCount++
		if s.rlCount%f.RateLimitEvery == 0 {
			return faultRateLimit, http.StatusTooManyRequests, latency, f.RetryAfter
		}
	}
	if f.ErrorRate > 0 && s.faultRNG.Float64() < f.ErrorRate {
		return faultError, orDefault(f.ErrorStatus, http.StatusInternalServerError), latency, 0
	}
	return faultNone, 0, latency, 0
}

func orDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

// injectFault waits the configured latency and answers the request when a
// fault applies. It reports whether the request should be served normally.
func (s *Simulator) injectFault(w http.ResponseWriter, r *http.Request) bool {
	kind, status, latency, retryAfter := s.decideFault()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			// The caller left: abort rather than return, or net/http would send an
			// empty 200 that a client closing the connection may still read.
			panic(http.ErrAbortHandler)
		}
	}
	switch kind {
	case faultNone:
		return true
	case faultDrop:
		dropConn(w)
	case faultRateLimit:
		secs := int64((retryAfter + time.Second - 1) / time.Second)
		if secs < 1 {
			secs = 1
		}
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeStatusError(w, status)
	default:
		writeStatusError(w, status)
	}
	return false
}

// dropConn closes the client connection without writing a response. When
// the connection cannot be hijacked (HTTP/2, or a recorder in tests) the
// handler aborts, which net/http turns into a reset stream or closed
// connection.
func dropConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
