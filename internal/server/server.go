// Package server is the HTTP layer: FortiSOAR's integration routes and envelopes over a
// connector.Connector. It knows nothing of the vendor API behind the connector.
package server

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// maxLoggedPath bounds the request path written to logs and messages.
const maxLoggedPath = 256

// DefaultMaxBodyBytes is the default limit on a request body (1 MiB).
const DefaultMaxBodyBytes = 1 << 20

// Options configure a Server.
type Options struct {
	Logger       *zap.Logger
	MaxBodyBytes int64 // 0 → DefaultMaxBodyBytes
	// APIToken is the bearer token every route but /healthz requires. Empty disables
	// authentication: the serve command never starts that way.
	APIToken string
	// MaxConcurrentExecutes caps executes served at once (0 → DefaultMaxConcurrentExecutes).
	MaxConcurrentExecutes int
	// Observer receives execute metrics; may be nil.
	Observer ExecuteObserver
	// Metrics, when set, is served at GET /metrics.
	Metrics http.Handler
	// PublicMetrics serves /metrics without authentication (for a scraper on a trusted network).
	PublicMetrics bool
	// Pprof serves Go's runtime profiles under PprofPrefix, behind the bearer token (never
	// without one).
	Pprof bool
}

// Server serves FortiSOAR's integration API for one connector.
type Server struct {
	echo        *echo.Echo
	conn        *connector.Connector
	logger      *zap.Logger
	opts        Options
	slots       chan struct{} // one per execute in flight
	tokenDigest [32]byte      // SHA-256 of opts.APIToken
}

// New builds the server and its routes.
func New(conn *connector.Connector, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxConcurrentExecutes <= 0 {
		opts.MaxConcurrentExecutes = DefaultMaxConcurrentExecutes
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &Server{echo: e, conn: conn, logger: opts.Logger, opts: opts,
		slots: make(chan struct{}, opts.MaxConcurrentExecutes), tokenDigest: sha256.Sum256([]byte(opts.APIToken))}
	e.HTTPErrorHandler = s.handleError
	e.Use(s.requestID, s.accessLog, s.recoverPanic, s.authenticate)

	e.GET("/healthz", s.liveness)
	if opts.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(opts.Metrics))
	}
	s.mountPprof()
	api := e.Group("/api/integration")
	api.POST("/execute/", s.execute, s.observeExecutes)
	api.POST("/execute", s.execute, s.observeExecutes)
	api.GET("/connectors/", s.listConnectors)
	api.GET("/connectors", s.listConnectors)
	api.GET("/connectors/healthcheck/:name/:version/", s.healthcheck)
	api.GET("/connectors/healthcheck/:name/:version", s.healthcheck)
	api.POST("/connectors/healthcheck/:name/:version/", s.healthcheckPost)
	api.POST("/connectors/healthcheck/:name/:version", s.healthcheckPost)
	api.POST("/connectors/sessions/:name/:version/forget/", s.forgetSession)
	api.POST("/connectors/sessions/:name/:version/forget", s.forgetSession)
	api.POST("/connectors/:name/:version/", s.connectorDetail)
	api.POST("/connectors/:name/:version", s.connectorDetail)
	return s
}

// Handler returns the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo exposes the router so other packages can mount routes on it (configuration API,
// metrics) before the server starts.
func (s *Server) Echo() *echo.Echo { return s.echo }

// attachLogger stores a request-scoped logger carrying the request id.
func (s *Server) attachLogger(c echo.Context, id string) {
	l := s.logger.With(zap.String("request_id", id))
	c.Set("logger", l)
	r := c.Request()
	c.SetRequest(r.WithContext(connector.ContextWithLogger(r.Context(), l)))
}

func (s *Server) log(c echo.Context) *zap.Logger {
	if l, ok := c.Get("logger").(*zap.Logger); ok {
		return l
	}
	return s.logger
}

func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		// Method and path are the caller's text: bounded, so no request makes a large line.
		s.log(c).Info("request",
			zap.String("method", clip(c.Request().Method, 16)), zap.String("path", clip(c.Request().URL.Path, maxLoggedPath)),
			zap.Int("status", c.Response().Status), zap.Duration("duration", time.Since(start)))
		return nil
	}
}

// recoverPanic turns a panic anywhere below into a 500 envelope and logs its stack.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log(c).Error("handler panicked", zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
				err = &connector.Error{Kind: connector.KindInternal, Msg: "internal error; it has been logged with this request's id"}
			}
		}()
		return next(c)
	}
}

func (s *Server) liveness(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// failure is FortiSOAR's failure envelope.
type failure struct {
	Data      any     `json:"data"`
	Message   string  `json:"message"`
	Operation *string `json:"operation"`
	Status    string  `json:"status"`
	RequestID string  `json:"request_id,omitempty"`
}

// httpError is a failure with a status chosen by the HTTP layer itself.
type httpError struct {
	status  int
	message string
	header  http.Header
}

func (e *httpError) Error() string { return e.message }

func errorf(status int, format string, args ...any) error {
	return &httpError{status: status, message: fmt.Sprintf(format, args...)}
}

// StatusOf maps an error to the HTTP status of its failure envelope.
func StatusOf(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.status
	}
	var ee *echo.HTTPError
	if errors.As(err, &ee) {
		return ee.Code
	}
	switch connector.KindOf(err) {
	case connector.KindInvalid, connector.KindOperation:
		return http.StatusBadRequest
	case connector.KindNotFound, connector.KindNoConfig:
		return http.StatusNotFound
	case connector.KindDisabled:
		return http.StatusForbidden
	case connector.KindUnavailable:
		return http.StatusBadGateway
	case connector.KindBusy:
		return http.StatusServiceUnavailable
	case connector.KindTimeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// retryAfterSeconds is a Retry-After value: d rounded up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(secs, 1), 10)
}

// handleError is the one place that both logs a failure and answers it.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := StatusOf(err)
	msg := err.Error()
	var ee *echo.HTTPError
	if errors.As(err, &ee) {
		msg = fmt.Sprint(ee.Message)
		switch ee.Code {
		case http.StatusNotFound:
			msg = fmt.Sprintf("no route for %s %s", clip(c.Request().Method, 16), clip(c.Request().URL.Path, maxLoggedPath))
		case http.StatusMethodNotAllowed:
			msg = fmt.Sprintf("method %s is not allowed on %s", clip(c.Request().Method, 16), clip(c.Request().URL.Path, maxLoggedPath))
		}
	}
	var op *string
	if name, ok := c.Get("operation").(string); ok && name != "" {
		op = &name
	}
	if c.Get("execute") == true && connector.KindOf(err) != connector.KindNoConfig {
		msg = "CS-INTEGRATION-5: Error occurred while executing the connector action ERROR :: " + msg
	}
	var he *httpError
	if errors.As(err, &he) {
		for k, v := range he.header {
			c.Response().Header()[k] = v
		}
	}
	if status == http.StatusServiceUnavailable && c.Response().Header().Get("Retry-After") == "" {
		c.Response().Header().Set("Retry-After", retryAfterSeconds(connector.RetryAfterOf(err)))
	}
	l := s.log(c).With(zap.Int("status", status), zap.String("error", msg))
	if status >= 500 {
		l.Error("request failed")
	} else {
		l.Info("request refused")
	}
	body := failure{Message: msg, Operation: op, Status: "failed", RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if err := c.JSON(status, body); err != nil {
		l.Warn("write failure envelope", zap.Error(err))
	}
}
