package configstore

import (
	"context"
	"sync"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// maxCached bounds the cache's entries. Only refs that resolved are kept, so this is reached
// only with very many configurations; then the cache starts over.
const maxCached = 1024

// Cache is the connector.ConfigSource of the execute path: it resolves each ref once per
// version of the store (a backend read and an AES-GCM open each) and answers later calls from
// memory. Every committed write to the store (the configuration API's create, update and
// delete, default and active changes, seeding) starts a new version, which drops every
// entry, so a change is seen by the first call after it. On a backend shared by replicas,
// the version also moves when another replica writes (see Backend.Version), so a change
// made elsewhere is seen once the backend learns of it. The configurations it returns are
// shared between calls: they must not be modified.
type Cache struct {
	store *Store

	mu      sync.RWMutex
	gen     uint64 // the store version the entries were read at
	entries map[string]*connector.Config
}

var (
	_ connector.ConfigSource = (*Cache)(nil)
	_ connector.ConfigLister = (*Cache)(nil)
)

// NewCache returns a cache in front of s.
func NewCache(s *Store) *Cache {
	return &Cache{store: s, entries: map[string]*connector.Config{}}
}

// Resolve implements connector.ConfigSource as Store.Resolve does. Failures are not cached.
func (c *Cache) Resolve(ctx context.Context, ref string) (*connector.Config, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The version is read before the store: should a write commit in between, the entry is
	// tagged with the older version and never served.
	gen := c.store.backend.Version()
	c.mu.RLock()
	cfg, ok := c.entries[ref]
	fresh := c.gen == gen
	c.mu.RUnlock()
	if ok && fresh {
		return cfg, nil
	}
	cfg, err := c.store.Resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case gen > c.gen: // the first read of a new version
		c.gen = gen
		clear(c.entries)
	case gen < c.gen: // a write came in while this one read: keep the newer entries
		return cfg, nil
	}
	if len(c.entries) >= maxCached {
		clear(c.entries)
	}
	c.entries[ref] = cfg
	return cfg, nil
}

// List implements connector.ConfigLister by the store's List (listing is not on the execute
// path, and reads the store as it is).
func (c *Cache) List(ctx context.Context) ([]*connector.Config, error) { return c.store.List(ctx) }

// Len is the number of refs cached for the store's current version.
func (c *Cache) Len() int {
	gen := c.store.backend.Version()
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.gen != gen {
		return 0
	}
	return len(c.entries)
}
