package configstore_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
)

// resolved resolves ref through c and fails the test on an error.
func resolved(t *testing.T, c *configstore.Cache, ref string) *connector.Config {
	t.Helper()
	cfg, err := c.Resolve(context.Background(), ref)
	require.NoError(t, err)
	return cfg
}

// requireCached checks that a second resolve of ref is served from memory: the very same
// configuration comes back.
func requireCached(t *testing.T, c *configstore.Cache, ref string) *connector.Config {
	t.Helper()
	first := resolved(t, c, ref)
	assert.Same(t, first, resolved(t, c, ref), "resolve %q again: served from the cache", ref)
	return first
}

func TestCacheResolvesOncePerVersion(t *testing.T) {
	s := open(t, t.TempDir())
	create(t, s, userConfig("a"))
	c := configstore.NewCache(s)
	a := requireCached(t, c, "a")
	assert.Equal(t, password, a.Values["password"], "secrets come back decrypted")
	assert.Equal(t, a.ID, requireCached(t, c, a.ID).ID, "by id too")
	assert.Equal(t, a.ID, requireCached(t, c, "").ID, "and the default")
	assert.Equal(t, 3, c.Len())

	_, err := c.Resolve(context.Background(), "nope")
	require.ErrorIs(t, err, connector.ErrNoConfig)
	assert.Equal(t, 3, c.Len(), "failures are not cached")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Resolve(ctx, "a")
	require.ErrorIs(t, err, context.Canceled)
}

// Every path that changes the store changes what the cache answers, at the next call.
func TestCacheSeesEveryChange(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	c := configstore.NewCache(s)
	a := create(t, s, userConfig("a"))
	requireCached(t, c, "a")
	requireCached(t, c, "")

	t.Run("create", func(t *testing.T) {
		_, err := c.Resolve(ctx, "b")
		require.ErrorIs(t, err, connector.ErrNoConfig)
		create(t, s, userConfig("b"))
		assert.Equal(t, "b", requireCached(t, c, "b").Name)
	})
	t.Run("update values", func(t *testing.T) {
		before := requireCached(t, c, "a")
		_, err := s.Update(ctx, "a", body(t, map[string]any{"config": map[string]any{"username": "other"}}))
		require.NoError(t, err)
		after := requireCached(t, c, "a")
		assert.Equal(t, "other", after.Values["username"])
		assert.True(t, after.Updated.After(before.Updated))
	})
	t.Run("rename", func(t *testing.T) {
		requireCached(t, c, "b")
		_, err := s.Update(ctx, "b", body(t, map[string]any{"name": "b2"}))
		require.NoError(t, err)
		_, err = c.Resolve(ctx, "b")
		require.ErrorIs(t, err, connector.ErrNoConfig, "the old name no longer resolves")
		assert.Equal(t, "b2", requireCached(t, c, "b2").Name)
	})
	t.Run("default moves", func(t *testing.T) {
		assert.Equal(t, "a", requireCached(t, c, "").Name)
		_, err := s.Update(ctx, "b2", body(t, map[string]any{"default": true}))
		require.NoError(t, err)
		assert.Equal(t, "b2", requireCached(t, c, "").Name)
		assert.False(t, requireCached(t, c, "a").Default)
	})
	t.Run("deactivate and activate", func(t *testing.T) {
		assert.False(t, requireCached(t, c, "a").Inactive)
		_, err := s.Update(ctx, "a", body(t, map[string]any{"active": false}))
		require.NoError(t, err)
		assert.True(t, requireCached(t, c, "a").Inactive)
		_, err = s.Update(ctx, "a", body(t, map[string]any{"active": true}))
		require.NoError(t, err)
		assert.False(t, requireCached(t, c, "a").Inactive)
	})
	t.Run("operations", func(t *testing.T) {
		_, err := s.Update(ctx, "a", body(t, map[string]any{"operations": map[string]any{"get_agent_count": false}}))
		require.NoError(t, err)
		assert.False(t, requireCached(t, c, "a").OperationEnabled("get_agent_count"))
	})
	t.Run("delete", func(t *testing.T) {
		requireCached(t, c, a.ID)
		_, _, err := s.Delete(ctx, a.ID)
		require.NoError(t, err)
		_, err = c.Resolve(ctx, a.ID)
		require.ErrorIs(t, err, connector.ErrNoConfig)
		_, err = c.Resolve(ctx, "a")
		require.ErrorIs(t, err, connector.ErrNoConfig)
	})
	t.Run("seed from the environment", func(t *testing.T) {
		values := map[string]any{"host_name": "seeded.example.net", "username": "soar", "password": password}
		requireCached(t, c, "b2")
		_, err := s.Upsert(ctx, "b2", values, true)
		require.NoError(t, err)
		assert.Equal(t, "seeded.example.net", requireCached(t, c, "b2").Values["host_name"])
	})
	t.Run("seed from a file", func(t *testing.T) {
		seeds, err := json.Marshal([]map[string]any{
			{"name": "b2", "config": map[string]any{"host_name": "file.example.net", "username": "soar", "password": password}},
			{"name": "c", "config": map[string]any{"host_name": "c.example.net", "api_token": apiToken}},
		})
		require.NoError(t, err)
		path := filepath.Join(dir, "seeds.json")
		require.NoError(t, os.WriteFile(path, seeds, 0o600))
		requireCached(t, c, "b2")
		_, err = configstore.SeedFromFile(ctx, s, path, true, decode(t))
		require.NoError(t, err)
		assert.Equal(t, "file.example.net", requireCached(t, c, "b2").Values["host_name"])
		assert.Equal(t, apiToken, requireCached(t, c, "c").Values["api_token"])
	})
}

// Concurrent resolves and writes: every resolve after a write returns what it wrote.
func TestCacheUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	create(t, s, userConfig("a"))
	c := configstore.NewCache(s)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.Resolve(ctx, "a"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for _, user := range []string{"u1", "u2", "u3", "u4", "u5"} {
		_, err := s.Update(ctx, "a", body(t, map[string]any{"config": map[string]any{"username": user}}))
		require.NoError(t, err)
		assert.Equal(t, user, resolved(t, c, "a").Values["username"])
	}
	close(stop)
	wg.Wait()
}
