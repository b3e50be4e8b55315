package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// ExecuteObserver receives execute metrics; implementations must be safe for concurrent use.
type ExecuteObserver interface {
	ExecuteStarted()
	ExecuteFinished(operation string, code int, d time.Duration)
}

// DefaultMaxConcurrentExecutes caps executes served at once when Options leave it zero.
const DefaultMaxConcurrentExecutes = 64

// authenticate requires `Authorization: Bearer <token>` on every route but the liveness
// probe (and /metrics when it is public). Tokens are compared as SHA-256 digests in constant
// time, so neither their content nor their length leaks through timing.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	if s.opts.APIToken == "" {
		return next
	}
	return func(c echo.Context) error {
		path := c.Request().URL.Path
		if path == "/healthz" || (path == "/metrics" && s.opts.PublicMetrics) {
			return next(c)
		}
		header := c.Request().Header.Get(echo.HeaderAuthorization)
		scheme, token, ok := strings.Cut(header, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			got := sha256.Sum256([]byte(strings.TrimSpace(token)))
			if subtle.ConstantTimeCompare(got[:], s.tokenDigest[:]) == 1 {
				return next(c)
			}
		}
		msg := "authentication required: send the header Authorization: Bearer <token>"
		if header != "" {
			msg = "authentication failed: the bearer token is not valid"
		}
		return &httpError{status: http.StatusUnauthorized, message: msg,
			header: http.Header{echo.HeaderWWWAuthenticate: {`Bearer realm="sentinelone-connector"`}}}
	}
}

// limitExecutes admits at most the configured number of executes at once; beyond it the
// caller gets 503 with Retry-After at once, never a place in an unbounded queue. (echo
// applies route middleware per request, so the slots live on the Server.)
func (s *Server) limitExecutes(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		select {
		case s.slots <- struct{}{}:
		default:
			return &httpError{status: http.StatusServiceUnavailable,
				message: "too many executes in flight (limit " + strconv.Itoa(s.opts.MaxConcurrentExecutes) + "); retry after 1 second",
				header:  http.Header{echo.HeaderRetryAfter: {"1"}}}
		}
		defer func() { <-s.slots }()
		if s.opts.Observer == nil {
			return next(c)
		}
		start, code := time.Now(), 0
		s.opts.Observer.ExecuteStarted()
		defer func() { // also when a stream aborts the connection
			op, _ := c.Get("operation").(string)
			s.opts.Observer.ExecuteFinished(op, code, time.Since(start))
		}()
		err = next(c)
		code = c.Response().Status
		if err != nil {
			code = StatusOf(err)
		}
		return err
	}
}
