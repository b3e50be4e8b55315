package sentinelone

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	_ error = (*APIError)(nil)
	_ error = (*RateLimitError)(nil)
	_ error = (*TransportError)(nil)
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrCredentialsRejected: SentinelOne refused the username/password,
	// session token or API token.
	ErrCredentialsRejected = errors.New("credentials rejected")
	// ErrAPITokenRejected: SentinelOne refused the API token. It wraps
	// ErrCredentialsRejected.
	ErrAPITokenRejected = fmt.Errorf("API token rejected: %w", ErrCredentialsRejected)
	// ErrPermissionDenied: HTTP 403, the account lacks the role for the call.
	ErrPermissionDenied = errors.New("insufficient permissions")
	// ErrNotFound: HTTP 404.
	ErrNotFound = errors.New("not found")
	// ErrInvalidRequest: HTTP 400, SentinelOne's validation failed.
	ErrInvalidRequest = errors.New("invalid request")
	// ErrUnavailable: HTTP 502, 503 or 504.
	ErrUnavailable = errors.New("console unavailable")
	// ErrRateLimited: HTTP 429 persisted through every retry.
	ErrRateLimited = errors.New("rate limited")
	// ErrRecommissionUnsupported: the console has no recommission endpoint.
	ErrRecommissionUnsupported = errors.New("recommission unsupported")
	// ErrVersionUnsupported: the call does not exist in the client's API version.
	ErrVersionUnsupported = errors.New("not available in this API version")
)

// ErrorDetail is one item of SentinelOne's errors[] array.
type ErrorDetail struct {
	Code   int    `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"` // null on the wire becomes ""
}

// String formats the item as "Title: detail (code N)".
func (d ErrorDetail) String() string {
	var b strings.Builder
	b.WriteString(d.Title)
	if d.Detail != "" && d.Detail != d.Title {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(d.Detail)
	}
	if d.Code != 0 {
		fmt.Fprintf(&b, " (code %d)", d.Code)
	}
	return b.String()
}

// APIError is a non-2xx answer from SentinelOne.
type APIError struct {
	StatusCode int
	Method     string
	Endpoint   string // the path called, relative to the API base, e.g. "/agents/count"
	Errors     []ErrorDetail
	// Body is the start of a non-JSON body (for example a proxy's error page);
	// empty when Errors is set.
	Body string
	// Attempts is how many times the call was sent.
	Attempts int
}

// Error describes the failure in words a SOC analyst can act on.
func (e *APIError) Error() string {
	call := e.Method + " " + e.Endpoint
	var b strings.Builder
	switch s := e.StatusCode; {
	case s == http.StatusBadRequest:
		fmt.Fprintf(&b, "SentinelOne rejected %s as invalid (HTTP 400)", call)
	case s == http.StatusUnauthorized:
		fmt.Fprintf(&b, "SentinelOne rejected the credentials for %s (HTTP 401)", call)
	case s == http.StatusForbidden:
		fmt.Fprintf(&b, "the SentinelOne user's role does not allow %s (HTTP 403); ask for a role with this permission", call)
	case s == http.StatusNotFound:
		fmt.Fprintf(&b, "not found: %s (HTTP 404)", call)
	case s == http.StatusTooManyRequests:
		fmt.Fprintf(&b, "SentinelOne rate limit hit on %s (HTTP 429)", call)
	case s >= 500:
		fmt.Fprintf(&b, "SentinelOne console error on %s (HTTP %d %s)", call, s, http.StatusText(s))
	default:
		fmt.Fprintf(&b, "SentinelOne answered HTTP %d %s to %s", s, http.StatusText(s), call)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	for i, d := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(d.String())
	}
	if len(e.Errors) == 0 && e.Body != "" {
		b.WriteString(": ")
		b.WriteString(e.Body)
	}
	return b.String()
}

// Is matches the sentinel for the status class.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrPermissionDenied:
		return e.StatusCode == http.StatusForbidden
	case ErrInvalidRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnavailable:
		s := e.StatusCode
		return s == http.StatusBadGateway || s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// apiError builds an APIError from a non-2xx answer, redacting secrets.
func (c *Client) apiError(req *request, raw *rawResponse) *APIError {
	e := &APIError{StatusCode: raw.status, Method: req.method, Endpoint: req.callPath()}
	var env struct {
		Errors []ErrorDetail `json:"errors"`
	}
	if err := json.Unmarshal(raw.body, &env); err == nil && len(env.Errors) > 0 {
		for _, d := range env.Errors {
			d.Title = c.redact(d.Title)
			d.Detail = c.redact(d.Detail)
			e.Errors = append(e.Errors, d)
		}
		return e
	}
	e.Body = c.redact(snippet(raw.body, 200))
	return e
}

// snippet returns up to n bytes of printable text from b, on one line.
func snippet(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > n {
		s = s[:n]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// RateLimitError reports that SentinelOne kept answering 429.
type RateLimitError struct {
	Method, Endpoint string
	// RetryAfter is the last Retry-After the console sent (0 when absent).
	RetryAfter time.Duration
	// Attempts is how many times the call was sent.
	Attempts int
	// Waited is the total time spent waiting between attempts.
	Waited time.Duration
}

// Error says how often the call was refused and what to do.
func (e *RateLimitError) Error() string {
	msg := fmt.Sprintf("SentinelOne rate limit: %s %s was still refused with HTTP 429 after %d attempts (waited %s)",
		e.Method, e.Endpoint, e.Attempts, e.Waited.Round(time.Millisecond))
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf("; the console asks to wait %s", e.RetryAfter.Round(time.Millisecond))
	}
	return msg + "; try again later or run fewer calls at once"
}

// Is matches ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// Kinds of TransportError.
const (
	KindTLS        = "tls"
	KindDNS        = "dns"
	KindRefused    = "refused"
	KindTimeout    = "timeout"
	KindReset      = "reset"
	KindConnection = "connection"
)

// TransportError is a failure to get an answer from the console.
type TransportError struct {
	// Kind is one of KindTLS, KindDNS, KindRefused, KindTimeout, KindReset, KindConnection.
	Kind string
	// Host is the console host (and port) concerned.
	Host string
	// Limit is the time limit that expired, for KindTimeout.
	Limit time.Duration
	// Overall is true when Limit is the caller's overall deadline rather
	// than the per-request timeout.
	Overall          bool
	Method, Endpoint string
	Attempts         int
	Err              error
}

// Error names the host, the failure and the setting to check.
func (e *TransportError) Error() string {
	var msg string
	switch e.Kind {
	case KindTLS:
		msg = fmt.Sprintf("TLS connection to %s failed (%v); if the console uses a self-signed or private-CA certificate, add that CA bundle, or turn off Verify SSL only on a trusted network", e.Host, e.Err)
	case KindDNS:
		msg = fmt.Sprintf("cannot resolve host %q (%v); check the Host Name setting", e.Host, e.Err)
	case KindRefused:
		msg = fmt.Sprintf("connection to %s refused (check the Host Name and port, and that the console is up)", e.Host)
	case KindTimeout:
		which := "per-request timeout"
		if e.Overall {
			which = "overall deadline"
		}
		msg = fmt.Sprintf("no answer from %s within %s (%s)", e.Host, e.Limit, which)
	case KindReset:
		msg = fmt.Sprintf("connection to %s closed before a complete answer (%v)", e.Host, e.Err)
	default:
		msg = fmt.Sprintf("cannot reach %s (%v)", e.Host, e.Err)
	}
	if e.Method != "" {
		msg = e.Method + " " + e.Endpoint + ": " + msg
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	return msg
}

// Unwrap returns the underlying network error.
func (e *TransportError) Unwrap() error { return e.Err }

// ErrOutcomeUnknown marks an action (POST) that failed after SentinelOne may already have
// received it: a 5xx answer, a connection lost after the request was sent, or a deadline
// reached while waiting for the answer. It is not retried, and the caller must check the
// state before running it again.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// outcomeUnknownError wraps such a failure; errors.Is finds both ErrOutcomeUnknown and the cause.
type outcomeUnknownError struct{ err error }

func (e *outcomeUnknownError) Error() string {
	return e.err.Error() + "; SentinelOne may have applied the action before this failure: check the state of the agents or threats before running it again"
}

func (e *outcomeUnknownError) Unwrap() []error { return []error{ErrOutcomeUnknown, e.err} }
