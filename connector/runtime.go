package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// HealthChecker proves that a configuration reaches its vendor API with valid credentials.
type HealthChecker interface {
	CheckHealth(ctx context.Context, cfg *Config) error
}

// Health states, as FortiSOAR names them.
const (
	StatusAvailable     = "Available"
	StatusDisconnected  = "Disconnected"
	StatusDeactivated   = "Deactivated"
	StatusNotConfigured = "NotConfigured"
)

// Health is the outcome of a health check.
type Health struct {
	Status   string
	Message  string
	ConfigID string
}

// ExecuteRequest is FortiSOAR's execute body.
type ExecuteRequest struct {
	Connector string         `json:"connector"`
	Version   string         `json:"version"`
	Operation string         `json:"operation"`
	Config    string         `json:"config"`
	Params    map[string]any `json:"params"`
	Audit     bool           `json:"audit"`
	// Inline, when not nil, holds the configuration's field values themselves instead of
	// the id or name in Config.
	Inline map[string]any `json:"-"`
}

// SessionCache is implemented by a HealthChecker that keeps vendor sessions per
// configuration and can drop the one of an inline configuration.
type SessionCache interface {
	// Forget drops (and logs out) the cached session of cfg; it reports whether one existed.
	Forget(cfg *Config) bool
}

// Connector executes operations of one manifest through a registry.
type Connector struct {
	manifest      *Manifest
	registry      *Registry
	configs       ConfigSource
	health        HealthChecker
	logger        *zap.Logger
	healthTimeout time.Duration
	execTimeout   time.Duration
	countRequests func(ctx context.Context, n *atomic.Int64) context.Context
	errorClass    func(error) string
	check         ValuesCheck
}

// Option configures a Connector.
type Option func(*Connector)

// WithLogger sets the logger (default: no logging).
func WithLogger(l *zap.Logger) Option { return func(c *Connector) { c.logger = l } }

// WithHealthChecker sets the checker behind CheckHealth.
func WithHealthChecker(h HealthChecker) Option { return func(c *Connector) { c.health = h } }

// WithValuesCheck sets the extra rule every configuration's values must meet, the one the
// configuration store applies (see Manifest.CheckConfigValues); inline values meet it too.
func WithValuesCheck(fn ValuesCheck) Option { return func(c *Connector) { c.check = fn } }

// WithHealthTimeout bounds each health check (default 15s).
func WithHealthTimeout(d time.Duration) Option { return func(c *Connector) { c.healthTimeout = d } }

// WithExecuteTimeout bounds each Execute (default 5m; 0 keeps the default).
func WithExecuteTimeout(d time.Duration) Option {
	return func(c *Connector) {
		if d > 0 {
			c.execTimeout = d
		}
	}
}

// New returns a Connector after checking that manifest operations and registered handlers
// match one to one.
func New(m *Manifest, reg *Registry, configs ConfigSource, opts ...Option) (*Connector, error) {
	if err := reg.CrossCheck(m); err != nil {
		return nil, err
	}
	if err := reg.CheckSpecs(m); err != nil {
		return nil, err
	}
	c := &Connector{
		manifest: m, registry: reg, configs: configs, logger: zap.NewNop(),
		healthTimeout: 15 * time.Second, execTimeout: 5 * time.Minute,
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Manifest returns the connector's manifest.
func (c *Connector) Manifest() *Manifest { return c.manifest }

// Configs returns the connector's configuration source.
func (c *Connector) Configs() ConfigSource { return c.configs }

// Execute validates req and runs its operation. Every failure is an *Error or carries a kind
// (see KindOf); no handler is called unless the request is entirely valid. A list the
// handler streams (*ItemStream) is collected: data is then a []json.RawMessage, or for an
// object stream the object as a json.RawMessage.
func (c *Connector) Execute(ctx context.Context, req ExecuteRequest) (any, error) {
	sink := &collector{items: []json.RawMessage{}}
	data, streamed, err := c.ExecuteTo(ctx, req, sink)
	if err != nil {
		return nil, err
	}
	if streamed {
		rest, _ := data.(json.RawMessage)
		return sink.answer(rest), nil
	}
	return data, nil
}

// ExecuteTo is Execute for a caller that writes a list while it is produced. When the
// handler streams, the stream goes to sink inside the same deadline, panic recovery and
// audit line as any handler, and streamed is true; data is then nil, or for an object
// stream the object's other members (a JSON object, json.RawMessage) once the list has
// ended. An error after the first item means the caller holds an incomplete answer and
// must say so.
func (c *Connector) ExecuteTo(ctx context.Context, req ExecuteRequest, sink Sink) (data any, streamed bool, err error) {
	entry := auditEntry{operation: req.Operation, ref: req.Config, start: time.Now()}
	defer func() { // one audit line per execute, whatever its outcome
		if r := recover(); r != nil { // a panic outside the handler: audited, then passed on
			entry.err = Errorf(KindInternal, "internal error: panic")
			c.audit(ctx, entry)
			panic(r)
		}
		entry.err = err
		c.audit(ctx, entry)
	}()
	call, h, err := c.prepare(ctx, req, &entry)
	if err != nil {
		return nil, false, err
	}
	op := call.Operation
	hctx, cancel := context.WithTimeout(c.withCounter(ctx, call), c.execTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			LoggerFrom(ctx, c.logger).Error("operation panicked", zap.String("operation", op.Name),
				zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
			data, err = nil, Errorf(KindInternal, "internal error in operation %q; it has been logged", op.Name)
		}
	}()
	data, err = h.Handle(hctx, call)
	if st, ok := data.(*ItemStream); ok && err == nil {
		var rest json.RawMessage
		rest, err = st.run(hctx, sink)
		data, streamed = nil, true
		if rest != nil {
			data = rest
		}
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && hctx.Err() != nil {
			return nil, streamed, &Error{Kind: KindOperation, Msg: fmt.Sprintf("operation %q did not finish within %s", op.Name, c.execTimeout), Err: err}
		}
		return nil, streamed, err
	}
	return data, streamed, nil
}

// prepare checks req from its connector and version to its params and configuration and
// returns the call and its handler; entry learns the configuration for the audit line.
func (c *Connector) prepare(ctx context.Context, req ExecuteRequest, entry *auditEntry) (*Call, Handler, error) {
	m := c.manifest
	if req.Connector != m.Name {
		return nil, nil, Errorf(KindNotFound, "unknown connector %q: this server runs %q", req.Connector, m.Name)
	}
	if !m.Serves(req.Version) {
		return nil, nil, Errorf(KindNotFound, "connector %s has no version %q: installed version is %s", m.Name, req.Version, m.Version)
	}
	if req.Operation == "" {
		return nil, nil, Errorf(KindInvalid, "operation is required")
	}
	op := m.Operation(req.Operation)
	if op == nil {
		return nil, nil, m.UnknownOperation(req.Operation)
	}
	h, err := c.registry.Lookup(op.Name)
	if err != nil {
		return nil, nil, &Error{Kind: KindInternal, Err: err}
	}
	params, err := op.ValidateParams(req.Params)
	if err != nil {
		return nil, nil, err
	}
	var cfg *Config
	if req.Inline != nil {
		cfg, err = c.inline(req.Inline)
	} else {
		cfg, err = c.resolve(ctx, req.Config)
	}
	if err != nil {
		return nil, nil, err
	}
	entry.cfg = cfg
	if cfg.Inactive {
		return nil, nil, Errorf(KindDisabled, "configuration %q is deactivated", cfg.Name)
	}
	if !op.Enabled || !cfg.OperationEnabled(op.Name) {
		return nil, nil, Errorf(KindDisabled, "operation %q (%s) is disabled for configuration %q", op.Name, op.Title, cfg.Name)
	}
	call := &Call{Operation: op, Params: params, Config: cfg}
	entry.call = call
	return call, h, nil
}

// withCounter returns ctx counting the vendor requests of call, when a counter is set up.
func (c *Connector) withCounter(ctx context.Context, call *Call) context.Context {
	if c.countRequests == nil || call == nil {
		return ctx
	}
	return c.countRequests(ctx, &call.upstream)
}

func (c *Connector) resolve(ctx context.Context, ref string) (*Config, error) {
	cfg, err := c.configs.Resolve(ctx, ref)
	if errors.Is(err, ErrNoConfig) {
		if ref == "" {
			return nil, &Error{Kind: KindNoConfig, Msg: fmt.Sprintf("INTEGRATION-12: Could not find a connector configuration: connector %s %s has no default configuration", c.manifest.Name, c.manifest.Version)}
		}
		return nil, &Error{Kind: KindNoConfig, Msg: fmt.Sprintf("INTEGRATION-12: Could not find a connector configuration with id or name %q", ref)}
	}
	if err != nil {
		return nil, &Error{Kind: KindInternal, Msg: "resolve configuration", Err: err}
	}
	return cfg, nil
}

// inline validates values sent with a call exactly as a stored configuration's values are
// validated, and wraps them as a configuration that exists for this call only.
func (c *Connector) inline(values map[string]any) (*Config, error) {
	params, err := c.manifest.CheckConfigValues(values, c.check)
	if err != nil {
		return nil, err
	}
	return &Config{Name: InlineConfigName, Values: params, Inline: true}, nil
}

// CheckHealth checks the configuration ref (or the default) live, bounded by the health timeout.
func (c *Connector) CheckHealth(ctx context.Context, ref string) Health {
	cfg, err := c.resolve(ctx, ref)
	return c.checkHealth(ctx, cfg, err)
}

// CheckHealthInline checks inline configuration values live, as CheckHealth checks a stored
// configuration; values that fail validation give Disconnected with the validation error.
func (c *Connector) CheckHealthInline(ctx context.Context, values map[string]any) Health {
	cfg, err := c.inline(values)
	return c.checkHealth(ctx, cfg, err)
}

// ForgetInline drops the vendor session cached for inline configuration values; it reports
// whether one was cached. Invalid values are an error of KindInvalid.
func (c *Connector) ForgetInline(values map[string]any) (bool, error) {
	cfg, err := c.inline(values)
	if err != nil {
		return false, err
	}
	sc, ok := c.health.(SessionCache)
	return ok && sc.Forget(cfg), nil
}

func (c *Connector) checkHealth(ctx context.Context, cfg *Config, err error) Health {
	if err != nil {
		if KindOf(err) == KindNoConfig {
			return Health{Status: StatusNotConfigured, Message: err.Error()}
		}
		return Health{Status: StatusDisconnected, Message: err.Error()}
	}
	if cfg.Inactive {
		return Health{Status: StatusDeactivated, Message: fmt.Sprintf("configuration %q is deactivated", cfg.Name), ConfigID: cfg.ID}
	}
	if c.health == nil {
		return Health{Status: StatusDisconnected, Message: "no health check is available", ConfigID: cfg.ID}
	}
	ctx, cancel := context.WithTimeout(ctx, c.healthTimeout)
	defer cancel()
	if err := c.health.CheckHealth(ctx, cfg); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("health check did not finish within %s: %w", c.healthTimeout, err)
		}
		fields := []zap.Field{zap.String("config_name", clipText(cfg.Name, 128)), zap.String("config_id", cfg.ID),
			zap.String("error", clipText(err.Error(), 512))}
		if c.errorClass != nil {
			if class := c.errorClass(err); class != "" {
				fields = append(fields, zap.String("class", class))
			}
		}
		LoggerFrom(ctx, c.logger).Warn("health check failed", fields...)
		return Health{Status: StatusDisconnected, Message: err.Error(), ConfigID: cfg.ID}
	}
	return Health{Status: StatusAvailable, Message: "Connector is available", ConfigID: cfg.ID}
}
