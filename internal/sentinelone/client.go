package sentinelone

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// DefaultUserAgent is the User-Agent header sent when Config.UserAgent is empty.
const DefaultUserAgent = "sentinelone-connector/1.1.0"

// Supported API versions.
const (
	APIVersion21 = "2.1"
	APIVersion20 = "2.0"
)

// DefaultTimeout is the per-request timeout used when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// maxBodyBytes bounds how much of one response body the client reads.
const maxBodyBytes = 256 << 20

// Config configures a Client. Only Host and one way to authenticate are required.
type Config struct {
	// Host is the console address: "console.example.net", "https://host:8443".
	Host string
	// Username and Password log in with POST /users/login.
	Username, Password string
	// APIToken, when set, is used instead of Username and Password.
	APIToken string
	// LoginWithAPIToken exchanges APIToken for a session token
	// (POST /users/login/by-api-token) instead of sending it directly.
	LoginWithAPIToken bool
	// APIVersion is "2.1" (default) or "2.0".
	APIVersion string
	// VerifySSL checks the console's certificate against the system roots
	// plus RootCAs.
	VerifySSL bool
	// RootCAs are extra trusted CAs, added to the system roots when VerifySSL.
	RootCAs *x509.CertPool
	// Timeout bounds one HTTP request (each attempt); default 30s.
	Timeout time.Duration
	// Retry controls retries; the zero value uses the defaults.
	Retry RetryPolicy
	// HTTPClient overrides the client's own pooled transport (tests).
	HTTPClient *http.Client
	// UserAgent overrides DefaultUserAgent.
	UserAgent string
	// Logger receives debug and retry logs; it never receives secrets.
	Logger *zap.Logger
	// Observer receives request metrics; may be nil.
	Observer Observer
	// Pin pins every agent, threat, activity, site and group request to sites and/or
	// accounts (see Pin).
	Pin Pin
	// Limiter paces every request (see ratelimit.go); nil sends at once. Clients of one
	// configuration share one, so its budget outlives a client rebuilt after a change.
	Limiter *Limiter
	// QueryStartInterval is the least time between two Deep Visibility query starts
	// (SentinelOne allows about DefaultQueryStartInterval); 0 or less paces nothing.
	QueryStartInterval time.Duration
	// QueryStartWait bounds the wait of a query start in the pacer's queue;
	// DefaultQueryStartWait when 0.
	QueryStartWait time.Duration
}

// Observer receives metrics about the client's traffic. Implementations must
// be safe for concurrent use.
type Observer interface {
	// ObserveRequest reports one HTTP attempt. endpoint is a path template
	// such as "/agents/actions/{action}"; status is 0 on a transport error.
	ObserveRequest(method, endpoint string, status int, d time.Duration)
	// ObserveRetry reports that an attempt is about to be repeated.
	ObserveRetry(endpoint, reason string)
	// ObserveLogin reports the outcome of one login.
	ObserveLogin(ok bool)
}

// Client talks to one SentinelOne console. It is safe for concurrent use.
type Client struct {
	base       *url.URL // https://host[:port]/web/api/v2.1/
	baseStr    string
	host       string // host[:port], for messages
	version    string
	userAgent  string
	timeout    time.Duration
	retry      RetryPolicy
	httpClient *http.Client
	ownsHTTP   bool
	log        *zap.Logger
	obs        Observer
	auth       auth
	redactor   *strings.Replacer
	scope      Pin
	limiter    *Limiter
	listBody   atomic.Int64 // the size of the last list page read: the next one's buffer

	// Agents calls the /agents endpoints.
	Agents *AgentsService
	// Threats calls the /threats endpoints.
	Threats *ThreatsService
	// Alerts calls the STAR / cloud-detection alert endpoints (API 2.1).
	Alerts *AlertsService
	// Hashes calls the /hashes endpoints.
	Hashes *HashesService
	// Management calls the /sites, /groups, /accounts and /activities endpoints.
	Management *ManagementService
	// System calls the /system endpoints.
	System *SystemService
	// Hunt calls the Deep Visibility and PowerQuery endpoints.
	Hunt *HuntService
	// Scripts calls the RemoteOps and file retrieval endpoints.
	Scripts *ScriptsService
}

type service struct{ client *Client }

// New validates cfg and returns a Client. It does no network I/O.
func New(cfg Config) (*Client, error) {
	origin, err := NormalizeHost(cfg.Host)
	if err != nil {
		return nil, err
	}
	version := cfg.APIVersion
	switch version {
	case "":
		version = APIVersion21
	case APIVersion21, APIVersion20:
	default:
		return nil, fmt.Errorf("API version %q is not supported: use %q or %q", cfg.APIVersion, APIVersion21, APIVersion20)
	}
	if err := cfg.CheckCredentials(); err != nil {
		return nil, err
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("timeout %s is negative", cfg.Timeout)
	}
	retry, err := cfg.Retry.withDefaults()
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(origin + "/web/api/v" + version + "/")
	if err != nil {
		return nil, fmt.Errorf("host %q: %w", cfg.Host, err)
	}
	c := &Client{
		base:      base,
		baseStr:   base.String(),
		host:      base.Host,
		version:   version,
		userAgent: cfg.UserAgent,
		timeout:   cfg.Timeout,
		retry:     retry,
		log:       cfg.Logger,
		obs:       cfg.Observer,
		scope:     Pin{SiteIDs: slices.Clone(cfg.Pin.SiteIDs), AccountIDs: slices.Clone(cfg.Pin.AccountIDs)},
		limiter:   cfg.Limiter,
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.log == nil {
		c.log = zap.NewNop()
	}
	c.httpClient = cfg.HTTPClient
	if c.httpClient == nil {
		c.httpClient = &http.Client{Transport: newTransport(base.Hostname(), cfg.VerifySSL, cfg.RootCAs)}
		c.ownsHTTP = true
	}
	c.auth.init(cfg)
	var secrets []string
	for _, s := range []string{cfg.Password, cfg.APIToken} {
		if s != "" {
			secrets = append(secrets, s, redacted)
		}
	}
	if len(secrets) > 0 {
		c.redactor = strings.NewReplacer(secrets...)
	}
	c.Agents = &AgentsService{client: c}
	c.Threats = &ThreatsService{client: c}
	c.Alerts = &AlertsService{client: c}
	c.Hashes = &HashesService{client: c}
	c.Management = &ManagementService{client: c}
	c.System = &SystemService{client: c}
	c.Hunt = &HuntService{service: service{client: c}, pacer: newQueryPacer(cfg)}
	c.Scripts = &ScriptsService{service: service{client: c}}
	return c, nil
}

// APIVersion reports the API version the client speaks ("2.1" or "2.0").
func (c *Client) APIVersion() string { return c.version }

// Limiter returns the client's limiter (nil when it paces nothing).
func (c *Client) Limiter() *Limiter { return c.limiter }

// BaseURL reports the API base URL, e.g. "https://host/web/api/v2.1/".
func (c *Client) BaseURL() string { return c.base.String() }

// Close logs out a session token (best effort, bounded by a short timeout)
// and closes idle connections.
func (c *Client) Close() { c.CloseContext(context.Background()) }

// CloseContext is Close bounded by ctx as well: the logout is abandoned when
// ctx ends, so a slow console cannot hold up a shutdown past its budget.
func (c *Client) CloseContext(ctx context.Context) {
	if tok := c.auth.take(); tok != "" {
		ctx, cancel := context.WithTimeout(ctx, min(c.timeout, 5*time.Second))
		req := &request{method: http.MethodPost, endpoint: "/users/logout", path: "users/logout", noRetry: true}
		if _, err := c.send(ctx, req, nil, "Token "+tok); err != nil {
			c.log.Debug("logout", zap.String("error", err.Error()))
		}
		cancel()
	}
	c.httpClient.CloseIdleConnections()
}

// request describes one API call.
type request struct {
	method   string
	endpoint string // path template for metrics, e.g. "/agents/actions/{action}"
	path     string // relative to the base URL and already escaped, e.g. "agents/actions/disconnect"
	query    url.Values
	body     any    // JSON-encoded when non-nil
	noAuth   bool   // login calls
	noRetry  bool   // logout
	list     bool   // the answer's data is a list: decode it straight into items
	nested   string // with list: the items are data[nested] (GET /sites: data.sites)
	safe     bool   // repeating it cannot act twice (reads, login): retried like a GET
	limit    int    // with list: the page size asked for
}

// callPath is the concrete path used in messages, e.g. "/agents/count".
func (r *request) callPath() string { return "/" + r.path }

// envelope is SentinelOne's response wrapper.
type envelope struct {
	Data       json.RawMessage `json:"data"`
	Pagination *pagination     `json:"pagination"`
	Errors     []ErrorDetail   `json:"errors"`
}

// listData is the envelope of a list answer, decoded in one pass.
type listData struct {
	Data       []json.RawMessage `json:"data"`
	Pagination *pagination       `json:"pagination"`
	Errors     []ErrorDetail     `json:"errors"`
}

type pagination struct {
	NextCursor *string `json:"nextCursor"`
	TotalItems int     `json:"totalItems"`
}

// response is a decoded successful answer.
type response struct {
	StatusCode int
	Data       json.RawMessage
	Items      []json.RawMessage // data of a list request
	NextCursor string
	TotalItems int
	Errors     []ErrorDetail
}

// call sends req with authentication and retries, and decodes the envelope.
func (c *Client) call(ctx context.Context, req *request) (*response, error) {
	var body []byte
	if req.body != nil {
		b, err := json.Marshal(req.body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode body: %w", req.method, req.callPath(), err)
		}
		body = b
	}
	raw, err := c.sendAuthed(ctx, req, body)
	if err != nil {
		return nil, err
	}
	return c.decode(req, raw)
}

// decode parses a 2xx body into a response.
func (c *Client) decode(req *request, raw *rawResponse) (*response, error) {
	out := &response{StatusCode: raw.status}
	if len(bytes.TrimSpace(raw.body)) == 0 {
		if !req.noRetry { // only logout answers with no body
			return nil, fmt.Errorf("%s %s: SentinelOne answered HTTP %d with an empty body", req.method, req.callPath(), raw.status)
		}
		return out, nil
	}
	var env envelope
	if req.list && req.nested != "" {
		if err := json.Unmarshal(raw.body, &env); err != nil {
			return nil, fmt.Errorf("%s %s: decode response (HTTP %d): %w", req.method, req.callPath(), raw.status, err)
		}
		var data map[string]json.RawMessage
		if err := json.Unmarshal(env.Data, &data); err != nil {
			return nil, fmt.Errorf("%s %s: decode data (HTTP %d): %w", req.method, req.callPath(), raw.status, err)
		}
		if err := json.Unmarshal(data[req.nested], &out.Items); err != nil && len(data[req.nested]) > 0 {
			return nil, fmt.Errorf("%s %s: decode data.%s (HTTP %d): %w", req.method, req.callPath(), req.nested, raw.status, err)
		}
	} else if req.list { // one pass over a page: its items come out of the same decode
		items, err := decodeList(raw.body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: decode response (HTTP %d): %w", req.method, req.callPath(), raw.status, err)
		}
		env.Pagination, env.Errors = items.Pagination, items.Errors
		out.Items = items.Data
	} else if err := json.Unmarshal(raw.body, &env); err != nil {
		return nil, fmt.Errorf("%s %s: decode response (HTTP %d): %w", req.method, req.callPath(), raw.status, err)
	}
	out.Data = env.Data
	out.Errors = env.Errors
	if env.Pagination != nil {
		out.TotalItems = env.Pagination.TotalItems
		if env.Pagination.NextCursor != nil {
			out.NextCursor = *env.Pagination.NextCursor
		}
	}
	return out, nil
}

// rawResponse is one HTTP answer read in full.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// attempt sends one HTTP request. sent reports whether the request headers
// may have reached the server.
func (c *Client) attempt(ctx context.Context, req *request, body []byte, authz string) (raw *rawResponse, sent bool, err error) {
	target := c.baseStr + req.path
	if len(req.query) > 0 {
		target += "?" + req.query.Encode()
	}
	if line := len(req.method) + len(" ") + len(target) - len(c.base.Scheme) - len("://") - len(c.base.Host) + len(" HTTP/1.1"); line > MaxRequestLine {
		return nil, false, fmt.Errorf("%s %s: the request line would be %d bytes, above the %d the client sends; narrow or split the filter",
			req.method, req.callPath(), line, MaxRequestLine)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	tr := &sentTracker{}
	hr, err := http.NewRequestWithContext(withSentTrace(actx, tr), req.method, target, rd)
	if err != nil {
		return nil, false, fmt.Errorf("%s %s: build request: %w", req.method, req.callPath(), err)
	}
	hr.Header.Set("User-Agent", c.userAgent)
	hr.Header.Set("Accept", "application/json")
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if authz != "" {
		hr.Header.Set("Authorization", authz)
	}

	start := time.Now()
	countRequest(ctx)
	resp, err := c.httpClient.Do(hr)
	if err != nil {
		c.observe(req, 0, start)
		return nil, tr.sent(), err
	}
	defer resp.Body.Close()
	size := resp.ContentLength
	if size < 0 && req.list {
		size = c.listBody.Load() // list pages of one walk are alike in size
	}
	data, err := readBody(io.LimitReader(resp.Body, maxBodyBytes), min(size, maxBodyBytes))
	if req.list && err == nil {
		c.listBody.Store(int64(len(data)))
	}
	c.observe(req, resp.StatusCode, start)
	if err != nil {
		return nil, true, err
	}
	return &rawResponse{status: resp.StatusCode, header: resp.Header, body: data}, true, nil
}

// readBody reads r whole, into one buffer of about size bytes when size > 0 (a body of
// a few megabytes read by io.ReadAll is copied through a dozen growing buffers).
func readBody(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 {
		return io.ReadAll(r)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+size/16+bytes.MinRead))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

func (c *Client) observe(req *request, status int, start time.Time) {
	d := time.Since(start)
	if c.obs != nil {
		c.obs.ObserveRequest(req.method, req.endpoint, status, d)
	}
	if ce := c.log.Check(zap.DebugLevel, "sentinelone request"); ce != nil {
		ce.Write(zap.String("method", req.method), zap.String("endpoint", req.endpoint),
			zap.Int("status", status), zap.Duration("duration", d))
	}
}

// redact removes the client's secrets from s.
func (c *Client) redact(s string) string {
	if c.redactor == nil || s == "" {
		return s
	}
	s = c.redactor.Replace(s)
	if tok := c.auth.current(); tok != "" {
		s = strings.ReplaceAll(s, tok, redacted)
	}
	return s
}

const redacted = "[REDACTED]"
