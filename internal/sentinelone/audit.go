package sentinelone

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
)

type counterKey struct{}

// WithRequestCounter returns ctx carrying n: every HTTP attempt a client makes with the
// returned context (or one derived from it) adds one to n, retries and logins included.
// Callers use it to report how many requests one call cost.
func WithRequestCounter(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, counterKey{}, n)
}

// countRequest adds one to the counter of ctx, if any.
func countRequest(ctx context.Context) {
	if n, ok := ctx.Value(counterKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
}

// Failure classes returned by Class.
const (
	ClassCredentials = "credentials"  // login, session or API token refused
	ClassPermission  = "permission"   // the account's role does not allow the call (403)
	ClassTLS         = "tls"          // the console's certificate or TLS handshake failed
	ClassUnreachable = "unreachable"  // DNS, refused, reset or otherwise no connection
	ClassTimeout     = "timeout"      // no answer within the per-request timeout or the deadline
	ClassRateLimited = "rate_limited" // 429 through every retry, or paced past the deadline
	ClassServer      = "server_error" // 5xx
	ClassRejected    = "rejected"     // another non-2xx answer, e.g. 400 or 404
)

// Class names the kind of SentinelOne failure err is, for logs; "" when err is not a
// failure of the console or the way to it.
func Class(err error) string {
	var (
		te *TransportError
		ae *APIError
		re *RateLimitError
		pe *PaceError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrCredentialsRejected):
		return ClassCredentials
	case errors.As(err, &re), errors.As(err, &pe):
		return ClassRateLimited
	case errors.As(err, &te):
		switch te.Kind {
		case KindTLS:
			return ClassTLS
		case KindTimeout:
			return ClassTimeout
		}
		return ClassUnreachable
	case errors.As(err, &ae):
		switch s := ae.StatusCode; {
		case s == http.StatusUnauthorized:
			return ClassCredentials
		case s == http.StatusForbidden:
			return ClassPermission
		case s == http.StatusTooManyRequests:
			return ClassRateLimited
		case s >= 500:
			return ClassServer
		}
		return ClassRejected
	case errors.Is(err, context.DeadlineExceeded):
		return ClassTimeout
	}
	return ""
}
