// Package operations implements the SentinelOne connector's 17 operations, one file each, on
// top of the generic connector runtime and the SentinelOne client.
package operations

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// ClientOptions are the server-wide settings of every SentinelOne client.
type ClientOptions struct {
	RootCAs  *x509.CertPool // extra trusted CAs, e.g. a private console CA or the dev simulator's
	Timeout  time.Duration  // per request; 0 → the client's default
	Retry    sentinelone.RetryPolicy
	Logger   *zap.Logger
	Observer sentinelone.Observer
	// MaxInline bounds the clients kept for inline configurations (0 → DefaultMaxInline);
	// beyond it the least recently used one is logged out.
	MaxInline int
	// InlineIdle is how long an inline configuration's client stays unused before it is
	// logged out (0 → DefaultInlineIdle).
	InlineIdle time.Duration
	// Now is the clock of idle eviction (nil → time.Now); tests move it.
	Now func() time.Time
	// RateLimits pace every configuration's requests, each configuration on its own budget
	// (identical inline configurations share one); empty paces nothing.
	RateLimits sentinelone.RateLimits
	// Budget, when set, keeps those budgets where every replica of the connector books its
	// turns, one per console and credential, so that replicas together keep to them; nil
	// keeps each in this process.
	Budget Budget
	// Streams keeps server-side stream checkpoints (nil → in memory).
	Streams StreamStore
	// QueryStartInterval spaces the Deep Visibility query starts of each configuration, in a
	// queue with a bounded wait (serve sets sentinelone.DefaultQueryStartInterval, SentinelOne's
	// one a minute); 0 paces nothing.
	QueryStartInterval time.Duration
}

// Defaults of the inline client cache.
const (
	DefaultMaxInline  = 64
	DefaultInlineIdle = 15 * time.Minute
)

// Clients builds one SentinelOne client per configuration and reuses it (and its login
// token): a stored configuration's until it changes, an inline configuration's while calls
// keep coming with the same connection values (see inline.go).
type Clients struct {
	opts    ClientOptions
	mu      sync.Mutex
	cache   map[string]cachedClient
	inline  inlineCache
	retired sync.WaitGroup // logouts of replaced and evicted clients
	// retiring bounds those logouts; stopRetiring ends it when CloseContext's deadline passes.
	retiring     context.Context
	stopRetiring context.CancelFunc
	sweepStop    chan struct{} // closed by CloseContext: ends the idle sweeper
	stopped      sync.Once
	streams      StreamStore
	streamsOnce  sync.Once
}

type cachedClient struct {
	updated time.Time
	client  *sentinelone.Client
}

var _ connector.HealthChecker = (*Clients)(nil)

// NewClients returns an empty client cache.
func NewClients(opts ClientOptions) *Clients {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.MaxInline <= 0 {
		opts.MaxInline = DefaultMaxInline
	}
	if opts.InlineIdle <= 0 {
		opts.InlineIdle = DefaultInlineIdle
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, stop := context.WithCancel(context.Background())
	c := &Clients{opts: opts, cache: map[string]cachedClient{}, inline: newInlineCache(),
		retiring: ctx, stopRetiring: stop, sweepStop: make(chan struct{})}
	go c.sweepIdle()
	return c
}

// For returns the client of cfg, building a new one when cfg changed since the last call.
func (c *Clients) For(cfg *connector.Config) (*sentinelone.Client, error) {
	if cfg.Inline {
		return c.forInline(cfg)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := cfg.ID + "\x00" + cfg.Name
	if cached, ok := c.cache[key]; ok && cached.updated.Equal(cfg.Updated) {
		return cached.client, nil
	}
	sc, err := clientConfig(cfg.Values)
	if err != nil {
		return nil, err
	}
	lim := c.limiter(sc)
	if old, ok := c.cache[key]; ok && !lim.Shared() {
		lim = old.client.Limiter() // a changed configuration keeps its budget
	}
	client, err := c.build(sc, cfg.Name, lim)
	if err != nil {
		return nil, err
	}
	if old, ok := c.cache[key]; ok {
		c.retired.Go(func() { old.client.CloseContext(c.retiring) }) // its logout must not hold up this call
	}
	c.cache[key] = cachedClient{updated: cfg.Updated, client: client}
	return client, nil
}

// limiter is a new limiter for the configuration sc: in the shared budget when there is
// one (a changed configuration finds its budget there again, under its console and
// credential), else in memory.
func (c *Clients) limiter(sc sentinelone.Config) *sentinelone.Limiter {
	if c.opts.Budget == nil {
		return sentinelone.NewLimiter(c.opts.RateLimits)
	}
	return sentinelone.NewSharedLimiter(c.opts.RateLimits, c.opts.Budget, budgetTenant(c.opts.Budget, sc))
}

// build makes a client of sc with the server-wide options and the configuration's limiter;
// name labels its logs.
func (c *Clients) build(sc sentinelone.Config, name string, lim *sentinelone.Limiter) (*sentinelone.Client, error) {
	sc.RootCAs, sc.Timeout, sc.Retry, sc.Limiter = c.opts.RootCAs, c.opts.Timeout, c.opts.Retry, lim
	sc.Logger, sc.Observer = c.opts.Logger.With(zap.String("config", name)), c.opts.Observer
	sc.QueryStartInterval = c.opts.QueryStartInterval
	client, err := sentinelone.New(sc)
	if err != nil {
		return nil, fmt.Errorf("configuration %q: %w", name, err)
	}
	return client, nil
}

// Close closes every cached client and waits for retired ones to finish closing.
func (c *Clients) Close() { c.CloseContext(context.Background()) }

// CloseContext closes every cached client, stored and inline, their logouts running at
// once, and waits for retired ones; every logout is abandoned when ctx ends, so the whole
// close ends with it.
func (c *Clients) CloseContext(ctx context.Context) {
	c.stopped.Do(func() { close(c.sweepStop) })
	stop := context.AfterFunc(ctx, c.stopRetiring)
	defer stop()
	var wg sync.WaitGroup
	c.mu.Lock()
	for k, cc := range c.cache {
		wg.Go(func() { cc.client.CloseContext(ctx) })
		delete(c.cache, k)
	}
	for _, e := range c.inline.drain() {
		wg.Go(func() { e.client.CloseContext(ctx) })
	}
	c.mu.Unlock()
	wg.Wait()
	c.retired.Wait()
}

// CheckHealth proves reachability and credentials with the cheap authenticated read
// GET /system/info. It reuses the cached session (the client logs in again only when
// SentinelOne refuses it), so health checks leave no sessions behind.
func (c *Clients) CheckHealth(ctx context.Context, cfg *connector.Config) error {
	client, err := c.For(cfg)
	if err != nil {
		return err
	}
	_, err = client.System.Info(ctx)
	return budgetError(settingsHint(err, cfg))
}

// CheckValues applies the rules a configuration's values must meet beyond the manifest's
// field types: a host name SentinelOne's client accepts and one complete way to log in.
func CheckValues(values map[string]any) error {
	_, err := clientConfig(values)
	return err
}

// clientConfig maps configuration values (manifest field names) to a client configuration.
func clientConfig(v map[string]any) (sentinelone.Config, error) {
	str := func(name string) string {
		s, _ := v[name].(string)
		return strings.TrimSpace(s)
	}
	cfg := sentinelone.Config{
		Host: str("host_name"), Username: str("username"), Password: str("password"),
		APIToken: str("api_token"), APIVersion: str("api_version"), VerifySSL: true,
	}
	switch b := v["verify_ssl"].(type) {
	case bool:
		cfg.VerifySSL = b
	case string:
		cfg.VerifySSL = !strings.EqualFold(strings.TrimSpace(b), "false")
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = sentinelone.APIVersion21
	}
	var err error
	if cfg.Pin.SiteIDs, err = scopeIDs(v, "scope_site_ids"); err != nil {
		return cfg, err
	}
	if cfg.Pin.AccountIDs, err = scopeIDs(v, "scope_account_ids"); err != nil {
		return cfg, err
	}
	if _, err := sentinelone.NormalizeHost(cfg.Host); err != nil {
		return cfg, connector.InvalidParam("host_name", "%v", err)
	}
	var missing *sentinelone.CredentialsError
	if errors.As(cfg.CheckCredentials(), &missing) {
		return cfg, credentialsParam(missing)
	}
	return cfg, nil
}

// scopeIDs reads a pinned-scope field: numeric SentinelOne ids separated by commas (the
// manifest's list rule checks them too; this keeps a value that bypassed it from pinning
// a different scope than it says).
func scopeIDs(v map[string]any, name string) ([]string, error) {
	s, _ := v[name].(string)
	var out []string
	for _, id := range strings.Split(s, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if strings.Trim(id, "0123456789") != "" || len(id) > 24 {
			return nil, connector.InvalidParam(name, "%q is not a numeric SentinelOne id", id)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// client returns the SentinelOne client for a call.
func (c *Clients) client(call *connector.Call) (*sentinelone.Client, error) {
	client, err := c.For(call.Config)
	if err != nil {
		var pe *connector.ParamError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("configuration %q is incomplete: %w", call.Config.Name, err)
		}
		return nil, err
	}
	return client, nil
}

// credentialsParam names the configuration field a credentials error is about: the one
// place the credential rule meets info.json's field names.
func credentialsParam(e *sentinelone.CredentialsError) error {
	switch e.Missing {
	case sentinelone.MissingUsername:
		return connector.InvalidParam("username", "is required with password (or give api_token instead)")
	case sentinelone.MissingPassword:
		return connector.InvalidParam("password", "is required with username (or give api_token instead)")
	}
	return connector.InvalidParam("api_token", "is required unless username and password are given")
}
