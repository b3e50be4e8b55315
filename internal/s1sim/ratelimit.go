package s1sim

import (
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A console limits requests per endpoint class and per token. Options.RateLimits turns that
// on: each credential (session or API token; the source address for calls without one) gets
// a budget of N requests per second per class, with room for one second's worth at once.
// A request past it gets 429 with Retry-After, like SentinelOne's own answer.

// Endpoint classes of Options.RateLimits (the classes SentinelOne documents a limit for).
const (
	ClassLogin        = "login"           // /users/login, /users/login/by-api-token
	ClassUsers        = "users"           // other /users paths
	ClassUser         = "user"            // /user and below
	ClassAgents       = "agents"          // /agents and below
	ClassThreats      = "threats"         // /threats itself
	ClassThreatPaths  = "threat-paths"    // below /threats
	ClassSystemStatus = "system-status"   // /system/status and below
	ClassDVInit       = "dv-init-query"   // /dv/init-query
	ClassDVStatus     = "dv-query-status" // /dv/query-status
)

var rateClasses = []string{ClassLogin, ClassUsers, ClassUser, ClassAgents, ClassThreats,
	ClassThreatPaths, ClassSystemStatus, ClassDVInit, ClassDVStatus}

// ParseRateLimits reads "class=N,class=N" (N requests per second, a positive decimal) into
// the form of Options.RateLimits; "" is none.
func ParseRateLimits(spec string) (map[string]float64, error) {
	out := map[string]float64{}
	if strings.TrimSpace(spec) == "" {
		return out, nil
	}
	for item := range strings.SplitSeq(spec, ",") {
		class, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return nil, fmt.Errorf("rate limit %q: want class=requests-per-second", item)
		}
		if !knownClass(class) {
			return nil, fmt.Errorf("rate limit %q: unknown class %q (known: %s)", item, class, strings.Join(rateClasses, ", "))
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || !(n > 0) || n > 1e9 {
			return nil, fmt.Errorf("rate limit %q: %q is not a positive number of requests per second", item, val)
		}
		out[class] = n
	}
	return out, nil
}

func knownClass(c string) bool {
	for _, k := range rateClasses {
		if k == c {
			return true
		}
	}
	return false
}

// classOf is the endpoint class of an API path such as /web/api/v2.1/agents/count.
func classOf(path string) string {
	rest := strings.TrimPrefix(path, apiPrefix)
	if _, after, ok := strings.Cut(rest, "/"); ok {
		rest = after // drop the version
	} else {
		return ""
	}
	under := func(p string) bool { return rest == p || strings.HasPrefix(rest, p+"/") }
	switch {
	case under("users/login"):
		return ClassLogin
	case under("users"):
		return ClassUsers
	case under("user"):
		return ClassUser
	case under("agents"):
		return ClassAgents
	case rest == "threats":
		return ClassThreats
	case strings.HasPrefix(rest, "threats/"):
		return ClassThreatPaths
	case under("system/status"):
		return ClassSystemStatus
	case under("dv/init-query"):
		return ClassDVInit
	case under("dv/query-status"):
		return ClassDVStatus
	}
	return ""
}

// tokenBuckets holds one bucket per class and credential.
type tokenBuckets struct {
	mu      sync.Mutex
	buckets map[string]*tokenBucket
	limited int // requests answered 429 by the limit
}

type tokenBucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the table before idle entries (full buckets) go.
const maxBuckets = 4096

// allowRate applies Options.RateLimits to one API request; false means it was answered 429.
func (s *Simulator) allowRate(w http.ResponseWriter, r *http.Request, token string) bool {
	if len(s.opts.RateLimits) == 0 {
		return true
	}
	class := classOf(r.URL.Path)
	limit, ok := s.opts.RateLimits[class]
	if !ok {
		return true
	}
	who := token
	if who == "" {
		who, _, _ = net.SplitHostPort(r.RemoteAddr)
	}
	key := class + "\x00" + who
	capacity := max(limit, 1)
	now := s.clock()
	tb := &s.rates
	tb.mu.Lock()
	if tb.buckets == nil {
		tb.buckets = map[string]*tokenBucket{}
	}
	b, seen := tb.buckets[key]
	if !seen {
		if len(tb.buckets) >= maxBuckets {
			tb.buckets = map[string]*tokenBucket{}
		}
		b = &tokenBucket{tokens: capacity, at: now}
		tb.buckets[key] = b
	}
	b.tokens = min(capacity, b.tokens+now.Sub(b.at).Seconds()*limit)
	b.at = now
	allowed := b.tokens >= 1
	var wait time.Duration
	if allowed {
		b.tokens--
	} else {
		tb.limited++
		wait = time.Duration((1 - b.tokens) / limit * float64(time.Second))
	}
	tb.mu.Unlock()
	if allowed {
		return true
	}
	secs := max(int64((wait+time.Second-1)/time.Second), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	writeStatusError(w, http.StatusTooManyRequests)
	return false
}

// RateLimited is how many API requests Options.RateLimits has answered with 429.
func (s *Simulator) RateLimited() int {
	s.rates.mu.Lock()
	defer s.rates.mu.Unlock()
	return s.rates.limited
}

// FormatRateLimits is Options.RateLimits in ParseRateLimits' form, for banners.
func FormatRateLimits(l map[string]float64) string {
	parts := make([]string, 0, len(l))
	for c, n := range l {
		parts = append(parts, c+"="+strconv.FormatFloat(n, 'g', -1, 64))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
