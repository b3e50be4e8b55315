// Package app wires the connector together: manifest, operation registry, SentinelOne client
// cache, configuration source and HTTP server. The serve command and the offline playbook
// runner share it, so both execute operations by the same path.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"go.uber.org/zap"

	root "github.com/fortisoar-connectors/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore/pgstore"
	"github.com/fortisoar-connectors/sentinelone/internal/metrics"
	"github.com/fortisoar-connectors/sentinelone/internal/ratebudget"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// DevConfigName is the name of the configuration that dev mode points at its simulator.
const DevConfigName = "simulator"

// Options configure an App.
type Options struct {
	// Manifest overrides the embedded info.json (development).
	Manifest []byte
	Logger   *zap.Logger
	// Dev starts an embedded SentinelOne simulator and, unless Configs is given, a default
	// configuration pointing at it.
	Dev bool
	// Sim configures the embedded simulator in Dev mode.
	Sim s1sim.Options
	// SimAddr is the loopback address of the embedded simulator (default 127.0.0.1:0, any
	// free port).
	SimAddr string
	// SimCertFile and SimKeyFile, when set, hold the simulator's TLS certificate and key
	// across runs (generated there when absent), so what trusts it keeps trusting it.
	SimCertFile, SimKeyFile string
	// Configs is the configuration source; nil means an in-memory one (with the simulator's
	// configuration in Dev mode).
	Configs connector.ConfigSource
	// Client sets server-wide SentinelOne client options.
	Client operations.ClientOptions
	// ExecuteTimeout bounds each execute (0: the connector's default).
	ExecuteTimeout time.Duration
	// Server configures the HTTP layer.
	Server server.Options
	// DataDir holds the configuration store; when set, configurations live there, the
	// configuration API is mounted and Configs is ignored.
	DataDir string
	// SeedFile is a JSON list of configurations seeded into the store at start.
	SeedFile string
	// SeedOverwrite applies seeds (environment, SeedFile) over configurations of the same
	// name; without it seeding only creates configurations that are absent.
	SeedOverwrite bool
	// Store, when set, is the URL of a PostgreSQL database (postgres://…) holding the
	// configurations, shared by every replica; it takes the place of DataDir's bbolt file.
	// The secret key then comes from CONNECTOR_SECRET_KEY or SecretKeyFile, never from
	// DataDir: every replica must hold the same one.
	Store string
	// SecretKeyFile holds the secret key (base64) of a Store shared by replicas.
	SecretKeyFile string
	// NoSeed opens the store without seeding it (one-off commands such as exec).
	NoSeed bool
	// Getenv reads SENTINELONE_* seed variables and the secret key (default os.Getenv).
	Getenv func(string) string
	// RateBudget, a PostgreSQL connection string, shares each tenant's rate budgets with
	// every replica connected to the same database; empty keeps them in this process.
	RateBudget string
}

// App is a wired connector.
type App struct {
	Manifest  *connector.Manifest
	Connector *connector.Connector
	Server    *server.Server
	Clients   *operations.Clients
	// Sim is the embedded simulator in Dev mode, else nil.
	Sim *s1sim.Server
	// Store is the configuration store when Options.DataDir or Options.Store is set, else nil.
	Store *configstore.Store
	// Metrics holds the Prometheus collectors served at /metrics.
	Metrics *metrics.Metrics
	// Budget is the rate budget shared with other replicas, else nil.
	Budget *ratebudget.Postgres

	closeOnce sync.Once
	closeErr  error
}

// LoadManifest loads info.json (the embedded one unless override is non-nil) and checks it
// against the embedded manifest schema.
func LoadManifest(override []byte) (*connector.Manifest, error) {
	info := override
	if info == nil {
		var err error
		if info, err = root.Files.ReadFile(root.ManifestPath); err != nil {
			return nil, err
		}
	}
	schema, err := root.Files.ReadFile(root.ManifestSchemaPath)
	if err != nil {
		return nil, err
	}
	m, err := connector.Load(info, schema)
	if err != nil {
		return nil, err
	}
	m.AcceptVersions(root.EarlierVersions...)
	return m, nil
}

// New builds an App. Close releases what it started.
func New(ctx context.Context, opts Options) (*App, error) {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	m, err := LoadManifest(opts.Manifest)
	if err != nil {
		return nil, err
	}
	a := &App{Manifest: m}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Dev {
		if opts.Sim.Logger == nil {
			opts.Sim.Logger = opts.Logger.Named("s1sim")
		}
		addr := opts.SimAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		if opts.SimCertFile != "" {
			a.Sim, err = s1sim.StartWithCertFiles(addr, opts.Sim, opts.SimCertFile, opts.SimKeyFile)
		} else {
			a.Sim, err = s1sim.StartAt(addr, opts.Sim)
		}
		if err != nil {
			return nil, err // it says "start simulator: …"
		}
		opts.Client.RootCAs = a.Sim.CertPool()
		if opts.Configs == nil && opts.DataDir == "" && opts.Store == "" {
			opts.Configs = connector.NewStaticConfigs(DevConfig(a.Sim.URL))
		}
	}
	if opts.DataDir != "" || opts.Store != "" {
		if err := a.openStore(ctx, m, opts); err != nil {
			a.Close()
			return nil, err
		}
		// Executes resolve through the cache: no store read or decryption per call.
		opts.Configs = configstore.NewCache(a.Store)
		if opts.Client.Streams == nil {
			opts.Client.Streams = storeStreams{a.Store.Streams()}
		}
	}
	if opts.Configs == nil {
		opts.Configs = connector.NewStaticConfigs()
	}
	if opts.Client.Logger == nil {
		opts.Client.Logger = opts.Logger.Named("sentinelone")
	}
	a.Metrics = metrics.New()
	if opts.Client.Observer == nil {
		opts.Client.Observer = a.Metrics
	}
	if opts.Server.Observer == nil {
		opts.Server.Observer = a.Metrics
	}
	if opts.Server.Metrics == nil {
		opts.Server.Metrics = a.Metrics.Handler()
	}
	if dsn := rateBudgetDSN(opts); dsn != "" && opts.Client.Budget == nil {
		if a.Budget, err = ratebudget.Open(ctx, dsn, ratebudget.Options{}); err != nil {
			a.Close()
			return nil, err
		}
		opts.Client.Budget = a.Budget
	}
	a.Clients = operations.NewClients(opts.Client)
	reg := connector.NewRegistry()
	if err := operations.RegisterAll(reg, a.Clients); err != nil {
		a.Close()
		return nil, err
	}
	a.Connector, err = connector.New(m, reg, opts.Configs,
		connector.WithLogger(opts.Logger), connector.WithHealthChecker(a.Clients),
		connector.WithValuesCheck(operations.CheckValues), connector.WithExecuteTimeout(opts.ExecuteTimeout),
		connector.WithRequestCounter(sentinelone.WithRequestCounter), connector.WithErrorClass(sentinelone.Class))
	if err != nil {
		a.Close()
		return nil, err
	}
	if opts.Server.Logger == nil {
		opts.Server.Logger = opts.Logger
	}
	a.Server = server.New(a.Connector, opts.Server)
	if a.Store != nil {
		a.Server.MountConfigAPI(a.Store)
	}
	return a, nil
}

// rateBudgetDSN is where the shared rate budget lives: Options.RateBudget, else the
// PostgreSQL database of the configuration store (Options.Store), so that replicas sharing
// their configurations share their budgets too without a second setting; nowhere when
// both are empty.
func rateBudgetDSN(opts Options) string {
	if opts.RateBudget != "" {
		return opts.RateBudget
	}
	return opts.Store
}

// openStore opens the configuration store — opts.Store's database, else the file in
// opts.DataDir — and seeds it: from the environment, from the seed file, and in Dev mode
// with the simulator's configuration.
func (a *App) openStore(ctx context.Context, m *connector.Manifest, opts Options) error {
	var err error
	if opts.Store != "" {
		var key []byte
		if key, err = configstore.LoadSharedKey(opts.SecretKeyFile, opts.Getenv); err != nil {
			return err
		}
		a.Store, err = OpenShared(ctx, m, opts.Store, key, opts.Logger)
	} else {
		a.Store, err = openFile(m, opts.DataDir, opts.Getenv)
	}
	if err != nil {
		return err
	}
	if opts.NoSeed {
		return nil
	}
	return a.seed(ctx, opts)
}

func openFile(m *connector.Manifest, dataDir string, getenv func(string) string) (*configstore.Store, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	key, err := configstore.LoadKey(dataDir, getenv)
	if err != nil {
		return nil, err
	}
	return configstore.Open(dataDir, m, key, configstore.WithValuesCheck(operations.CheckValues))
}

// OpenShared opens the configuration store in the PostgreSQL database of dsn, with key, the
// secret key every replica shares (see configstore.LoadSharedKey). Its errors name the
// database with its password redacted.
func OpenShared(ctx context.Context, m *connector.Manifest, dsn string, key []byte, log *zap.Logger) (*configstore.Store, error) {
	if !pgstore.IsDSN(dsn) {
		return nil, fmt.Errorf("store %q: want a PostgreSQL URL, postgres://user@host:5432/database", pgstore.Redact(dsn))
	}
	if log == nil {
		log = zap.NewNop()
	}
	b, err := pgstore.Open(ctx, dsn, pgstore.Options{Logger: log.Named("store")})
	if err != nil {
		return nil, fmt.Errorf("open configuration store: %w", err)
	}
	s, err := configstore.New(ctx, b, m, key, configstore.WithValuesCheck(operations.CheckValues))
	if err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("open configuration store %s: %w", pgstore.Redact(dsn), err)
	}
	return s, nil
}

// seed applies the environment's and the seed file's configurations, and in Dev mode the
// simulator's, logging what each did.
func (a *App) seed(ctx context.Context, opts Options) error {
	log := opts.Logger.Named("seed")
	report := func(source string, results ...configstore.SeedResult) {
		for _, r := range results {
			log.Info(r.String(), zap.String("source", source), zap.String("configuration", r.Name), zap.String("action", r.Action))
		}
	}
	name, values, err := operations.ValuesFromEnv(opts.Getenv)
	if err != nil {
		return err
	}
	if values != nil {
		res, err := a.Store.Upsert(ctx, name, values, opts.SeedOverwrite)
		if err != nil {
			return fmt.Errorf("seed configuration from environment: %w", err)
		}
		report("environment", *res)
	}
	if opts.SeedFile != "" {
		decode := func(b map[string]json.RawMessage) (*connector.ConfigInput, error) {
			return server.DecodeConfigInput(a.Manifest, b)
		}
		results, err := configstore.SeedFromFile(ctx, a.Store, opts.SeedFile, opts.SeedOverwrite, decode)
		if err != nil {
			return err
		}
		report(opts.SeedFile, results...)
	}
	if a.Sim == nil {
		return nil
	}
	res, err := a.Store.Upsert(ctx, DevConfigName, DevConfig(a.Sim.URL).Values, opts.SeedOverwrite)
	if err != nil {
		return fmt.Errorf("seed the simulator configuration: %w", err)
	}
	report("simulator", *res)
	if host, _ := res.Config.Values["host_name"].(string); host != a.Sim.URL {
		log.Warn("the simulator configuration points elsewhere than the simulator; update its host_name or delete it to have it seeded again",
			zap.String("configuration", DevConfigName), zap.String("host_name", host), zap.String("simulator", a.Sim.URL))
	}
	return nil
}

// DevConfig is the default configuration of dev mode: the simulator's admin account over
// TLS verified against the simulator's own certificate.
func DevConfig(simURL string) *connector.Config {
	return &connector.Config{
		ID: "00000000-0000-4000-8000-000000000001", Name: DevConfigName, Default: true,
		Values: map[string]any{
			"host_name": simURL, "username": s1sim.AdminUser, "password": s1sim.AdminPassword,
			"api_version": sentinelone.APIVersion21, "verify_ssl": true,
		},
		Updated: time.Unix(0, 0).UTC(),
	}
}

// Close stops the simulator and closes the SentinelOne clients.
func (a *App) Close() error { return a.CloseContext(context.Background()) }

// CloseContext is Close within ctx: SentinelOne logouts still running when ctx ends are
// abandoned, so a shutdown keeps to its budget. Only the first call does the work; later
// ones return its result.
func (a *App) CloseContext(ctx context.Context) error {
	a.closeOnce.Do(func() {
		if a.Clients != nil {
			a.Clients.CloseContext(ctx)
		}
		var errs []error
		if a.Budget != nil {
			a.Budget.Close()
		}
		if a.Store != nil {
			errs = append(errs, a.Store.Close())
		}
		if a.Sim != nil {
			errs = append(errs, a.Sim.Close())
		}
		a.closeErr = errors.Join(errs...)
	})
	return a.closeErr
}
