package sentinelone

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// A Limiter paces one process's requests. Several processes (replicas of the connector)
// calling one tenant would each pace alone and together send a multiple of its budget, so a
// Limiter can book its turns in a Budget kept outside the process instead of in its own
// buckets (NewSharedLimiter). Everything else about pacing stays the same: a turn past the
// call's deadline is refused with a *PaceError and booked nowhere, and a turn given up
// because the call ended is handed back.

// Budget books turns in a rate budget shared with other processes. Implementations must be
// safe for concurrent use and must keep the one clock of every process sharing the budget.
type Budget interface {
	// Reserve books the next turn of class for tenant under rate r and returns when the
	// request may be sent, on this process's clock. When that turn lies in the future and
	// at or after deadline (zero: none), it books nothing and returns the turn with an
	// error matching ErrTurnPastDeadline. release hands an unused booking back; it does
	// nothing when a later booking has been made since.
	Reserve(ctx context.Context, tenant, class string, r Rate, deadline time.Time) (turn time.Time, release func(context.Context) error, err error)
}

// ErrTurnPastDeadline is returned by a Budget's Reserve for a turn after the deadline.
var ErrTurnPastDeadline = errors.New("the turn comes after the deadline")

// releaseTimeout bounds handing back a turn of a call that has already ended.
const releaseTimeout = 2 * time.Second

// NewSharedLimiter returns a limiter that books the turns of tenant in budget instead of in
// memory; nil when limits is empty. tenant names one console and credential the same way on
// every process sharing budget, and must not reveal the credential.
func NewSharedLimiter(limits RateLimits, budget Budget, tenant string) *Limiter {
	l := NewLimiter(limits)
	if l != nil {
		l.budget, l.tenant = budget, tenant
	}
	return l
}

// Shared reports whether the limiter books its turns in a shared budget.
func (l *Limiter) Shared() bool { return l != nil && l.budget != nil }

// BudgetError reports a request that was not sent because its shared rate budget could not
// be consulted. Pacing fails closed: sending anyway could exceed the tenant's limits for
// every replica at once.
type BudgetError struct {
	Method, Endpoint, Class string
	Err                     error
}

// Error names the request, the budget and why it could not be consulted.
func (e *BudgetError) Error() string {
	return fmt.Sprintf("%s %s was not sent: the shared rate budget for %s could not be consulted: %v", e.Method, e.Endpoint, e.Class, e.Err)
}

// Unwrap returns the budget's error.
func (e *BudgetError) Unwrap() error { return e.Err }

// Unavailable is always true: what paces the request is out of reach.
func (e *BudgetError) Unavailable() bool { return true }

// paceShared is pace for a limiter with a shared budget.
func (c *Client) paceShared(ctx context.Context, l *Limiter, req *request, class string, start time.Time) error {
	deadline, _ := ctx.Deadline()
	turn, release, err := l.budget.Reserve(ctx, l.tenant, class, l.limits[class], deadline)
	switch {
	case errors.Is(err, ErrTurnPastDeadline):
		return &PaceError{Method: req.method, Endpoint: req.callPath(), Class: class, Rate: l.limits[class],
			Wait: time.Until(turn), Left: time.Until(deadline)}
	case err != nil && ctx.Err() != nil:
		return c.contextError(ctx, req, start)
	case err != nil:
		return &BudgetError{Method: req.method, Endpoint: req.callPath(), Class: class, Err: err}
	}
	wait := time.Until(turn)
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		if rerr := release(rctx); rerr != nil {
			// The booking stays: the budget loses one turn, which errs on the safe side.
			c.log.Warn("could not hand back an unused turn of the shared rate budget",
				zap.String("class", class), zap.Error(rerr))
		}
		return c.contextError(ctx, req, start)
	}
}
