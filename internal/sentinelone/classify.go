package sentinelone

import (
	"net/http"
	"time"
)

// The methods below let a caller classify a failure without knowing this package's types:
// an outage (Unavailable), a timeout (Timeout) or rate limiting (RateLimited, RetryDelay),
// as opposed to a refusal such as rejected credentials, which has none of them.

// Unavailable reports a server error (5xx) from the console.
func (e *APIError) Unavailable() bool { return e.StatusCode >= 500 }

// RateLimited reports an HTTP 429 that was not retried.
func (e *APIError) RateLimited() bool { return e.StatusCode == http.StatusTooManyRequests }

// RateLimited is always true: the console kept answering 429.
func (e *RateLimitError) RateLimited() bool { return true }

// RetryDelay is the last Retry-After the console sent (0 when absent).
func (e *RateLimitError) RetryDelay() time.Duration { return e.RetryAfter }

// Timeout reports that no answer came within the per-request timeout or the overall deadline.
func (e *TransportError) Timeout() bool { return e.Kind == KindTimeout }

// Unavailable reports that the console could not be reached. A TLS failure is not: it is the
// configuration's trust settings (CA bundle, Verify SSL) that need a change, not the console.
func (e *TransportError) Unavailable() bool { return e.Kind != KindTLS }
