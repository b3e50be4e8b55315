package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// parseSimulateFlags reads the simulate command's flags into simulator
// options, the listen address and the certificate output path.
func parseSimulateFlags(args []string, stderr io.Writer, ch *churn) (opts s1sim.Options, listen, certOut string, verbose bool, err error) {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &opts.Faults
	fs.StringVar(&listen, "listen", "127.0.0.1:8443", "loopback address to serve HTTPS on")
	fs.StringVar(&certOut, "cert-out", "", "write the self-signed certificate (PEM) to this file")
	fs.IntVar(&opts.Agents, "agents", s1sim.DefaultAgents, "agents in the seeded fleet")
	fs.IntVar(&opts.Threats, "threats", s1sim.DefaultThreats, "threats in the seeded fleet")
	fs.IntVar(&opts.Alerts, "alerts", s1sim.DefaultAlerts, "STAR alerts in the seeded fleet")
	fs.Int64Var(&opts.Seed, "seed", s1sim.DefaultSeed, "seed of the fleet and of the fault rates")
	fs.DurationVar(&opts.TokenTTL, "token-ttl", s1sim.DefaultTokenTTL, "session-token lifetime")
	fs.BoolVar(&opts.DisableRecommission, "disable-recommission", false, "answer 404 on POST …/agents/{id}/recommission")
	fs.BoolVar(&opts.SupportIDsNin, "support-ids-nin", false, "honour the idsNin agent filter (ignored by default)")
	fs.DurationVar(&opts.QueryStep, "query-step", s1sim.DefaultQueryStep, "time a Deep Visibility query or remote-script task spends in each state")
	fs.DurationVar(&opts.QueryInitInterval, "query-init-interval", 0, "least time between two POST /dv/init-query of one account; sooner gets 429 (0: no limit)")
	fs.DurationVar(&f.Latency, "latency", 0, "latency added to every API request")
	fs.IntVar(&f.RateLimitEvery, "rate-limit-every", 0, "answer every N-th API request with 429")
	fs.DurationVar(&f.RetryAfter, "retry-after", 0, "Retry-After sent with a 429 (default 1s)")
	fs.Float64Var(&f.ErrorRate, "error-rate", 0, "probability (0..1) of answering --error-status")
	fs.IntVar(&f.ErrorStatus, "error-status", 0, "status used by --error-rate (default 500)")
	fs.IntVar(&f.FailNext, "fail-next", 0, "answer the next N API requests with --fail-status")
	fs.IntVar(&f.FailStatus, "fail-status", 0, "status used by --fail-next (default 500)")
	fs.IntVar(&f.DropNext, "drop-next", 0, "drop the connection of the next N API requests")
	fs.Float64Var(&f.DropRate, "drop-rate", 0, "probability (0..1) of dropping a connection")
	fs.BoolVar(&f.Down, "down", false, "answer every API request with 503")
	var rates string
	fs.StringVar(&rates, "rate-limits", "", "per-token limits by endpoint class, e.g. agents=20,threats=10 (requests/s; 429 past them)")
	fs.BoolVar(&verbose, "verbose", false, "log every API request (method, path, status) to stderr")
	ch.register(fs)
	if err = parseFlags(fs, args); err != nil {
		return opts, "", "", false, err
	}
	if fs.NArg() > 0 {
		return opts, "", "", false, fmt.Errorf("simulate: unexpected arguments %q", fs.Args())
	}
	switch {
	case opts.Agents < 1 || opts.Threats < 0 || opts.Alerts < 0:
		return opts, "", "", false, errors.New("simulate: --agents must be at least 1 and --threats and --alerts not negative")
	case opts.TokenTTL <= 0:
		return opts, "", "", false, errors.New("simulate: --token-ttl must be positive")
	}
	if opts.RateLimits, err = s1sim.ParseRateLimits(rates); err != nil {
		return opts, "", "", false, fmt.Errorf("simulate: --rate-limits: %w", err)
	}
	if err := f.Validate(); err != nil {
		return opts, "", "", false, fmt.Errorf("simulate: %w", err)
	}
	if err := ch.validate(); err != nil {
		return opts, "", "", false, err
	}
	return opts, listen, certOut, verbose, nil
}

// runSimulate serves the SentinelOne simulator over HTTPS on a loopback
// address until ctx is cancelled.
func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var ch churn
	opts, listen, certOut, verbose, err := parseSimulateFlags(args, stderr, &ch)
	if err != nil {
		return err
	}
	if verbose {
		enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
		opts.Logger = zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(stderr)), zap.DebugLevel))
		defer func() { _ = opts.Logger.Sync() }()
	}
	srv, err := s1sim.StartAt(listen, opts)
	if err != nil {
		return err
	}
	if certOut != "" {
		if err := os.WriteFile(certOut, srv.CertPEM(), 0o644); err != nil {
			_ = srv.Close()
			return fmt.Errorf("write certificate: %w", err)
		}
		fmt.Fprintf(stdout, "certificate written to %s\n", certOut)
	}
	fmt.Fprintf(stdout, "SentinelOne simulator listening on %s (%d agents, %d threats, %d alerts, seed %d)\n",
		srv.URL, opts.Agents, opts.Threats, opts.Alerts, opts.Seed)
	if len(opts.RateLimits) > 0 {
		fmt.Fprintf(stdout, "rate limits per token: %s requests/s\n", s1sim.FormatRateLimits(opts.RateLimits))
	}
	fmt.Fprintf(stdout, "accounts: %s (read-write), %s (read-only); passwords and API tokens: go doc ./internal/s1sim\n",
		s1sim.AdminUser, s1sim.ViewerUser)
	fmt.Fprintf(stdout, "control endpoint: %s/_sim/faults, /_sim/requests, /_sim/expire-tokens, /_sim/reset, /_sim/threats, /_sim/alerts\n", srv.URL)
	go ch.run(ctx, srv.Sim, opts.Seed)
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		return fmt.Errorf("stop simulator: %w", err)
	}
	return nil
}
