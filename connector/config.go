package connector

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Config is one named configuration of the connector (one SentinelOne tenant, say).
type Config struct {
	ID       string         `json:"config_id"`
	Name     string         `json:"name"`
	Default  bool           `json:"default"`
	Inactive bool           `json:"inactive,omitempty"`
	Values   map[string]any `json:"config"`
	Disabled []string       `json:"disabled_operations,omitempty"`
	Updated  time.Time      `json:"updated"`

	// Connector and Version name the connector (and the version it was saved with) that the
	// configuration belongs to; Created is when it was first saved. Sources that do not track
	// them leave them empty.
	Connector string    `json:"connector_name,omitempty"`
	Version   string    `json:"connector_version,omitempty"`
	Created   time.Time `json:"created,omitzero"`

	// Inline marks values sent with the call itself (FortiSOAR keeps the configuration and
	// hands its values over): they were validated for this call, are never stored, and have
	// no id, name or update time.
	Inline bool `json:"-"`
}

// OperationEnabled reports whether the configuration leaves the operation switched on.
func (c *Config) OperationEnabled(name string) bool {
	for _, d := range c.Disabled {
		if d == name {
			return false
		}
	}
	return true
}

// ErrNoConfig is returned by a ConfigSource when no configuration matches.
var ErrNoConfig = errors.New("no configuration")

// ErrConfigExists is wrapped by a configuration store refusing a second configuration with
// the same name (or id) for the same connector.
var ErrConfigExists = errors.New("configuration already exists")

// ConfigSource resolves a configuration by id or name; an empty ref means the default.
type ConfigSource interface {
	Resolve(ctx context.Context, ref string) (*Config, error)
}

// StaticConfigs is an in-memory ConfigSource for tests and development.
type StaticConfigs struct {
	mu      sync.RWMutex
	configs []*Config
}

var _ ConfigSource = (*StaticConfigs)(nil)

// NewStaticConfigs returns a source holding cfgs; the first marked Default is the default.
func NewStaticConfigs(cfgs ...*Config) *StaticConfigs { return &StaticConfigs{configs: cfgs} }

// Resolve implements ConfigSource.
func (s *StaticConfigs) Resolve(_ context.Context, ref string) (*Config, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, c := range s.configs {
		if (ref == "" && c.Default) || (ref != "" && (c.ID == ref || c.Name == ref)) {
			return c, nil
		}
	}
	return nil, ErrNoConfig
}

// Mask replaces a secret's value in every response.
const Mask = "********"

// IsSecret reports whether the configuration field name is a password-type field.
func (m *Manifest) IsSecret(name string) bool {
	f := m.ConfigField(name)
	return f != nil && f.Type == "password"
}

// MaskConfig returns a copy of values with every non-empty password-type field masked.
func (m *Manifest) MaskConfig(values map[string]any) map[string]any {
	out := make(map[string]any, len(values))
	for k, v := range values {
		if m.IsSecret(k) && v != nil && v != "" {
			v = Mask
		}
		out[k] = v
	}
	return out
}

// ConfigLister is implemented by configuration sources that can list what they hold.
type ConfigLister interface {
	List(ctx context.Context) ([]*Config, error)
}

var _ ConfigLister = (*StaticConfigs)(nil)

// List implements ConfigLister.
func (s *StaticConfigs) List(context.Context) ([]*Config, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]*Config(nil), s.configs...), nil
}
