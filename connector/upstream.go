package connector

import (
	"errors"
	"time"
)

// A vendor client reports how its API failed through methods on its errors, so the runtime
// can tell an outage from a refusal without knowing the vendor:
//
//	RateLimited() bool          the API kept answering "too many requests" through every retry
//	RetryDelay() time.Duration  how long the API asked callers to wait (0: it did not say)
//	Timeout() bool              no answer came in time (context.DeadlineExceeded has it too)
//	Unavailable() bool          the API answered with a server error, or could not be reached
//
// A failure with none of them true, such as rejected credentials, stays KindOperation.
type (
	rateLimited  interface{ RateLimited() bool }
	retryDelayer interface{ RetryDelay() time.Duration }
	timeouter    interface{ Timeout() bool }
	unavailable  interface{ Unavailable() bool }
)

// UpstreamKind returns KindBusy, KindTimeout or KindUnavailable when err's chain says the
// vendor API was rate limiting, too slow or failing, and false otherwise.
func UpstreamKind(err error) (Kind, bool) {
	var rl rateLimited
	if errors.As(err, &rl) && rl.RateLimited() {
		return KindBusy, true
	}
	var to timeouter
	if errors.As(err, &to) && to.Timeout() {
		return KindTimeout, true
	}
	var un unavailable
	if errors.As(err, &un) && un.Unavailable() {
		return KindUnavailable, true
	}
	return 0, false
}

// RetryAfterOf returns the wait a rate-limited vendor API asked for, or 0.
func RetryAfterOf(err error) time.Duration {
	var rd retryDelayer
	if errors.As(err, &rd) {
		return rd.RetryDelay()
	}
	return 0
}
