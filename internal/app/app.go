// Package app wires the connector together: manifest, operation registry, SentinelOne client
// cache, configuration source and HTTP server. The serve command and the offline playbook
// runner share it, so both execute operations by the same path.
package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	root "github.com/fortisoar-connectors/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/connector"
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
	// Configs is the configuration source; nil means an in-memory one (with the simulator's
	// configuration in Dev mode).
	Configs connector.ConfigSource
	// Client sets server-wide SentinelOne client options.
	Client operations.ClientOptions
	// ExecuteTimeout bounds each execute (0: the connector's default).
	ExecuteTimeout time.Duration
	// Server configures the HTTP layer.
	Server server.Options
}

// App is a wired connector.
type App struct {
	Manifest  *connector.Manifest
	Connector *connector.Connector
	Server    *server.Server
	Clients   *operations.Clients
	// Sim is the embedded simulator in Dev mode, else nil.
	Sim *s1sim.Server
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
	return connector.Load(info, schema)
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
	if opts.Dev {
		if opts.Sim.Logger == nil {
			opts.Sim.Logger = opts.Logger.Named("s1sim")
		}
		a.Sim, err = s1sim.Start(opts.Sim)
		if err != nil {
			return nil, fmt.Errorf("start the SentinelOne simulator: %w", err)
		}
		opts.Client.RootCAs = a.Sim.CertPool()
		if opts.Configs == nil {
			opts.Configs = connector.NewStaticConfigs(DevConfig(a.Sim.URL))
		}
	}
	if opts.Configs == nil {
		opts.Configs = connector.NewStaticConfigs()
	}
	if opts.Client.Logger == nil {
		opts.Client.Logger = opts.Logger.Named("sentinelone")
	}
	a.Clients = operations.NewClients(opts.Client)
	reg := connector.NewRegistry()
	if err := operations.RegisterAll(reg, a.Clients); err != nil {
		a.Close()
		return nil, err
	}
	a.Connector, err = connector.New(m, reg, opts.Configs,
		connector.WithLogger(opts.Logger), connector.WithHealthChecker(a.Clients),
		connector.WithExecuteTimeout(opts.ExecuteTimeout))
	if err != nil {
		a.Close()
		return nil, err
	}
	if opts.Server.Logger == nil {
		opts.Server.Logger = opts.Logger
	}
	a.Server = server.New(a.Connector, opts.Server)
	return a, nil
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
func (a *App) Close() error {
	if a.Clients != nil {
		a.Clients.Close()
	}
	var err error
	if a.Sim != nil {
		err = a.Sim.Close()
	}
	return errors.Join(err)
}
