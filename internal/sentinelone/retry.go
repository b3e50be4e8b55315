package sentinelone

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// Retry defaults, used for zero fields of RetryPolicy.
const (
	DefaultMaxAttempts = 4
	DefaultBaseDelay   = 500 * time.Millisecond
	DefaultMaxDelay    = 10 * time.Second
	DefaultMaxWait     = 30 * time.Second
)

// RetryPolicy bounds retries (see the package doc for which calls are
// retried). Zero fields take the defaults.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts including the first; 1 disables retries.
	MaxAttempts int
	// BaseDelay is the first backoff delay; it doubles on every attempt.
	BaseDelay time.Duration
	// MaxDelay caps one backoff delay (not a server's Retry-After).
	MaxDelay time.Duration
	// MaxWait caps the total time one call spends waiting between attempts.
	MaxWait time.Duration
}

func (p RetryPolicy) withDefaults() (RetryPolicy, error) {
	if p.MaxAttempts < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 || p.MaxWait < 0 {
		return p, errors.New("retry policy: values must not be negative")
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.MaxWait == 0 {
		p.MaxWait = DefaultMaxWait
	}
	return p, nil
}

// backoff returns the delay before attempt n+1: BaseDelay·2^(n-1), capped by
// MaxDelay, with the upper half jittered.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// parseRetryAfter reads a Retry-After header given in seconds or as an HTTP date.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 {
			return 0, true
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// sentTracker records whether request headers were written to a connection.
type sentTracker struct{ wrote atomic.Bool }

func (t *sentTracker) sent() bool { return t.wrote.Load() }

func withSentTrace(ctx context.Context, t *sentTracker) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() { t.wrote.Store(true) },
	})
}

// send performs req with the retry rule of the package doc. A 2xx answer
// is returned as is; any other answer is an error (*APIError, *RateLimitError
// or *TransportError).
func (c *Client) send(ctx context.Context, req *request, body []byte, authz string) (*rawResponse, error) {
	start := time.Now()
	var waited, lastRetryAfter time.Duration
	for attempt := 1; ; attempt++ {
		if err := c.pace(ctx, req, start); err != nil {
			return nil, err
		}
		raw, sent, err := c.attempt(ctx, req, body, authz)
		var (
			final   error
			reason  string
			wait    time.Duration
			limited bool
			backoff = true
		)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, outcome(req, sent, c.contextError(ctx, req, start))
			}
			te := c.transportError(err)
			te.Attempts, te.Method, te.Endpoint = attempt, req.method, req.callPath()
			final = outcome(req, sent, te)
			if retryableTransport(req.method == http.MethodGet || req.safe, sent, te) {
				reason = "transport_" + te.Kind
			}
		case raw.status >= 200 && raw.status < 300:
			return raw, nil
		default:
			ae := c.apiError(req, raw)
			ae.Attempts = attempt
			final = ae
			switch raw.status {
			case http.StatusTooManyRequests:
				limited = true
				reason = "rate_limited"
				if ra, ok := parseRetryAfter(raw.header, time.Now()); ok {
					wait, lastRetryAfter, backoff = ra, ra, false
				}
			case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
				if req.method == http.MethodGet || req.safe {
					reason = "http_" + strconv.Itoa(raw.status)
				}
			}
			if raw.status >= 500 {
				final = outcome(req, true, final)
			}
		}
		if reason == "" || req.noRetry {
			return nil, final
		}
		if backoff {
			wait = c.retry.backoff(attempt)
		}
		if attempt >= c.retry.MaxAttempts || waited+wait > c.retry.MaxWait {
			if limited {
				return nil, &RateLimitError{Method: req.method, Endpoint: req.callPath(), RetryAfter: lastRetryAfter, Attempts: attempt, Waited: waited}
			}
			return nil, final
		}
		if c.obs != nil {
			c.obs.ObserveRetry(req.endpoint, reason)
		}
		c.log.Info("sentinelone retry", zap.String("method", req.method), zap.String("endpoint", req.endpoint),
			zap.String("reason", reason), zap.Int("attempt", attempt), zap.Duration("wait", wait))
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, c.contextError(ctx, req, start)
			case <-t.C:
			}
		}
		waited += wait
	}
}

// retryableTransport applies the retry rule to a transport failure.
func retryableTransport(repeatable, sent bool, te *TransportError) bool {
	switch te.Kind {
	case KindTLS:
		return false
	case KindDNS:
		var dnsErr *net.DNSError
		if errors.As(te.Err, &dnsErr) && dnsErr.IsNotFound {
			return false
		}
	}
	return repeatable || !sent
}

// outcome marks the failure of an action that SentinelOne may have received.
func outcome(req *request, sent bool, err error) error {
	if req.method == http.MethodGet || req.safe || !sent {
		return err
	}
	return &outcomeUnknownError{err: err}
}

// contextError reports the caller's cancellation or overall deadline.
func (c *Client) contextError(ctx context.Context, req *request, start time.Time) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		limit := time.Since(start).Round(time.Millisecond)
		if dl, ok := ctx.Deadline(); ok {
			limit = dl.Sub(start).Round(time.Millisecond)
		}
		return &TransportError{Kind: KindTimeout, Host: c.host, Limit: limit, Overall: true,
			Method: req.method, Endpoint: req.callPath(), Err: err}
	}
	return fmt.Errorf("%s %s: %w", req.method, req.callPath(), err)
}

// transportError classifies a failed HTTP attempt.
func (c *Client) transportError(err error) *TransportError {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // drop `Get "https://…":`; the host is reported separately
	}
	te := &TransportError{Host: c.host, Err: err}
	var (
		dnsErr   *net.DNSError
		verErr   *tls.CertificateVerificationError
		uaErr    x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invErr   x509.CertificateInvalidError
		recErr   tls.RecordHeaderError
		alertErr tls.AlertError
		netErr   net.Error
	)
	switch {
	case errors.As(err, &verErr), errors.As(err, &uaErr), errors.As(err, &hostErr),
		errors.As(err, &invErr), errors.As(err, &recErr), errors.As(err, &alertErr):
		te.Kind = KindTLS
	case errors.As(err, &dnsErr):
		te.Kind = KindDNS
		te.Host = hostOnly(c.host)
	case errors.Is(err, syscall.ECONNREFUSED):
		te.Kind = KindRefused
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		te.Kind = KindTimeout
		te.Limit = c.timeout
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.EPIPE):
		te.Kind = KindReset
	default:
		te.Kind = KindConnection
	}
	return te
}
