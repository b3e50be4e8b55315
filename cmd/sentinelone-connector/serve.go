package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore/pgstore"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// serveFlags are the serve command's settings; every flag has an environment fallback so a
// systemd EnvironmentFile can configure the service.
type serveFlags struct {
	listen          string
	dev             bool
	dataDir         string
	manifest        string
	logFormat       string
	logFile         string
	shutdownTimeout time.Duration
	executeTimeout  time.Duration
	caBundle        string
	store           string
	secretKeyFile   string
	seedConfigs     string
	seedOverwrite   bool
	apiTokenFile    string
	publicMetrics   bool
	maxExecutes     int
	tlsCert, tlsKey string
	simAgents       int
	simThreats      int
	simListen       string
	rateLimits      sentinelone.RateLimits
	// rateBudget is the PostgreSQL connection string of the budget shared by replicas.
	rateBudget string
	pprof      bool
	// queryStartInterval spaces each configuration's Deep Visibility query starts.
	queryStartInterval time.Duration
}

// DefaultSimListen is where serve --dev's simulator listens, the same on every run so that
// configurations made in the last run still reach it.
const DefaultSimListen = "127.0.0.1:8788"

// Simulator certificate and key in the data directory (--dev).
const (
	simCertName = "simulator-cert.pem"
	simKeyName  = "simulator-key.pem"
)

func parseServeFlags(args []string, stderr io.Writer) (*serveFlags, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &serveFlags{}
	var err error
	env := func(name, def string) string {
		if v, ok := os.LookupEnv(name); ok {
			return v
		}
		return def
	}
	dur := func(name string, def time.Duration) time.Duration {
		v, ok := os.LookupEnv(name)
		if !ok {
			return def
		}
		d, perr := time.ParseDuration(v)
		if perr != nil && err == nil {
			err = fmt.Errorf("%s: %q is not a duration such as 30s", name, v)
		}
		return d
	}
	boolean := func(name string) bool {
		b, _ := strconv.ParseBool(os.Getenv(name))
		return b
	}
	intEnv := func(name string, def int) int {
		v, ok := os.LookupEnv(name)
		if !ok {
			return def
		}
		n, perr := strconv.Atoi(v)
		if perr != nil && err == nil {
			err = fmt.Errorf("%s: %q is not a whole number", name, v)
		}
		return n
	}
	fs.StringVar(&f.listen, "listen", env("CONNECTOR_LISTEN", "127.0.0.1:8787"), "address to listen on (env CONNECTOR_LISTEN)")
	fs.BoolVar(&f.dev, "dev", boolean("CONNECTOR_DEV"), "run with an embedded SentinelOne simulator and a configuration pointing at it (env CONNECTOR_DEV)")
	fs.StringVar(&f.dataDir, "data-dir", env("CONNECTOR_DATA_DIR", ""), "directory for the configuration store, unless --store is given (env CONNECTOR_DATA_DIR)")
	fs.StringVar(&f.store, "store", env("CONNECTOR_STORE", ""), "keep the configurations in this PostgreSQL database, postgres://user@host:5432/db, shared by every replica; default the bbolt file in --data-dir (env CONNECTOR_STORE)")
	fs.StringVar(&f.secretKeyFile, "secret-key-file", env("CONNECTOR_SECRET_KEY_FILE", ""), "file holding the secret key every replica of a --store shares (base64, mode 0600); or set env "+configstore.KeyEnv+" (env CONNECTOR_SECRET_KEY_FILE)")
	fs.StringVar(&f.manifest, "manifest", env("CONNECTOR_MANIFEST", ""), "use this info.json instead of the embedded one (env CONNECTOR_MANIFEST)")
	fs.StringVar(&f.logFormat, "log-format", env("CONNECTOR_LOG_FORMAT", ""), "json or console; default json, console with --dev (env CONNECTOR_LOG_FORMAT)")
	fs.StringVar(&f.logFile, "log-file", env("CONNECTOR_LOG_FILE", ""), "append logs to this file instead of stderr (env CONNECTOR_LOG_FILE)")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", dur("CONNECTOR_SHUTDOWN_TIMEOUT", 30*time.Second), "time in-flight requests get to finish on SIGTERM (env CONNECTOR_SHUTDOWN_TIMEOUT)")
	fs.DurationVar(&f.executeTimeout, "execute-timeout", dur("CONNECTOR_EXECUTE_TIMEOUT", 5*time.Minute), "deadline of one execute (env CONNECTOR_EXECUTE_TIMEOUT)")
	fs.DurationVar(&f.queryStartInterval, "query-start-interval", dur("CONNECTOR_QUERY_START_INTERVAL", sentinelone.DefaultQueryStartInterval),
		"least time between two Deep Visibility query starts of one configuration; SentinelOne allows about one a minute (env CONNECTOR_QUERY_START_INTERVAL)")
	fs.StringVar(&f.caBundle, "ca-bundle", env("CONNECTOR_CA_BUNDLE", ""), "PEM file of extra CAs trusted for SentinelOne consoles (env CONNECTOR_CA_BUNDLE)")
	fs.StringVar(&f.seedConfigs, "seed-configs", env("CONNECTOR_SEED_CONFIGS", ""), "JSON file of SentinelOne configurations created at start when absent (env CONNECTOR_SEED_CONFIGS)")
	fs.BoolVar(&f.seedOverwrite, "seed-overwrite", boolean("CONNECTOR_SEED_OVERWRITE"), "apply the seeds (SENTINELONE_*, --seed-configs) over existing configurations of the same name, replacing changes made through the API (env CONNECTOR_SEED_OVERWRITE)")
	fs.StringVar(&f.apiTokenFile, "api-token-file", env("CONNECTOR_API_TOKEN_FILE", ""), "file holding the bearer token clients must send; or set env CONNECTOR_API_TOKEN")
	fs.BoolVar(&f.publicMetrics, "public-metrics", boolean("CONNECTOR_PUBLIC_METRICS"), "serve /metrics without authentication (env CONNECTOR_PUBLIC_METRICS)")
	fs.IntVar(&f.maxExecutes, "max-executes", intEnv("CONNECTOR_MAX_EXECUTES", 64), "executes served at once; beyond it callers get 503 with Retry-After (env CONNECTOR_MAX_EXECUTES)")
	fs.StringVar(&f.tlsCert, "tls-cert", env("CONNECTOR_TLS_CERT", ""), "PEM certificate to serve HTTPS with (env CONNECTOR_TLS_CERT)")
	fs.StringVar(&f.tlsKey, "tls-key", env("CONNECTOR_TLS_KEY", ""), "PEM private key of --tls-cert (env CONNECTOR_TLS_KEY)")
	fs.StringVar(&f.simListen, "sim-listen", env("CONNECTOR_SIM_LISTEN", DefaultSimListen), "loopback address of the embedded simulator (--dev); 127.0.0.1:0 picks a free port (env CONNECTOR_SIM_LISTEN)")
	fs.IntVar(&f.simAgents, "sim-agents", s1sim.DefaultAgents, "agents in the embedded simulator's fleet (--dev)")
	fs.IntVar(&f.simThreats, "sim-threats", s1sim.DefaultThreats, "threats in the embedded simulator (--dev)")
	var rates string
	fs.StringVar(&rates, "rate-limits", env("CONNECTOR_RATE_LIMITS", "default"), "pace each configuration's SentinelOne requests: default (the documented limits), off, or class=requests-per-second[:burst],… over the defaults, e.g. agents=50:5 (env CONNECTOR_RATE_LIMITS)")
	fs.StringVar(&f.rateBudget, "rate-budget", env("CONNECTOR_RATE_BUDGET", ""), "share the rate limits' budgets with every replica using this PostgreSQL database (postgres://user:password@host/db); default the --store database, off when both are empty (env CONNECTOR_RATE_BUDGET)")
	fs.BoolVar(&f.pprof, "pprof", boolean("CONNECTOR_PPROF"), "serve Go's runtime profiles at /debug/pprof/, behind the API token (env CONNECTOR_PPROF)")
	if perr := parseFlags(fs, args); perr != nil {
		return nil, perr
	}
	if err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("serve: unexpected arguments %q", fs.Args())
	}
	if f.rateLimits, err = sentinelone.ParseRateLimits(rates); err != nil {
		return nil, fmt.Errorf("serve: --rate-limits (env CONNECTOR_RATE_LIMITS): %w", err)
	}
	if f.dataDir == "" && f.store == "" && !f.dev {
		return nil, errors.New("serve: --data-dir (env CONNECTOR_DATA_DIR) is required: it holds the SentinelOne configurations (or give --store, env CONNECTOR_STORE, a PostgreSQL database shared by replicas)")
	}
	if f.store != "" && !pgstore.IsDSN(f.store) {
		return nil, fmt.Errorf("serve: --store (env CONNECTOR_STORE): want a PostgreSQL URL, postgres://user@host:5432/database, got %q", pgstore.Redact(f.store))
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return nil, errors.New("serve: --tls-cert and --tls-key go together")
	}
	if f.logFormat == "" {
		f.logFormat = map[bool]string{true: "console", false: "json"}[f.dev]
	}
	if f.logFormat != "json" && f.logFormat != "console" {
		return nil, fmt.Errorf("serve: --log-format must be json or console, got %q", f.logFormat)
	}
	return f, nil
}

// newLogger builds the process logger: JSON for production, console for development.
func newLogger(format, file string, stderr io.Writer) (*zap.Logger, error) {
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	if format == "console" {
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(encCfg)
	} else {
		enc = zapcore.NewJSONEncoder(encCfg)
	}
	out := zapcore.AddSync(stderr)
	if file != "" {
		f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
		if err != nil {
			return nil, fmt.Errorf("open log file: %w", err)
		}
		out = zapcore.AddSync(f)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(out), zap.InfoLevel)), nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	logger, err := newLogger(f.logFormat, f.logFile, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = logger.Sync() }()

	opts := app.Options{Logger: logger, Dev: f.dev, ExecuteTimeout: f.executeTimeout,
		DataDir: f.dataDir, Store: f.store, SecretKeyFile: f.secretKeyFile, SeedFile: f.seedConfigs, SeedOverwrite: f.seedOverwrite,
		// The dev simulator limits query starts a little below the pacing, so that jitter
		// between two paced starts cannot make a 429.
		Sim: s1sim.Options{Agents: f.simAgents, Threats: f.simThreats, QueryInitInterval: f.queryStartInterval * 9 / 10}, SimAddr: f.simListen}
	opts.Client.QueryStartInterval = f.queryStartInterval
	if f.dev && f.dataDir != "" {
		opts.SimCertFile, opts.SimKeyFile = filepath.Join(f.dataDir, simCertName), filepath.Join(f.dataDir, simKeyName)
		if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
	}
	if f.manifest != "" {
		if opts.Manifest, err = os.ReadFile(f.manifest); err != nil {
			return fmt.Errorf("read manifest: %w", err)
		}
	}
	if opts.Client.RootCAs, err = loadCABundle(f.caBundle); err != nil {
		return err
	}
	token, generated, err := apiToken(f)
	if err != nil {
		return err
	}
	opts.Server.APIToken, opts.Server.PublicMetrics, opts.Server.MaxConcurrentExecutes = token, f.publicMetrics, f.maxExecutes
	opts.Server.Pprof, opts.Client.RateLimits, opts.RateBudget = f.pprof, f.rateLimits, f.rateBudget
	a, err := app.New(ctx, opts)
	if err != nil {
		if f.dev && errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("the simulator's address %s is taken (another make run?): stop that one, or pick another with --sim-listen or CONNECTOR_SIM_LISTEN, 127.0.0.1:0 for any free port (%w)", f.simListen, err)
		}
		return err
	}
	defer a.Close()
	if !isLoopback(hostOf(f.listen)) && f.tlsCert == "" {
		logger.Warn("listening beyond loopback without TLS: bearer tokens and SentinelOne data cross the network in clear; set --tls-cert and --tls-key",
			zap.String("listen", f.listen))
	}

	l, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.listen, err)
	}
	srv := &http.Server{
		Handler:           a.Server.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      f.executeTimeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10, // read before authentication: keep it small
		ErrorLog:          zap.NewStdLog(logger.Named("http")),
	}
	scheme := "http"
	if f.tlsCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "sentinelone-connector %s listening on %s://%s\n", version, scheme, l.Addr())
	if generated {
		fmt.Fprintf(stdout, "API token (generated for this run): %s\n", token)
	}
	if a.Sim != nil {
		printSimBanner(stdout, a.Sim.URL, opts.SimCertFile)
	}
	logger.Info("serving", zap.String("addr", l.Addr().String()), zap.Bool("dev", f.dev), zap.Bool("tls", f.tlsCert != ""),
		zap.String("rate_limits", f.rateLimits.String()), zap.Bool("shared_rate_budget", a.Budget != nil), zap.Bool("pprof", f.pprof),
		zap.String("store", storeName(f)))

	errc := make(chan error, 1)
	go func() {
		if f.tlsCert != "" {
			errc <- srv.ServeTLS(l, f.tlsCert, f.tlsKey)
			return
		}
		errc <- srv.Serve(l)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", zap.Duration("timeout", f.shutdownTimeout))
	// One budget for the whole drain: in-flight requests, then SentinelOne logouts.
	sctx, cancel := context.WithTimeout(context.Background(), f.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = a.CloseContext(sctx)
		return fmt.Errorf("graceful shutdown did not finish within %s: %w", f.shutdownTimeout, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := a.CloseContext(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if sctx.Err() != nil {
		logger.Warn("shutdown budget ran out during SentinelOne logouts; sessions left will expire on their own",
			zap.Duration("timeout", f.shutdownTimeout))
	}
	logger.Info("stopped")
	return nil
}

// apiToken returns the bearer token clients must send: from --api-token-file, else env
// CONNECTOR_API_TOKEN, else (dev mode only) a fresh random one, also written to
// <data-dir>/api-token (0600) so local tools can read it.
func apiToken(f *serveFlags) (token string, generated bool, err error) {
	switch {
	case f.apiTokenFile != "":
		raw, err := os.ReadFile(f.apiTokenFile)
		if err != nil {
			return "", false, fmt.Errorf("read API token file: %w", err)
		}
		token = strings.TrimSpace(string(raw))
	default:
		token = strings.TrimSpace(os.Getenv("CONNECTOR_API_TOKEN"))
	}
	if token != "" {
		if len(token) < 16 {
			return "", false, errors.New("the API token is too short: use at least 16 characters")
		}
		return token, false, nil
	}
	if !f.dev {
		return "", false, errors.New("no API token: set CONNECTOR_API_TOKEN or --api-token-file (every route but /healthz requires it)")
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", false, err
	}
	token = hex.EncodeToString(b)
	if f.dataDir != "" {
		if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
			return "", false, err
		}
		if err := os.WriteFile(filepath.Join(f.dataDir, "api-token"), []byte(token+"\n"), 0o600); err != nil {
			return "", false, fmt.Errorf("write the dev API token: %w", err)
		}
	}
	return token, true, nil
}

// hostOf returns the host part of a listen address.
func hostOf(listen string) string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	return host
}

// isLoopback reports whether host names only this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// printSimBanner says where dev mode's simulator is and how to reach it by hand.
func printSimBanner(w io.Writer, url, certFile string) {
	fmt.Fprintf(w, "SentinelOne simulator at %s (configuration %q)\n", url, app.DevConfigName)
	if certFile != "" {
		fmt.Fprintf(w, "  certificate:      %s (kept across runs; curl --cacert %s %s/_sim/faults)\n", certFile, certFile, url)
	} else {
		fmt.Fprintln(w, "  certificate:      generated for this run only (give --data-dir to keep it)")
	}
	fmt.Fprintf(w, "  demo credentials: %s / %s or API token %s; read-only %s / %s or %s\n",
		s1sim.AdminUser, s1sim.AdminPassword, s1sim.AdminAPIToken, s1sim.ViewerUser, s1sim.ViewerPassword, s1sim.ViewerAPIToken)
	fmt.Fprintf(w, "  control endpoint: %s/_sim/faults, /_sim/requests, /_sim/expire-tokens, /_sim/reset\n", url)
}

// loadCABundle reads a PEM file of CA certificates; "" gives nil (the system's roots only).
func loadCABundle(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CA bundle: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA bundle %s holds no PEM certificate", path)
	}
	return pool, nil
}

// storeName says where the configurations live, for the log: never a password.
func storeName(f *serveFlags) string {
	switch {
	case f.store != "":
		return pgstore.Redact(f.store)
	case f.dataDir != "":
		return filepath.Join(f.dataDir, configstore.FileName)
	}
	return "memory"
}
