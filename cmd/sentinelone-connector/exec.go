package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

const execUsage = `usage: sentinelone-connector exec OPERATION [name=value ...] [flags]

Runs one operation and prints FortiSOAR's answer (the envelope) as JSON, indented on a
terminal. name=value pairs are typed by info.json: integer, decimal and checkbox values are
converted, multiselect values are lists written a,b. --params takes a JSON object for
structured values; a name may be given once. Run "sentinelone-connector describe OPERATION"
for the parameters.

Where it runs: with --server, on a running server (token from --token-file or
CONNECTOR_API_TOKEN); else in this process, on the configurations of --data-dir (env
CONNECTOR_DATA_DIR; a running server holds its store's lock, so use --server then), or on
an embedded SentinelOne simulator with --dev.

Exit status: 0 when the answer is "Success", 1 when it is "failed", 2 on a usage error.

flags:
`

// execFlags are the exec command's settings.
type execFlags struct {
	server, tokenFile, dataDir, store, keyFile, config, params, caBundle string
	dev                                                                  bool
	timeout                                                              time.Duration
}

func runExec(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("exec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), execUsage)
		fs.PrintDefaults()
	}
	var f execFlags
	fs.StringVar(&f.server, "server", "", "URL of a running connector server, e.g. http://127.0.0.1:8787")
	fs.StringVar(&f.tokenFile, "token-file", "", "file holding the server's API token (default: env CONNECTOR_API_TOKEN)")
	fs.StringVar(&f.dataDir, "data-dir", os.Getenv("CONNECTOR_DATA_DIR"), "run in this process on this data directory's configurations (env CONNECTOR_DATA_DIR)")
	fs.StringVar(&f.store, "store", os.Getenv("CONNECTOR_STORE"), "run in this process on the PostgreSQL store shared by replicas, postgres://…, instead of --data-dir (env CONNECTOR_STORE)")
	fs.StringVar(&f.keyFile, "secret-key-file", os.Getenv("CONNECTOR_SECRET_KEY_FILE"), "with --store: the file of the secret key the replicas share; or env "+configstore.KeyEnv+" (env CONNECTOR_SECRET_KEY_FILE)")
	fs.BoolVar(&f.dev, "dev", false, "run in this process on an embedded SentinelOne simulator")
	fs.StringVar(&f.caBundle, "ca-bundle", os.Getenv("CONNECTOR_CA_BUNDLE"), "PEM file of extra CAs trusted for SentinelOne consoles, in process (env CONNECTOR_CA_BUNDLE)")
	fs.StringVar(&f.config, "config", "", "configuration id or name (default: the default configuration)")
	fs.StringVar(&f.params, "params", "", `parameters as a JSON object, e.g. '{"ids":"1,2"}'`)
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "deadline of the operation")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return usagef("exec: name the OPERATION to run (see: sentinelone-connector operations)")
	}
	m, err := app.LoadManifest(nil)
	if err != nil {
		return err
	}
	op := m.Operation(pos[0])
	if op == nil {
		return &usageError{fmt.Errorf("exec: %w", m.UnknownOperation(pos[0]))}
	}
	params, err := execParams(op, f.params, pos[1:])
	if err != nil {
		return err
	}
	switch {
	case f.server != "" && f.dev:
		return usagef("exec: --server and --dev exclude each other")
	case f.server == "" && !f.dev && f.dataDir == "" && f.store == "":
		return usagef("exec: say where to run: --server URL, --data-dir DIR, --store URL or --dev")
	case f.store != "" && (f.server != "" || f.dev):
		return usagef("exec: --store runs in this process: it excludes --server and --dev")
	}
	body, err := json.Marshal(connector.ExecuteRequest{Connector: m.Name, Version: m.Version, Operation: op.Name, Config: f.config, Params: params})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout+30*time.Second)
	defer cancel()
	progress := newProgress(op.Name, stderr, isTerminal(stderr))
	var answer []byte
	if f.server != "" {
		answer, err = execRemote(ctx, f, body, progress)
	} else {
		answer, err = execLocal(ctx, f, body, progress, stderr)
	}
	progress.done()
	if err != nil {
		return err
	}
	return printAnswer(stdout, answer)
}

// parseArgs parses flags placed before or after the positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// execParams merges --params and the name=value pairs, typing each pair by the manifest.
// A value that does not convert is passed on as text, so the connector's own validation
// names the parameter and the rule, as it does for FortiSOAR.
func execParams(op *connector.Operation, raw string, pairs []string) (map[string]any, error) {
	params := map[string]any{}
	if strings.TrimSpace(raw) != "" {
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&params); err != nil || params == nil {
			return nil, usagef("exec: --params must be a JSON object of parameter names to values")
		}
	}
	for _, pair := range pairs {
		name, value, ok := strings.Cut(pair, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, usagef("exec: want name=value, got %q", pair)
		}
		if _, dup := params[name]; dup {
			return nil, usagef("exec: parameter %q is given twice", name)
		}
		params[name] = typed(op.Param(name), value)
	}
	return params, nil
}

// typed converts a command-line value by its parameter's manifest type.
func typed(p *connector.Param, v string) any {
	if p == nil {
		return v
	}
	switch p.Type {
	case "integer":
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			return n
		}
	case "decimal":
		if x, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			return x
		}
	case "checkbox":
		if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
			return b
		}
	case "multiselect":
		list := []any{}
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		return list
	case "json":
		var x any
		if json.Unmarshal([]byte(v), &x) == nil {
			return x
		}
	}
	return v
}

// execRemote POSTs the execute body to a running server and returns its answer.
func execRemote(ctx context.Context, f execFlags, body []byte, p *progress) ([]byte, error) {
	u, err := url.Parse(f.server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("exec: --server %q: want http(s)://host:port", f.server)
	}
	token := strings.TrimSpace(os.Getenv("CONNECTOR_API_TOKEN"))
	if f.tokenFile != "" {
		raw, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("exec: read --token-file: %w", err)
		}
		token = strings.TrimSpace(string(raw))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(u.String(), "/")+"/api/integration/execute/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(io.MultiWriter(&buf, p), resp.Body); err != nil {
		return nil, fmt.Errorf("exec: the answer broke off after %d bytes (a list that failed part-way; the server's log says why): %w", buf.Len(), err)
	}
	return buf.Bytes(), nil
}

// execLocal runs the execute through the server's own handler in this process, so the
// answer is exactly the one FortiSOAR would get.
func execLocal(ctx context.Context, f execFlags, body []byte, p *progress, stderr io.Writer) (answer []byte, err error) {
	enc := zap.NewDevelopmentEncoderConfig()
	logger := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.Lock(zapcore.AddSync(stderr)), zap.WarnLevel))
	opts := app.Options{Logger: logger, ExecuteTimeout: f.timeout, NoSeed: true}
	if f.dev {
		opts.Dev, opts.Sim = true, s1sim.Options{}
	} else {
		opts.DataDir, opts.Store, opts.SecretKeyFile = f.dataDir, f.store, f.keyFile
		if opts.Client.RootCAs, err = loadCABundle(f.caBundle); err != nil {
			return nil, fmt.Errorf("exec: %w", err)
		}
	}
	a, err := app.New(ctx, opts)
	if errors.Is(err, configstore.ErrLocked) {
		return nil, fmt.Errorf("exec: %w; a server is running on this data directory: send the operation to it with --server", err)
	}
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	defer func() { _ = a.Close() }()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/api/integration/execute/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	w := &memWriter{header: http.Header{}, progress: p}
	defer func() {
		if r := recover(); r != nil {
			if r != http.ErrAbortHandler {
				panic(r)
			}
			answer, err = nil, errors.New("exec: the list failed after it started; the log above says why")
		}
	}()
	a.Server.Handler().ServeHTTP(w, req)
	return w.body.Bytes(), nil
}

// memWriter is an http.ResponseWriter that keeps the answer in memory.
type memWriter struct {
	header   http.Header
	status   int
	body     bytes.Buffer
	progress *progress
}

func (w *memWriter) Header() http.Header { return w.header }
func (w *memWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *memWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	_, _ = w.progress.Write(b)
	return w.body.Write(b)
}

// printAnswer prints the envelope (indented when stdout is a terminal) and turns a
// "failed" status into exit status 1.
func printAnswer(stdout io.Writer, answer []byte) error {
	var env struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(answer, &env); err != nil {
		return fmt.Errorf("exec: the answer is not FortiSOAR's JSON envelope: %.200q", answer)
	}
	out := bytes.TrimSpace(answer)
	if isTerminal(stdout) {
		var ind bytes.Buffer
		if json.Indent(&ind, out, "", "  ") == nil {
			out = ind.Bytes()
		}
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", out); err != nil {
		return err
	}
	if env.Status != "Success" {
		return &failedError{msg: env.Message}
	}
	return nil
}
