package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
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
			if c.Request().ContentLength != 0 { // these routes read no body: never drain one
				stopReading(c)
			}
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
		stopReading(c) // an unauthenticated caller never gets the server to read its body
		return &httpError{status: http.StatusUnauthorized, message: msg,
			header: http.Header{echo.HeaderWWWAuthenticate: {`Bearer realm="sentinelone-connector"`}}}
	}
}

// stopReading makes sure the server reads nothing more of the request: Connection: close
// stops net/http draining the unread body for keep-alive, and the read deadline stops the
// bounded drain (up to 256 KiB) it still does for a chunked body.
func stopReading(c echo.Context) {
	c.Response().Header().Set(echo.HeaderConnection, "close")
	_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Now())
}

// takeSlot admits at most the configured number of executes at once; beyond it the caller
// gets 503 with Retry-After at once, never a place in an unbounded queue. The execute route
// takes its slot only once the body is read and its envelope valid, so slow or bad bodies
// cannot hold slots that other executes need.
func (s *Server) takeSlot() (release func(), err error) {
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	default:
		return nil, &httpError{status: http.StatusServiceUnavailable,
			message: "too many executes in flight (limit " + strconv.Itoa(s.opts.MaxConcurrentExecutes) + "); retry after 1 second",
			header:  http.Header{echo.HeaderRetryAfter: {"1"}}}
	}
}

// observeExecutes reports every execute to the observer, labelled with its operation when
// the manifest declares it and "unknown" otherwise, so a caller cannot mint label values.
func (s *Server) observeExecutes(next echo.HandlerFunc) echo.HandlerFunc {
	if s.opts.Observer == nil {
		return next
	}
	return func(c echo.Context) (err error) {
		start, code := time.Now(), 0
		s.opts.Observer.ExecuteStarted()
		defer func() { // also when a stream aborts the connection
			s.opts.Observer.ExecuteFinished(s.metricOperation(c), code, time.Since(start))
		}()
		err = next(c)
		code = c.Response().Status
		if err != nil {
			code = StatusOf(err)
		}
		return err
	}
}

// UnknownOperation labels the metrics of executes that name no operation of the manifest.
const UnknownOperation = "unknown"

func (s *Server) metricOperation(c echo.Context) string {
	op, _ := c.Get("operation").(string)
	if op == "" || s.conn.Manifest().Operation(op) == nil {
		return UnknownOperation
	}
	return op
}

// maxRequestIDLen bounds a request id taken from the X-Request-ID header.
const maxRequestIDLen = 128

// requestID keeps the caller's X-Request-ID when it is a short token of [A-Za-z0-9._-] and
// uses a fresh random one otherwise, so ids in logs and answers are always safe to print.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ids := c.Request().Header.Values(echo.HeaderXRequestID)
		id := ""
		if len(ids) == 1 && validRequestID(ids[0]) {
			id = ids[0]
		} else {
			var b [16]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		s.attachLogger(c, id)
		return next(c)
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b == '.' || b == '_' || b == '-' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z') {
			return false
		}
	}
	return true
}
