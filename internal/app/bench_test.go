package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore/pgstore/pgtest"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// BenchmarkExecuteByStore measures one warm get_agent_count execute (resolve through the
// cache, warm SentinelOne session, one simulator request) with the configuration in the
// bbolt file and in PostgreSQL: the store should add nothing measurable once cached. Rate
// limits are off in both, so the shared rate budget is not in it (ratebudget measures that).
func BenchmarkExecuteByStore(b *testing.B) {
	sim, err := s1sim.StartAt("127.0.0.1:0", s1sim.Options{Agents: 10, Threats: 1})
	require.NoError(b, err)
	defer sim.Close()
	getenv := func(k string) string { return map[string]string{configstore.KeyEnv: sharedKey}[k] }
	for _, tc := range []struct {
		name string
		opts func(b *testing.B) app.Options
	}{
		{"bbolt", func(b *testing.B) app.Options { return app.Options{DataDir: b.TempDir()} }},
		{"postgres", func(b *testing.B) app.Options { return app.Options{Store: pgtest.DSN(b)} }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			opts := tc.opts(b)
			opts.Getenv, opts.Client, opts.Server = getenv, operations.ClientOptions{RootCAs: sim.CertPool()}, server.Options{APIToken: token}
			a, err := app.New(context.Background(), opts)
			require.NoError(b, err)
			defer a.Close()
			r := &replica{app: a, ts: httptest.NewServer(a.Server.Handler())}
			defer r.ts.Close()
			status, v, err := r.do(http.MethodPost, "/api/integration/configuration/", simConfig("tenant", sim))
			require.NoError(b, err)
			require.Equal(b, http.StatusCreated, status, "%v", v)
			ctx := context.Background()
			req := connector.ExecuteRequest{Connector: a.Manifest.Name, Version: a.Manifest.Version, Operation: "get_agent_count", Config: "tenant", Params: map[string]any{}}
			for range 3 { // warm: session, cache, listener
				_, err := a.Connector.Execute(ctx, req)
				require.NoError(b, err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := a.Connector.Execute(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
