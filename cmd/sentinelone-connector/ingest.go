package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

const ingestUsage = `usage: sentinelone-connector ingest --stream NAME [flags]

Ingests SentinelOne threats (fetch_threats) or STAR alerts (--kind alerts, fetch_alerts,
API 2.1 only) through a server-side stream and writes them as NDJSON, one item per line. Each batch is written, flushed and (for a file) fsync'd
before the next call acknowledges it, so a crash loses nothing: the unacknowledged batch is
delivered again (and may then appear twice in the file; never a gap). With --follow it polls
every --interval until interrupted. Progress goes to standard error.

It runs in this process on the configurations of --data-dir (env CONNECTOR_DATA_DIR), whose
store keeps the stream's checkpoint, or of --store (env CONNECTOR_STORE), the PostgreSQL
store that replicas share (then it may run beside them: one stream is served by one call at
a time), or on an embedded simulator with --dev.

flags:
`

// ingestKinds are the feeds ingest reads, by --kind.
var ingestKinds = map[string]string{"threats": "fetch_threats", "alerts": "fetch_alerts"}

func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), ingestUsage)
		fs.PrintDefaults()
	}
	var dataDir, store, keyFile, config, stream, kind, out, start, caBundle string
	var dev, follow bool
	var interval time.Duration
	var maxItems int
	fs.StringVar(&dataDir, "data-dir", os.Getenv("CONNECTOR_DATA_DIR"), "the data directory whose configurations and streams to use (env CONNECTOR_DATA_DIR)")
	fs.StringVar(&store, "store", os.Getenv("CONNECTOR_STORE"), "the PostgreSQL store shared by replicas, postgres://…, instead of --data-dir (env CONNECTOR_STORE)")
	fs.StringVar(&keyFile, "secret-key-file", os.Getenv("CONNECTOR_SECRET_KEY_FILE"), "with --store: the file of the secret key the replicas share; or env "+configstore.KeyEnv+" (env CONNECTOR_SECRET_KEY_FILE)")
	fs.BoolVar(&dev, "dev", false, "ingest from an embedded SentinelOne simulator (the stream lasts for this run only)")
	fs.StringVar(&caBundle, "ca-bundle", os.Getenv("CONNECTOR_CA_BUNDLE"), "PEM file of extra CAs trusted for SentinelOne consoles (env CONNECTOR_CA_BUNDLE)")
	fs.StringVar(&config, "config", "", "configuration id or name (default: the default configuration)")
	fs.StringVar(&stream, "stream", "", "name of the server-side stream (required)")
	fs.StringVar(&kind, "kind", "threats", "what to ingest: threats or alerts (new STAR alerts; API 2.1)")
	fs.StringVar(&out, "out", "-", "file to append NDJSON to, or - for standard output")
	fs.StringVar(&start, "start", "", `where a new stream starts: an ISO time or "N minutes ago" (default: the oldest)`)
	fs.IntVar(&maxItems, "max-items", 1000, "changes per call (1 to 5000)")
	fs.BoolVar(&follow, "follow", false, "keep polling until interrupted")
	fs.DurationVar(&interval, "interval", time.Minute, "time between polls with --follow")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	op, ok := ingestKinds[kind]
	switch {
	case len(pos) > 0:
		return usagef("ingest: unexpected arguments %q", pos)
	case stream == "":
		return usagef("ingest: --stream NAME is required: the server keeps the stream's checkpoint under it")
	case !ok:
		return usagef("ingest: --kind %q: use threats or alerts", kind)
	case dev == (dataDir != "" || store != ""):
		return usagef("ingest: say where to run: --data-dir DIR or --dev (or --store URL, a PostgreSQL store shared by replicas)")
	case interval <= 0:
		return usagef("ingest: --interval must be positive")
	}
	w, sync, closeOut, err := openOut(out, stdout)
	if err != nil {
		return err
	}
	defer closeOut()

	enc := zap.NewDevelopmentEncoderConfig()
	logger := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.Lock(zapcore.AddSync(stderr)), zap.WarnLevel))
	opts := app.Options{Logger: logger, NoSeed: true}
	if dev {
		opts.Dev, opts.Sim = true, s1sim.Options{}
	} else {
		opts.DataDir, opts.Store, opts.SecretKeyFile = dataDir, store, keyFile
		if opts.Client.RootCAs, err = loadCABundle(caBundle); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
	}
	a, err := app.New(ctx, opts)
	if errors.Is(err, configstore.ErrLocked) {
		return fmt.Errorf("ingest: %w; a server is running on this data directory: stop it, or call %s with stream %q on it", err, op, stream)
	}
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	defer func() { _ = a.Close() }()

	ack, total := "", 0
	for {
		params := map[string]any{"stream": stream, "max_items": maxItems}
		if ack != "" {
			params["ack"] = ack
		} else if start != "" {
			params["start"] = start
		}
		res, err := a.Connector.Execute(ctx, connector.ExecuteRequest{Connector: a.Manifest.Name, Version: a.Manifest.Version,
			Operation: op, Config: config, Params: params})
		if err != nil {
			if ctx.Err() != nil && follow {
				return nil // interrupted
			}
			return fmt.Errorf("ingest: %s: %w", op, err)
		}
		var batch struct {
			Data       []json.RawMessage `json:"data"`
			Checkpoint string            `json:"checkpoint"`
			HasMore    bool              `json:"has_more"`
		}
		raw, err := json.Marshal(res)
		if err == nil {
			err = json.Unmarshal(raw, &batch)
		}
		if err != nil {
			return fmt.Errorf("ingest: read the answer of %s: %w", op, err)
		}
		for _, item := range batch.Data {
			if _, err := w.Write(append(item, '\n')); err != nil {
				return fmt.Errorf("ingest: write %s: %w", out, err)
			}
		}
		if err := sync(); err != nil {
			return fmt.Errorf("ingest: flush %s: %w", out, err)
		}
		// Written and synced: the next call acknowledges the batch.
		ack, total = batch.Checkpoint, total+len(batch.Data)
		fmt.Fprintf(stderr, "ingest: %d %s written (%d in all)%s\n", len(batch.Data), kind, total, map[bool]string{true: ", more waiting"}[batch.HasMore])
		if batch.HasMore || len(batch.Data) > 0 {
			continue
		}
		if !follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// openOut opens the NDJSON output: standard output, or a file appended to. sync flushes
// the buffer and, for a file, fsyncs it.
func openOut(out string, stdout io.Writer) (io.Writer, func() error, func(), error) {
	if out == "-" {
		bw := bufio.NewWriter(stdout)
		return bw, bw.Flush, func() {}, nil
	}
	f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("ingest: %w", err)
	}
	bw := bufio.NewWriter(f)
	sync := func() error {
		if err := bw.Flush(); err != nil {
			return err
		}
		return f.Sync()
	}
	return bw, sync, func() { _ = f.Close() }, nil
}
