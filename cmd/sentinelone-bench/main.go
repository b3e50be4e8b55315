// Command sentinelone-bench measures a built sentinelone-connector end to end on loopback:
// the connector's overhead over a direct SentinelOne call, its execute throughput, and
// get_agents streaming over a large fleet (time against a direct walk, peak RSS and heap),
// and rate-limit pacing against a simulator that limits requests per token; it prints every
// goal beside its figure with PASS or FAIL.
// It builds nothing: it runs the binary given by --binary as two processes, `simulate` and
// `serve`, and stops both before it exits.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fortisoar-connectors/sentinelone/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "sentinelone-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sentinelone-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := bench.Config{Progress: stderr}
	var levels, jsonOut, workDir string
	var timeout time.Duration
	var keep bool
	fs.StringVar(&cfg.Binary, "binary", "dist/sentinelone-connector", "the built connector binary")
	fs.StringVar(&cfg.Parts, "parts", "abcde", "measurements to run: a overhead, b throughput, c big list, d rate-limit pacing, e threat ingestion")
	var ingestThreats, ingestItems int
	fs.IntVar(&ingestThreats, "threats", 100000, "e: threats in the simulator's fleet")
	fs.IntVar(&ingestItems, "max-items", 5000, "e: fetch_threats max_items per call (its maximum: fewer calls, and pages read ahead within each)")
	fs.IntVar(&cfg.Requests, "requests", 2000, "a: timed sequential requests on each path")
	fs.IntVar(&cfg.Warmup, "warmup", 200, "a: untimed requests on each path first")
	fs.StringVar(&levels, "concurrency", "1,4,16,64", "b: comma-separated concurrency levels")
	fs.DurationVar(&cfg.Duration, "duration", 5*time.Second, "b: time at each concurrency level")
	fs.IntVar(&cfg.MaxExecutes, "max-executes", 64, "the connector's execute cap (serve --max-executes)")
	fs.IntVar(&cfg.ListAgents, "agents", 100000, "c: agents in the simulator's fleet")
	fs.IntVar(&cfg.ListLimit, "limit", 100000, "c: get_agents limit")
	fs.IntVar(&cfg.ListRuns, "runs", 3, "c: runs of each walk; the best counts")
	fs.DurationVar(&cfg.HeapEvery, "heap-every", 100*time.Millisecond, "c: /metrics scrape interval")
	fs.IntVar(&cfg.PacedCalls, "paced-calls", 500, "d: executes sent at once")
	fs.Float64Var(&cfg.PacedLimit, "paced-limit", 20, "d: /agents requests/s per token, in the simulator and the connector")
	fs.StringVar(&cfg.CPUProfile, "cpu-profile", "", "b: write a CPU profile of the connector at the highest concurrency to this file")
	fs.StringVar(&jsonOut, "json", "", "also write the figures as JSON to this file")
	fs.StringVar(&workDir, "work-dir", "", "directory for logs, certificate and data (default: a temporary one, removed unless the run fails)")
	fs.BoolVar(&keep, "keep", false, "keep the work directory")
	fs.DurationVar(&timeout, "timeout", 5*time.Minute, "abandon the run after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, s := range strings.Split(levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("--concurrency: %q is not a positive whole number", s)
		}
		cfg.Concurrency = append(cfg.Concurrency, n)
	}
	switch {
	case strings.Trim(cfg.Parts, "abcde") != "" || cfg.Parts == "":
		return fmt.Errorf("--parts: %q: use letters among a, b, c, d and e", cfg.Parts)
	case cfg.PacedCalls < 1 || !(cfg.PacedLimit > 0):
		return errors.New("--paced-calls must be at least 1 and --paced-limit positive")
	case cfg.Requests < 1 || cfg.Warmup < 0 || cfg.ListRuns < 1:
		return errors.New("--requests and --runs must be at least 1, --warmup not negative")
	case cfg.Duration <= 0 || cfg.HeapEvery <= 0:
		return errors.New("--duration and --heap-every must be positive")
	case cfg.ListAgents < 1 || cfg.ListLimit < 1 || cfg.MaxExecutes < 1:
		return errors.New("--agents, --limit and --max-executes must be at least 1")
	}

	if workDir == "" {
		dir, err := os.MkdirTemp("", "sentinelone-bench-")
		if err != nil {
			return err
		}
		workDir = dir
	} else {
		keep = true
	}
	cfg.WorkDir = workDir
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	rep, err := bench.Run(ctx, cfg)
	var ingest *bench.Ingest
	if err == nil && strings.Contains(cfg.Parts, "e") {
		ingest, err = bench.MeasureIngest(ctx, cfg, ingestThreats, ingestItems, min(cfg.ListRuns, 2))
	}
	if err != nil {
		fmt.Fprintf(stderr, "logs of the processes are kept in %s\n", workDir)
		return err
	}
	if !keep {
		_ = os.RemoveAll(workDir)
	}
	if ingest != nil {
		rep.AddIngest(ingest)
	}
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	if jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(jsonOut, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", jsonOut, err)
		}
	}
	return nil
}
