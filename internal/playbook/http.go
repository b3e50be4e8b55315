package playbook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// ExecutePath is FortiSOAR's execute endpoint, relative to the server URL.
const ExecutePath = "/api/integration/execute/"

// maxResponseBytes bounds the execute answer the HTTPExecutor reads.
const maxResponseBytes = 64 << 20

// HTTPExecutor executes operations on a running connector server through FortiSOAR's
// execute API (POST <URL>/api/integration/execute/).
type HTTPExecutor struct {
	url    string
	token  string
	client *http.Client
}

var _ Executor = (*HTTPExecutor)(nil)

// HTTPOption configures an HTTPExecutor.
type HTTPOption func(*HTTPExecutor)

// WithBearerToken sends token as `Authorization: Bearer <token>` (nothing when empty).
func WithBearerToken(token string) HTTPOption { return func(e *HTTPExecutor) { e.token = token } }

// WithHTTPClient sets the HTTP client (default: a client without timeout; the context bounds
// each call).
func WithHTTPClient(c *http.Client) HTTPOption { return func(e *HTTPExecutor) { e.client = c } }

// NewHTTPExecutor returns an executor for the server at serverURL (http or https, no query).
func NewHTTPExecutor(serverURL string, opts ...HTTPOption) (*HTTPExecutor, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return nil, fmt.Errorf("server URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("server URL %q: want http(s)://host[:port][/path] without credentials or query", u.Redacted())
	}
	e := &HTTPExecutor{url: strings.TrimRight(u.String(), "/") + ExecutePath, client: &http.Client{}}
	for _, o := range opts {
		o(e)
	}
	return e, nil
}

// envelope is FortiSOAR's execute answer, success or failure.
type envelope struct {
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message"`
	Status  string          `json:"status"`
}

// Execute implements Executor. A failure envelope (status "failed" or a non-2xx answer)
// is an error carrying the server's message.
func (e *HTTPExecutor) Execute(ctx context.Context, req connector.ExecuteRequest) (any, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	if e.token != "" {
		hreq.Header.Set("Authorization", "Bearer "+e.token)
	}
	resp, err := e.client.Do(hreq)
	if err != nil {
		return nil, err // it names the method and URL; the runner names the step and operation
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if len(raw) > maxResponseBytes {
		return nil, fmt.Errorf("answer is larger than %d bytes", maxResponseBytes)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil || env.Status == "" {
		return nil, fmt.Errorf("HTTP %d from %s: not an execute answer: %s", resp.StatusCode, e.url, snippet(raw))
	}
	if resp.StatusCode/100 != 2 || !strings.EqualFold(env.Status, "Success") {
		msg := env.Message
		if msg == "" {
			msg = "no message"
		}
		return nil, fmt.Errorf("HTTP %d, status %s: %s", resp.StatusCode, env.Status, msg)
	}
	var data any
	if len(env.Data) > 0 {
		dec := json.NewDecoder(bytes.NewReader(env.Data))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			return nil, fmt.Errorf("decode data: %w", err)
		}
	}
	return data, nil
}

func snippet(raw []byte) string {
	s := strings.TrimSpace(string(raw))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}
