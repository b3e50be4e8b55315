package connector

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Handler executes one operation with validated params against a resolved configuration.
// The returned value becomes the `data` of FortiSOAR's success envelope and must marshal to
// JSON objects or lists (never a JSON-encoded string).
type Handler interface {
	Handle(ctx context.Context, call *Call) (any, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, call *Call) (any, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, call *Call) (any, error) { return f(ctx, call) }

var _ Handler = HandlerFunc(nil)

// Call is one validated invocation of an operation.
type Call struct {
	Operation *Operation
	Params    Params
	Config    *Config

	targets targets
}

// ErrUnknownOperation is returned by Lookup for a name with no handler.
var ErrUnknownOperation = errors.New("unknown operation")

// Registry maps operation names to handlers. It is a value: tests build their own.
type Registry struct {
	mu       sync.RWMutex
	handlers map[string]Handler
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{handlers: map[string]Handler{}} }

// Register adds h under name; an empty name, a nil handler or a duplicate is an error.
func (r *Registry) Register(name string, h Handler) error {
	if name == "" {
		return errors.New("register: empty operation name")
	}
	if h == nil {
		return fmt.Errorf("register %q: nil handler", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[name]; dup {
		return fmt.Errorf("register %q: already registered", name)
	}
	r.handlers[name] = h
	return nil
}

// Lookup returns the handler registered under name.
func (r *Registry) Lookup(name string) (Handler, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	h, ok := r.handlers[name]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownOperation, name)
	}
	return h, nil
}

// Names lists the registered operation names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.handlers))
	for n := range r.handlers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// CrossCheck confirms that manifest operations and registered handlers match one to one.
func (r *Registry) CrossCheck(m *Manifest) error {
	var missing, extra []string
	for _, op := range m.Operations {
		if _, err := r.Lookup(op.Name); err != nil {
			missing = append(missing, op.Name)
		}
	}
	for _, name := range r.Names() {
		if m.Operation(name) == nil {
			extra = append(extra, name)
		}
	}
	switch {
	case len(missing) > 0 && len(extra) > 0:
		return fmt.Errorf("manifest operations without a handler: %q; handlers without a manifest operation: %q", missing, extra)
	case len(missing) > 0:
		return fmt.Errorf("manifest operations without a handler: %q", missing)
	case len(extra) > 0:
		return fmt.Errorf("handlers without a manifest operation: %q", extra)
	}
	return nil
}
