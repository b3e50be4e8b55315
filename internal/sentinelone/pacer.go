package sentinelone

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultQueryStartInterval is the least time between two Deep Visibility query starts of
// one client: SentinelOne allows about one POST /dv/init-query per minute per token.
const DefaultQueryStartInterval = time.Minute

// DefaultQueryStartWait bounds how long a query start waits in the pacer's queue.
const DefaultQueryStartWait = 5 * time.Minute

// ErrQueryStartBusy is returned when a query start would wait longer than the pacer allows.
var ErrQueryStartBusy = errors.New("deep visibility query starts are queued beyond the wait allowed")

// Pacer spaces calls at least interval apart, first come first served: each call reserves
// the next free slot and waits for it, and a call whose slot lies beyond its bounded wait
// (or its context's deadline) is refused at once without reserving. It is separate from
// any general rate limit: it enforces one endpoint's documented budget.
type Pacer struct {
	interval, maxWait time.Duration
	now               func() time.Time
	sleep             func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	next time.Time // the earliest free slot
}

// NewPacer returns a pacer; now and sleep default to the real clock.
func NewPacer(interval, maxWait time.Duration, now func() time.Time, sleep func(context.Context, time.Duration) error) *Pacer {
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = sleepCtx
	}
	return &Pacer{interval: interval, maxWait: maxWait, now: now, sleep: sleep}
}

// Wait blocks until the caller's slot, or fails without taking one.
func (p *Pacer) Wait(ctx context.Context) error {
	if p == nil || p.interval <= 0 {
		return nil
	}
	p.mu.Lock()
	now := p.now()
	slot := p.next
	if slot.Before(now) {
		slot = now
	}
	wait := slot.Sub(now)
	if wait > p.maxWait {
		p.mu.Unlock()
		return fmt.Errorf("%w: the next start is %s away, the wait allowed is %s", ErrQueryStartBusy, wait.Round(time.Second), p.maxWait)
	}
	if dl, ok := ctx.Deadline(); ok && dl.Before(slot) {
		p.mu.Unlock()
		return fmt.Errorf("%w: the next start is %s away, after this call's deadline", ErrQueryStartBusy, wait.Round(time.Millisecond))
	}
	p.next = slot.Add(p.interval)
	p.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	return p.sleep(ctx, wait)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newQueryPacer is the query-start pacer of one client (one token, one configuration).
func newQueryPacer(cfg Config) *Pacer {
	interval, wait := cfg.QueryStartInterval, cfg.QueryStartWait
	if interval <= 0 {
		return nil
	}
	if wait <= 0 {
		wait = DefaultQueryStartWait
	}
	return NewPacer(interval, wait, nil, nil)
}
