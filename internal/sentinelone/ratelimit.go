package sentinelone

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SentinelOne limits requests per endpoint class and per token; a console past the limit
// answers 429. The client paces requests instead: each configuration has one Limiter, with
// one budget per class, and a request waits for its turn before it is sent. A request whose
// turn would come after its deadline is not sent at all (PaceError).

// Endpoint classes with a documented limit (the reference sheet's §9).
const (
	LimitLogin        = "login"           // POST /users/login, /users/login/by-api-token
	LimitUsers        = "users"           // other /users paths, such as the logout
	LimitUser         = "user"            // /user and below
	LimitAgents       = "agents"          // /agents and below: lists, counts, actions
	LimitThreats      = "threats"         // /threats itself (the list)
	LimitThreatPaths  = "threat-paths"    // below /threats: mitigation, verdicts, notes
	LimitSystemStatus = "system-status"   // /system/status and below
	LimitDVInit       = "dv-init-query"   // Deep Visibility query start
	LimitDVStatus     = "dv-query-status" // Deep Visibility query status
)

// Rate is one class's budget: PerSecond requests a second on average, at most Burst at once.
type Rate struct {
	PerSecond float64
	Burst     int
}

// RateLimits are budgets by endpoint class; a class absent is not paced.
type RateLimits map[string]Rate

// DefaultRateLimits are SentinelOne's documented limits, each with a burst of one request, so
// requests are spread evenly: /users/login and /system/status 1/s, Deep Visibility's
// init-query 1/min and query-status 1/s; /agents 25/s, /threats 10/s and its sub-paths
// 100/s, /users 40/s, /user 2/s.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		LimitLogin: {1, 1}, LimitUsers: {40, 1}, LimitUser: {2, 1}, LimitAgents: {25, 1},
		LimitThreats: {10, 1}, LimitThreatPaths: {100, 1}, LimitSystemStatus: {1, 1},
		LimitDVInit: {1.0 / 60, 1}, LimitDVStatus: {1, 1},
	}
}

// ParseRateLimits reads a setting of the form "default", "off", or a comma-separated list of
// class=RATE[:BURST] (RATE requests per second, a decimal; "off" for no limit) applied over
// the documented defaults, e.g. "agents=50:5,threats=off". An empty setting is "default".
func ParseRateLimits(spec string) (RateLimits, error) {
	spec = strings.TrimSpace(spec)
	switch spec {
	case "", "default":
		return DefaultRateLimits(), nil
	case "off":
		return RateLimits{}, nil
	}
	out := DefaultRateLimits()
	for item := range strings.SplitSeq(spec, ",") {
		class, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return nil, fmt.Errorf("rate limits: %q is not class=requests-per-second", item)
		}
		class = strings.TrimSpace(class)
		if _, known := DefaultRateLimits()[class]; !known {
			return nil, fmt.Errorf("rate limits: unknown endpoint class %q (known: %s)", class, strings.Join(limitClasses(), ", "))
		}
		val = strings.TrimSpace(val)
		if val == "off" {
			delete(out, class)
			continue
		}
		rateText, burstText, hasBurst := strings.Cut(val, ":")
		r := Rate{Burst: 1}
		var err error
		if r.PerSecond, err = strconv.ParseFloat(rateText, 64); err != nil || !(r.PerSecond > 0) || r.PerSecond > 1e9 {
			return nil, fmt.Errorf("rate limits: %s: %q is not a positive number of requests per second", class, rateText)
		}
		if hasBurst {
			if r.Burst, err = strconv.Atoi(burstText); err != nil || r.Burst < 1 {
				return nil, fmt.Errorf("rate limits: %s: burst %q is not a whole number of at least 1", class, burstText)
			}
		}
		out[class] = r
	}
	return out, nil
}

func limitClasses() []string {
	var out []string
	for k := range DefaultRateLimits() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// String is the setting in ParseRateLimits' list form, classes sorted.
func (l RateLimits) String() string {
	if len(l) == 0 {
		return "off"
	}
	parts := make([]string, 0, len(l))
	for class, r := range l {
		parts = append(parts, fmt.Sprintf("%s=%s:%d", class, strconv.FormatFloat(r.PerSecond, 'g', 4, 64), r.Burst))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// limitClass is the endpoint class of a path relative to the API base ("" when none).
func limitClass(path string) string {
	under := func(prefix string) bool {
		return path == prefix || strings.HasPrefix(path, prefix+"/") || strings.HasPrefix(path, prefix+"?")
	}
	switch {
	case under("users/login"):
		return LimitLogin
	case under("users"):
		return LimitUsers
	case under("user"):
		return LimitUser
	case under("agents"):
		return LimitAgents
	case path == "threats":
		return LimitThreats
	case strings.HasPrefix(path, "threats/"):
		return LimitThreatPaths
	case under("system/status"):
		return LimitSystemStatus
	case under("dv/init-query"):
		return LimitDVInit
	case under("dv/query-status"):
		return LimitDVStatus
	}
	return ""
}

// Limiter paces the requests of one configuration (one SentinelOne token). It is safe for
// concurrent use; a nil Limiter paces nothing.
type Limiter struct {
	mu      sync.Mutex
	limits  RateLimits
	buckets map[string]*bucket
	now     func() time.Time
	// budget, when set, books the turns instead of buckets (see budget.go); tenant is
	// whose turns they are.
	budget Budget
	tenant string
}

// bucket schedules one class: next is when the request after the last scheduled one may go
// (a virtual clock: every request moves it on by one interval).
type bucket struct {
	interval time.Duration
	slack    time.Duration // (burst-1) intervals: how far ahead of next a request may go
	next     time.Time
}

// NewLimiter returns a limiter with one budget per class of limits; nil when limits is empty.
func NewLimiter(limits RateLimits) *Limiter {
	if len(limits) == 0 {
		return nil
	}
	l := &Limiter{limits: limits, buckets: map[string]*bucket{}, now: time.Now}
	for class, r := range limits {
		interval := time.Duration(float64(time.Second) / r.PerSecond)
		l.buckets[class] = &bucket{interval: interval, slack: time.Duration(max(r.Burst, 1)-1) * interval}
	}
	return l
}

// Limits returns the limiter's budgets (nil for a nil limiter).
func (l *Limiter) Limits() RateLimits {
	if l == nil {
		return nil
	}
	return l.limits
}

// PaceError reports a request that was not sent: its configuration's rate limit for the
// endpoint class would have held it past the call's deadline.
type PaceError struct {
	Method, Endpoint string
	Class            string
	Rate             Rate
	// Wait is how long the request would have had to wait; Left is what the deadline left.
	Wait, Left time.Duration
}

// Error says which limit held the call, for how long, and what to do.
func (e *PaceError) Error() string {
	return fmt.Sprintf("%s %s was not sent: this configuration's SentinelOne rate limit for %s (%s requests/s) would hold it %s, past the call's deadline (%s left); run fewer calls at once or give the call more time",
		e.Method, e.Endpoint, e.Class, strconv.FormatFloat(e.Rate.PerSecond, 'g', 4, 64),
		e.Wait.Round(time.Millisecond), max(e.Left, 0).Round(time.Millisecond))
}

// Is matches ErrRateLimited.
func (e *PaceError) Is(target error) bool { return target == ErrRateLimited }

// RateLimited is always true: the call was held back by a rate limit.
func (e *PaceError) RateLimited() bool { return true }

// RetryDelay is how long the request would have had to wait.
func (e *PaceError) RetryDelay() time.Duration { return e.Wait }

// errPaced is returned by reserve when the turn comes after the deadline.
var errPaced = errors.New("paced past the deadline")

// reserve books the next turn of class, unless it comes after deadline (zero: none). It
// returns the wait and the booking's end, which cancel needs.
func (l *Limiter) reserve(class string, deadline time.Time) (wait time.Duration, booked time.Time, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[class]
	now := l.now()
	if b.next.Before(now) {
		b.next = now
	}
	start := b.next.Add(-b.slack)
	wait = max(start.Sub(now), 0)
	if !deadline.IsZero() && wait > 0 && !now.Add(wait).Before(deadline) {
		return wait, time.Time{}, errPaced
	}
	b.next = b.next.Add(b.interval)
	return wait, b.next, nil
}

// cancel gives back a booking that was not used, when no later one was made after it.
func (l *Limiter) cancel(class string, booked time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[class]; b.next.Equal(booked) {
		b.next = b.next.Add(-b.interval)
	}
}

// pace waits for req's turn under the client's limiter. It fails with a *PaceError, without
// waiting, when the turn comes after ctx's deadline, and with ctx's error when ctx ends first.
func (c *Client) pace(ctx context.Context, req *request, start time.Time) error {
	l := c.limiter
	if l == nil {
		return nil
	}
	class := limitClass(req.path)
	if _, ok := l.buckets[class]; !ok {
		return nil
	}
	if l.budget != nil {
		return c.paceShared(ctx, l, req, class, start)
	}
	deadline, _ := ctx.Deadline()
	wait, booked, err := l.reserve(class, deadline)
	if err != nil {
		return &PaceError{Method: req.method, Endpoint: req.callPath(), Class: class, Rate: l.limits[class],
			Wait: wait, Left: time.Until(deadline)}
	}
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		l.cancel(class, booked)
		return c.contextError(ctx, req, start)
	}
}
