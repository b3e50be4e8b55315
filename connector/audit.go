package connector

import "sync"

// targets holds what a destructive call resolved to act on, for its audit line.
type targets struct {
	mu  sync.Mutex
	ids []string
	set bool
}

// SetTargets records the ids a destructive call acts on (or, in a dry run, would act on).
// The runtime writes them into the call's audit line; handlers call it once the selection is
// resolved, before any action request, so a refused or failed call is audited with them too.
func (c *Call) SetTargets(ids []string) {
	c.targets.mu.Lock()
	defer c.targets.mu.Unlock()
	c.targets.ids = append([]string(nil), ids...)
	c.targets.set = true
}

// Targets returns the ids recorded by SetTargets and whether any were recorded.
func (c *Call) Targets() ([]string, bool) {
	c.targets.mu.Lock()
	defer c.targets.mu.Unlock()
	return c.targets.ids, c.targets.set
}
