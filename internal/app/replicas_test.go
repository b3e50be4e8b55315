package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore/pgstore/pgtest"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// sharedKey is the secret key every replica of a test holds.
var sharedKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, configstore.KeySize))

// replica is one connector process: an App on the shared store behind its own HTTP server.
type replica struct {
	app *app.App
	ts  *httptest.Server
}

// startReplica starts a replica on the database of dsn whose SentinelOne is sim.
func startReplica(t *testing.T, dsn string, sim *s1sim.Server) *replica {
	t.Helper()
	a, err := app.New(context.Background(), app.Options{Store: dsn,
		Getenv: func(k string) string { return map[string]string{configstore.KeyEnv: sharedKey}[k] },
		Client: operations.ClientOptions{RootCAs: sim.CertPool()}, Server: server.Options{APIToken: token}})
	require.NoError(t, err)
	r := &replica{app: a, ts: httptest.NewServer(a.Server.Handler())}
	t.Cleanup(r.kill)
	return r
}

// kill stops the replica as a crash would leave the store: no call runs after it.
func (r *replica) kill() {
	r.ts.Close()
	_ = r.app.Close()
}

// do sends one authenticated JSON request; safe from any goroutine.
func (r *replica) do(method, path string, body any) (int, map[string]any, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest(method, r.ts.URL+path, bytes.NewReader(raw))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		return 0, nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, out)
	}
	return resp.StatusCode, v, nil
}

func (r *replica) execute(t *testing.T, config, op string, params map[string]any) map[string]any {
	t.Helper()
	status, v, err := r.do(http.MethodPost, "/api/integration/execute/", map[string]any{
		"connector": "sentinelone", "operation": op, "config": config, "params": params})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "%v", v)
	return v
}

func simConfig(name string, sim *s1sim.Server) map[string]any {
	return map[string]any{"name": name, "config": map[string]any{
		"host_name": sim.URL, "username": s1sim.AdminUser, "password": s1sim.AdminPassword, "verify_ssl": true,
	}}
}

func startSim(t *testing.T, opts s1sim.Options) *s1sim.Server {
	t.Helper()
	sim, err := s1sim.StartAt("127.0.0.1:0", opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

// TestReplicasShareConfigurations: a configuration created through replica A's
// configuration API is used by replica B's next execute, and an update on A reaches B's
// cache within the notification bound.
func TestReplicasShareConfigurations(t *testing.T) {
	dsn := pgtest.DSN(t)
	sim := startSim(t, s1sim.Options{})
	a, b := startReplica(t, dsn, sim), startReplica(t, dsn, sim)
	assert.NotNil(t, a.app.Budget, "replicas sharing the store share the rate budget too")
	status, v, err := a.do(http.MethodPost, "/api/integration/configuration/", simConfig("tenant", sim))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status, "%v", v)

	ans := b.execute(t, "tenant", "get_agent_count", map[string]any{})
	assert.Equal(t, "Success", ans["status"], "B's first execute uses the configuration made on A: %v", ans)

	// Deactivating get_agent_count on A: B refuses it within the bound.
	status, v, err = a.do(http.MethodPut, "/api/integration/configuration/tenant/", map[string]any{"operations": map[string]bool{"get_agent_count": false}})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "%v", v)
	require.Eventually(t, func() bool {
		status, _, err := b.do(http.MethodPost, "/api/integration/execute/", map[string]any{
			"connector": "sentinelone", "operation": "get_agent_count", "config": "tenant", "params": map[string]any{}})
		return err == nil && status != http.StatusOK
	}, 5*time.Second, time.Millisecond, "B sees the update made on A")
	// And an update of a value reaches B's resolve cache too.
	status, _, err = a.do(http.MethodPut, "/api/integration/configuration/tenant/", map[string]any{"config": map[string]any{"password": "changed-on-a"}})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	cache := b.app.Connector
	require.Eventually(t, func() bool {
		cfg, err := cache.Configs().Resolve(context.Background(), "tenant")
		return err == nil && cfg.Values["password"] == "changed-on-a"
	}, 5*time.Second, time.Millisecond)
}

// TestConcurrentCreatesAcrossReplicas: 20 creates of one name spread over two replicas —
// exactly one wins and the others get the conflict a single bbolt store gives — while
// other configurations are created as the default and deleted, and a reader sampling
// the database always finds exactly one default.
func TestConcurrentCreatesAcrossReplicas(t *testing.T) {
	dsn := pgtest.DSN(t)
	sim := startSim(t, s1sim.Options{})
	reps := []*replica{startReplica(t, dsn, sim), startReplica(t, dsn, sim)}
	status, v, err := reps[0].do(http.MethodPost, "/api/integration/configuration/", simConfig("base", sim))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status, "%v", v)

	// The conflict a bbolt store answers to a second create of one name.
	solo, err := app.New(context.Background(), app.Options{DataDir: t.TempDir(), Server: server.Options{APIToken: token}})
	require.NoError(t, err)
	bolt := &replica{app: solo, ts: httptest.NewServer(solo.Server.Handler())}
	defer bolt.kill()
	_, _, err = bolt.do(http.MethodPost, "/api/integration/configuration/", simConfig("dup", sim))
	require.NoError(t, err)
	wantStatus, want, err := bolt.do(http.MethodPost, "/api/integration/configuration/", simConfig("dup", sim))
	require.NoError(t, err)
	require.Contains(t, fmt.Sprint(want["message"]), `a configuration named "dup" already exists`, "%v", want)
	id := regexp.MustCompile(`config_id [0-9a-f-]+`)

	conn, err := pgx.Connect(context.Background(), dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	stopSampling := make(chan struct{})
	var samples, bad atomic.Int64
	sampled := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stopSampling:
				sampled <- nil
				return
			default:
			}
			var n int
			if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM configurations WHERE is_default`).Scan(&n); err != nil {
				sampled <- err
				return
			}
			samples.Add(1)
			if n != 1 {
				bad.Add(1)
			}
		}
	}()

	var wg sync.WaitGroup
	results := make([]struct {
		status int
		body   map[string]any
		err    error
	}, 20)
	for i := range results {
		wg.Go(func() {
			r := &results[i]
			r.status, r.body, r.err = reps[i%2].do(http.MethodPost, "/api/integration/configuration/", simConfig("dup", sim))
		})
	}
	churn := make([]error, 6)
	for i := range churn {
		wg.Go(func() { // a create that takes the default, then its delete, which promotes another
			rep, name := reps[i%2], fmt.Sprintf("churn-%d", i)
			body := simConfig(name, sim)
			body["default"] = true
			if status, v, err := rep.do(http.MethodPost, "/api/integration/configuration/", body); err != nil || status != http.StatusCreated {
				churn[i] = fmt.Errorf("create %s: %d %v %v", name, status, v, err)
				return
			}
			if status, v, err := reps[(i+1)%2].do(http.MethodDelete, "/api/integration/configuration/"+name+"/", nil); err != nil || status != http.StatusOK {
				churn[i] = fmt.Errorf("delete %s: %d %v %v", name, status, v, err)
			}
		})
	}
	wg.Wait()
	close(stopSampling)
	require.NoError(t, <-sampled)
	for _, err := range churn {
		require.NoError(t, err)
	}
	won := 0
	for _, r := range results {
		require.NoError(t, r.err)
		if r.status == http.StatusCreated {
			won++
			continue
		}
		assert.Equal(t, wantStatus, r.status, "%v", r.body)
		assert.Equal(t, id.ReplaceAllString(fmt.Sprint(want["message"]), "config_id X"), id.ReplaceAllString(fmt.Sprint(r.body["message"]), "config_id X"))
	}
	assert.Equal(t, 1, won, "exactly one create of the name wins")
	assert.Positive(t, samples.Load())
	assert.Zero(t, bad.Load(), "of %d samples, some had other than one default", samples.Load())
	var n int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM configurations WHERE name = 'dup'`).Scan(&n))
	assert.Equal(t, 1, n)
}

// TestSharedStoreNeedsASharedKey: with a PostgreSQL store the app refuses to start without
// the key every replica shares, and never quotes the database's password.
func TestSharedStoreNeedsASharedKey(t *testing.T) {
	none := func(string) string { return "" }
	_, err := app.New(context.Background(), app.Options{Store: "postgres://soar:pw-never-shown-3@127.0.0.1:1/db", Getenv: none})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "needs the secret key that every replica holds alike: set CONNECTOR_SECRET_KEY")
	_, err = app.New(context.Background(), app.Options{Store: "postgres://soar:pw-never-shown-3@127.0.0.1:1/db?connect_timeout=1", Getenv: none,
		SecretKeyFile: "/nonexistent/secret.key"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "secret key file /nonexistent/secret.key does not exist")
	_, err = app.New(context.Background(), app.Options{Store: "postgres://soar:pw-never-shown-3@127.0.0.1:1/db?connect_timeout=1",
		Getenv: func(k string) string { return map[string]string{configstore.KeyEnv: sharedKey}[k] }})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "pw-never-shown-3")
	assert.Contains(t, err.Error(), "postgres://soar:xxxxx@127.0.0.1:1/db")
}
