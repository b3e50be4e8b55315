package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// newHTTPClient returns a client for one loopback host that keeps up to conns connections
// open and never uses a proxy.
func newHTTPClient(conns int, roots *x509.CertPool) *http.Client {
	t := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     time.Minute,
		ForceAttemptHTTP2:   false,
	}
	if roots != nil {
		t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: t}
}

// HTTPError is a response with an unexpected status.
type HTTPError struct {
	Status int
	Body   string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body)
}

// checkStatus returns an *HTTPError unless resp has status 200; it then drains and closes
// the body.
func checkStatus(resp *http.Response) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_ = resp.Body.Close()
	return &HTTPError{Status: resp.StatusCode, Body: strings.TrimSpace(string(b))}
}

// Connector calls the connector's HTTP API.
type Connector struct {
	base   string
	token  string
	config string
	hc     *http.Client
}

// NewConnector returns a client of the connector at base (http://host:port) that sends
// token as its bearer token, names the configuration config in executes and keeps up to
// conns connections open.
func NewConnector(base, token, config string, conns int) *Connector {
	return &Connector{base: strings.TrimSuffix(base, "/"), token: token, config: config, hc: newHTTPClient(conns, nil)}
}

// execute posts an execute of op with params and returns the response when its status is 200.
func (c *Connector) execute(ctx context.Context, op string, params map[string]any) (*http.Response, error) {
	body, err := json.Marshal(map[string]any{
		"connector": "sentinelone", "version": "1.0.0", "operation": op, "config": c.config, "params": params,
	})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/integration/execute/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if err := checkStatus(resp); err != nil {
		return nil, fmt.Errorf("execute %s: %w", op, err)
	}
	return resp, nil
}

// AgentCount executes get_agent_count with no params and returns the count.
func (c *Connector) AgentCount(ctx context.Context) (int, error) {
	resp, err := c.execute(ctx, "get_agent_count", map[string]any{})
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var env struct {
		Data struct {
			Count *int `json:"count"`
		} `json:"data"`
		Status string `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return 0, fmt.Errorf("execute get_agent_count: decode: %w", err)
	}
	if env.Status != "Success" || env.Data.Count == nil {
		return 0, fmt.Errorf("execute get_agent_count: status %q, no data.count", env.Status)
	}
	return *env.Data.Count, nil
}

// Agents executes get_agents with params and reads the streamed envelope with ReadListing.
func (c *Connector) Agents(ctx context.Context, params map[string]any) (Listing, error) {
	resp, err := c.execute(ctx, "get_agents", params)
	if err != nil {
		return Listing{}, err
	}
	defer resp.Body.Close()
	l, err := ReadListing(resp.Body)
	if err != nil {
		return l, fmt.Errorf("execute get_agents: %w", err)
	}
	if l.Status != "Success" {
		return l, fmt.Errorf("execute get_agents: status %q", l.Status)
	}
	return l, nil
}

// Heap scrapes /metrics and returns go_memstats_heap_inuse_bytes and
// go_memstats_heap_sys_bytes.
func (c *Connector) Heap(ctx context.Context) (inuse, sys int64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/metrics", nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("scrape metrics: %w", err)
	}
	if err := checkStatus(resp); err != nil {
		return 0, 0, fmt.Errorf("scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	v, err := ParseMetrics(resp.Body, "go_memstats_heap_inuse_bytes", "go_memstats_heap_sys_bytes")
	if err != nil {
		return 0, 0, fmt.Errorf("scrape metrics: %w", err)
	}
	return int64(v[0]), int64(v[1]), nil
}

// ParseMetrics reads a Prometheus text exposition and returns the values of the unlabelled
// samples names, in order; a missing one is an error.
func ParseMetrics(r io.Reader, names ...string) ([]float64, error) {
	out := make([]float64, len(names))
	found := make([]bool, len(names))
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		for i, n := range names {
			if name != n {
				continue
			}
			v, err := strconv.ParseFloat(strings.Fields(value)[0], 64)
			if err != nil {
				return nil, fmt.Errorf("metric %s: %w", n, err)
			}
			out[i], found[i] = v, true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for i, ok := range found {
		if !ok {
			return nil, fmt.Errorf("metric %s not found", names[i])
		}
	}
	return out, nil
}

// Console is a direct SentinelOne API client of the simulator: the baseline the connector's
// figures are compared with.
type Console struct {
	base string
	hc   *http.Client
	auth string // "Token <session token>"
}

// NewConsole returns a client of the console at base (https://host:port) that trusts roots
// and keeps up to conns connections open.
func NewConsole(base string, roots *x509.CertPool, conns int) *Console {
	return &Console{base: strings.TrimSuffix(base, "/") + "/web/api/v2.1", hc: newHTTPClient(conns, roots)}
}

// Login gets a session token with a username and password.
func (c *Console) Login(ctx context.Context, user, password string) error {
	body, err := json.Marshal(map[string]string{"username": user, "password": password})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/users/login", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	if err := checkStatus(resp); err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Data.Token == "" {
		return fmt.Errorf("log in: answer has no data.token")
	}
	c.auth = "Token " + out.Data.Token
	return nil
}

// get sends an authenticated GET of path with query and returns the response when its
// status is 200.
func (c *Console) get(ctx context.Context, path string, q url.Values) (*http.Response, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", c.auth)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if err := checkStatus(resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// AgentCount calls GET /agents/count with the filter q.
func (c *Console) AgentCount(ctx context.Context, q url.Values) (int, error) {
	resp, err := c.get(ctx, "/agents/count", q)
	if err != nil {
		return 0, fmt.Errorf("count agents: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Total *int `json:"total"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Data.Total == nil {
		return 0, fmt.Errorf("count agents: answer has no data.total")
	}
	return *out.Data.Total, nil
}

// WalkAgents pages through GET /agents with limit pageSize and the cursor, reading each page
// with ReadListing, and returns the agents and pages seen and the bytes read.
func (c *Console) WalkAgents(ctx context.Context, pageSize int, filter url.Values) (items, pages int, bytes int64, err error) {
	cursor := ""
	for {
		q := url.Values{}
		for k, v := range filter {
			q[k] = v
		}
		q.Set("limit", strconv.Itoa(pageSize))
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		resp, err := c.get(ctx, "/agents", q)
		if err != nil {
			return items, pages, bytes, fmt.Errorf("list agents: %w", err)
		}
		l, err := ReadListing(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return items, pages, bytes, fmt.Errorf("list agents: page %d: %w", pages+1, err)
		}
		items, bytes, pages = items+l.Items, bytes+l.Bytes, pages+1
		if l.NextCursor == "" || l.Items == 0 {
			return items, pages, bytes, nil
		}
		cursor = l.NextCursor
	}
}
