package configstore_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
)

// TestSeedFileMovesTheDefaultInOneChange: a seed file is one change, so it may unset the
// default on one entry when another entry takes it; unsetting it alone is refused and
// leaves the store as it was.
func TestSeedFileMovesTheDefaultInOneChange(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	create(t, s, userConfig("a"))
	create(t, s, userConfig("b"))
	path := filepath.Join(t.TempDir(), "seed.json")
	write := func(v any) {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, raw, 0o600))
	}

	write([]any{map[string]any{"name": "a", "default": false}})
	_, err := configstore.SeedFromFile(ctx, s, path, true, decode(t))
	assert.ErrorIs(t, err, connector.ErrConfigConflict)
	assert.Equal(t, []string{"a"}, defaults(t, s))

	write([]any{map[string]any{"name": "a", "default": false}, map[string]any{"name": "b", "default": true}})
	res, err := configstore.SeedFromFile(ctx, s, path, true, decode(t))
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, defaults(t, s))
	assert.Equal(t, configstore.SeedSame, res[0].Action)
	assert.Equal(t, []string{`default moved from "a" to "b"`}, res[1].Changes)

	res, err = configstore.SeedFromFile(ctx, s, path, false, decode(t))
	require.NoError(t, err)
	assert.Equal(t, configstore.SeedKept, res[0].Action, "without overwrite, existing configurations are not touched")
	assert.Equal(t, configstore.SeedKept, res[1].Action)
}

// TestGetUpdateDeleteTakeANameOrAnID: as execute resolves a configuration, an id first.
func TestGetUpdateDeleteTakeANameOrAnID(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	a := create(t, s, userConfig("a"))
	create(t, s, userConfig(a.ID+"x"))
	got, err := s.Get(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, a.ID, got.ID)
	ch, err := s.Update(ctx, "a", body(t, map[string]any{"name": "a2"}))
	require.NoError(t, err)
	assert.Equal(t, []string{`renamed from "a" to "a2"`}, ch.Changes)
	deleted, _, err := s.Delete(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, "a2", deleted.Name)
	_, err = s.Get(ctx, "a2")
	assert.ErrorIs(t, err, connector.ErrNoConfig)
	assert.EqualError(t, err, `no configuration with id or name "a2"`, "the cause is said once")
}

// TestStoreFromBeforeTheRuleTakesUnrelatedChanges: a store written before the default rule
// may hold a deactivated default; changes to other configurations still succeed, and the
// next change to that default must follow the rule.
func TestStoreFromBeforeTheRuleTakesUnrelatedChanges(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := configstore.Open(dir, manifest(t), testKey(1))
	require.NoError(t, err)
	a := create(t, s, userConfig("a"))
	create(t, s, userConfig("b"))
	require.NoError(t, s.Close())

	db, err := bolt.Open(filepath.Join(dir, configstore.FileName), 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("configs"))
		var rec map[string]any
		require.NoError(t, json.Unmarshal(b.Get([]byte(a.ID)), &rec))
		rec["inactive"] = true
		raw, _ := json.Marshal(rec)
		return b.Put([]byte(a.ID), raw)
	}))
	require.NoError(t, db.Close())

	s = open(t, dir)
	_, err = s.Update(ctx, "b", body(t, map[string]any{"name": "b2"}))
	require.NoError(t, err)
	_, err = s.Update(ctx, "a", body(t, map[string]any{"name": "a2"}))
	assert.ErrorIs(t, err, connector.ErrConfigConflict)
	ch, err := s.Update(ctx, "a", body(t, map[string]any{"new_default": "b2"}))
	require.NoError(t, err)
	assert.Equal(t, []string{`default moved from "a" to "b2"`}, ch.Changes)
}
