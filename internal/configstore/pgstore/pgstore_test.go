package pgstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sentinelone "github.com/fortisoar-connectors/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore/pgstore"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore/pgstore/pgtest"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
)

const password = "Pa55-pg-unique-k2w9"

func manifest(t testing.TB) *connector.Manifest {
	t.Helper()
	data, err := sentinelone.Files.ReadFile(sentinelone.ManifestPath)
	require.NoError(t, err)
	schema, err := sentinelone.Files.ReadFile(sentinelone.ManifestSchemaPath)
	require.NoError(t, err)
	m, err := connector.Load(data, schema)
	require.NoError(t, err)
	return m
}

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, configstore.KeySize) }

// open opens a store on dsn, closed when the test ends.
func open(t testing.TB, dsn string, key []byte) *configstore.Store {
	t.Helper()
	ctx := context.Background()
	b, err := pgstore.Open(ctx, dsn, pgstore.Options{})
	require.NoError(t, err)
	s, err := configstore.New(ctx, b, manifest(t), key)
	if err != nil {
		_ = b.Close()
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func body(t testing.TB, v map[string]any) *connector.ConfigInput {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &raw))
	in, err := server.DecodeConfigInput(manifest(t), raw)
	require.NoError(t, err)
	return in
}

func userConfig(name, host string) map[string]any {
	return map[string]any{"name": name, "config": map[string]any{
		"host_name": host, "username": "soar", "password": password,
	}}
}

func defaults(t testing.TB, s *configstore.Store) []string {
	t.Helper()
	cfgs, err := s.List(context.Background())
	require.NoError(t, err)
	var names []string
	for _, c := range cfgs {
		if c.Default {
			names = append(names, c.Name)
		}
	}
	return names
}

// TestRulesHoldOnPostgres runs the store's default rule through create, update and delete
// on PostgreSQL, as on bbolt, and keeps secrets sealed in the database.
func TestRulesHoldOnPostgres(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	s := open(t, dsn, testKey(1))
	a, err := s.Create(ctx, body(t, userConfig("a", "a.example.net")))
	require.NoError(t, err)
	assert.True(t, a.Config.Default)
	_, err = s.Create(ctx, body(t, userConfig("b", "b.example.net")))
	require.NoError(t, err)
	c, err := s.Create(ctx, body(t, map[string]any{"name": "c", "default": true, "config": userConfig("", "c.example.net")["config"]}))
	require.NoError(t, err)
	assert.Equal(t, []string{"c"}, defaults(t, s))
	_, err = s.Create(ctx, body(t, userConfig("a", "x.example.net")))
	assert.ErrorIs(t, err, connector.ErrConfigExists)

	_, err = s.Update(ctx, "b", body(t, map[string]any{"default": true}))
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, defaults(t, s))
	_, err = s.Update(ctx, "b", body(t, map[string]any{"default": false}))
	assert.ErrorIs(t, err, connector.ErrConfigConflict)

	got, err := s.Resolve(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, password, got.Values["password"])

	require.NoError(t, s.Streams().Save(ctx, c.Config.ID, "threats/x", configstore.StreamState{Committed: "1", Pending: "2"}))
	st, err := s.Streams().Load(ctx, c.Config.ID, "threats/x")
	require.NoError(t, err)
	assert.Equal(t, configstore.StreamState{Committed: "1", Pending: "2"}, st)

	_, promoted, err := s.Delete(ctx, "b")
	require.NoError(t, err)
	assert.Equal(t, "a", promoted.Name, "the oldest remaining becomes the default")
	_, _, err = s.Delete(ctx, c.Config.ID)
	require.NoError(t, err)
	st, err = s.Streams().Load(ctx, c.Config.ID, "threats/x")
	require.NoError(t, err)
	assert.Zero(t, st, "deleting a configuration deletes its streams")
	assert.Error(t, s.Streams().Save(ctx, c.Config.ID, "threats/x", st), "a stream of a deleted configuration")

	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var data string
	require.NoError(t, conn.QueryRow(ctx, `SELECT data::text FROM configurations WHERE name = 'a'`).Scan(&data))
	assert.NotContains(t, data, password, "secrets are sealed in the database")
}

// TestSchemaEnforcesOneDefault: a writer that bypasses the store's rules still cannot
// leave two defaults, nor active configurations without one.
func TestSchemaEnforcesOneDefault(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	s := open(t, dsn, testKey(1))
	for _, n := range []string{"a", "b"} {
		_, err := s.Create(ctx, body(t, userConfig(n, n+".example.net")))
		require.NoError(t, err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `UPDATE configurations SET is_default = true WHERE name = 'b'`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "configurations_one_default")
	_, err = conn.Exec(ctx, `UPDATE configurations SET is_default = false WHERE name = 'a'`)
	require.Error(t, err, "checked at commit")
	assert.Contains(t, err.Error(), "no default")
	_, err = conn.Exec(ctx, `INSERT INTO configurations (id, connector, name, seq, is_default, inactive, data)
SELECT 'x', connector, 'a', 99, false, false, data FROM configurations WHERE name = 'a'`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "configurations_name")
	// Within one transaction the default may move, as the store moves it.
	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `UPDATE configurations SET is_default = false WHERE name = 'a'`)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `UPDATE configurations SET is_default = true WHERE name = 'b'`)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
}

// TestOpenTogetherMigratesOnce: replicas starting at once on an empty schema both open it.
func TestOpenTogetherMigratesOnce(t *testing.T) {
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			b, err := pgstore.Open(context.Background(), dsn, pgstore.Options{})
			if err == nil {
				err = b.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	conn, err := pgx.Connect(context.Background(), dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var n int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM schema_migrations`).Scan(&n))
	assert.Equal(t, 1, n)
}

// TestOtherKeyIsRefused: a replica with another secret key cannot open the shared store.
func TestOtherKeyIsRefused(t *testing.T) {
	dsn := pgtest.DSN(t)
	open(t, dsn, testKey(1))
	b, err := pgstore.Open(context.Background(), dsn, pgstore.Options{})
	require.NoError(t, err)
	defer b.Close()
	_, err = configstore.New(context.Background(), b, manifest(t), testKey(2))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "written with another key")
}

// TestCacheSeesOtherReplicasChanges: a change made through one replica's store is resolved
// by another replica's cache within the notification bound.
func TestCacheSeesOtherReplicasChanges(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	a, b := open(t, dsn, testKey(1)), open(t, dsn, testKey(1))
	cache := configstore.NewCache(b)
	_, err := a.Create(ctx, body(t, userConfig("t", "one.example.net")))
	require.NoError(t, err)
	host := func() string {
		cfg, err := cache.Resolve(ctx, "t")
		require.NoError(t, err)
		return cfg.Values["host_name"].(string)
	}
	assert.Equal(t, "one.example.net", host(), "the cache had nothing of t before")
	for i := range 5 {
		want := fmt.Sprintf("h%d.example.net", i)
		_, err := a.Update(ctx, "t", body(t, map[string]any{"config": map[string]any{"host_name": want}}))
		require.NoError(t, err)
		require.Eventually(t, func() bool { return host() == want }, 5*time.Second, time.Millisecond)
	}
}

// TestRedact: the DSN's password never shows in what Open reports.
func TestRedact(t *testing.T) {
	dsn := "postgres://soar:s3cret-pw-x@127.0.0.1:1/db?sslmode=disable&connect_timeout=1"
	assert.Equal(t, "postgres://soar:xxxxx@127.0.0.1:1/db?sslmode=disable&connect_timeout=1", pgstore.Redact(dsn))
	_, err := pgstore.Open(context.Background(), dsn, pgstore.Options{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret-pw-x")
	assert.Contains(t, err.Error(), "xxxxx")
	_, err = pgstore.Open(context.Background(), "postgres://soar:s3cret-pw-x@127.0.0.1:1/db?sslmode=bogus", pgstore.Options{})
	require.Error(t, err)
	assert.False(t, strings.Contains(err.Error(), "s3cret-pw-x"), err.Error())
}

// TestStreamLockHoldsAcrossReplicas: while one replica holds a stream, another waits for
// it; a replica that goes away releases it with its connections.
func TestStreamLockHoldsAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	a, err := pgstore.Open(ctx, dsn, pgstore.Options{})
	require.NoError(t, err)
	b, err := pgstore.Open(ctx, dsn, pgstore.Options{})
	require.NoError(t, err)
	defer b.Close()
	unlock, err := a.LockStream(ctx, "cfg", "threats/s")
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = b.LockStream(short, "cfg", "threats/s")
	cancel()
	require.Error(t, err, "held by the other replica")
	other, err := b.LockStream(ctx, "cfg", "threats/other")
	require.NoError(t, err, "another stream is free")
	other()
	unlock()
	unlock, err = b.LockStream(ctx, "cfg", "threats/s")
	require.NoError(t, err, "released by unlock")
	unlock()

	held, err := a.LockStream(ctx, "cfg", "threats/s")
	require.NoError(t, err)
	// The server ends the holder's session, as when its process is killed.
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND pid IN (SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()) AND objid = (SELECT hashtext(current_schema() || chr(31) || 'cfg' || chr(31) || 'threats/s'))::oid`)
	require.NoError(t, err)
	unlock, err = b.LockStream(ctx, "cfg", "threats/s")
	require.NoError(t, err, "released with the connection")
	unlock()
	held() // its connection is gone: unlocking drops it
	require.NoError(t, a.Close())
}

// TestCacheServesNothingWithoutTheListener: while a replica's listener is not connected,
// its cache serves nothing, so a change whose notification it missed is seen by the very
// next call; once the listener is back, the cache serves again, from after the gap.
func TestCacheServesNothingWithoutTheListener(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	a := open(t, dsn, testKey(1))
	bb, err := pgstore.Open(ctx, dsn, pgstore.Options{PingInterval: time.Second})
	require.NoError(t, err)
	b, err := configstore.New(ctx, bb, manifest(t), testKey(1))
	require.NoError(t, err)
	defer b.Close()
	cache := configstore.NewCache(b)
	_, err = a.Create(ctx, body(t, userConfig("t", "one.example.net")))
	require.NoError(t, err)
	host := func() string {
		cfg, err := cache.Resolve(ctx, "t")
		require.NoError(t, err)
		return cfg.Values["host_name"].(string)
	}
	require.Eventually(t, func() bool { return host() != "" && cache.Len() == 1 }, 5*time.Second, time.Millisecond, "listening: cached")

	// The server ends the listener's session: the replica reconnects and bumps the version.
	pid, before := pgstore.ListenerPID(bb), bb.Version()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `SELECT pg_terminate_backend($1)`, int32(pid))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return pgstore.Listening(bb) && pgstore.ListenerPID(bb) != pid
	}, 10*time.Second, time.Millisecond, "the listener reconnects")
	assert.Greater(t, bb.Version(), before, "nothing cached before the gap is served after it")

	pgstore.StopListener(bb)
	assert.NotEqual(t, bb.Version(), bb.Version(), "without the listener every call is a new version")
	for i := range 3 {
		want := fmt.Sprintf("h%d.example.net", i)
		_, err := a.Update(ctx, "t", body(t, map[string]any{"config": map[string]any{"host_name": want}}))
		require.NoError(t, err)
		assert.Equal(t, want, host(), "the next call sees the change whose notification was missed")
	}
	assert.Zero(t, cache.Len())
}

// TestHeldStreamsLeaveTheStoreUsable: a replica holding more streams than its store's
// connection pool holds still loads and saves their states.
func TestHeldStreamsLeaveTheStoreUsable(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := open(t, dsn, testKey(1))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	ch, err := s.Create(ctx, body(t, userConfig("t", "one.example.net")))
	require.NoError(t, err)
	for i := range 8 { // more than pgxpool's default of max(4, CPUs) on this machine's 2 cores
		unlock, err := s.Streams().Lock(ctx, ch.Config.ID, fmt.Sprintf("threats/s%d", i))
		require.NoError(t, err)
		t.Cleanup(unlock) // before the store closes
	}
	for i := range 8 {
		stream := fmt.Sprintf("threats/s%d", i)
		require.NoError(t, s.Streams().Save(ctx, ch.Config.ID, stream, configstore.StreamState{Pending: "p"}))
		st, err := s.Streams().Load(ctx, ch.Config.ID, stream)
		require.NoError(t, err)
		assert.Equal(t, "p", st.Pending)
	}
}
