package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// cli runs the command line in process and returns its output and exit status.
func cli(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(t.Context(), args, &out, &errb)
	return out.String(), errb.String() + errText(err), exitCode(err)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// terminal makes the given writers count as terminals for the rest of the test.
func terminal(t *testing.T, ws ...io.Writer) {
	prev := isTerminal
	isTerminal = func(w io.Writer) bool {
		for _, x := range ws {
			if w == x {
				return true
			}
		}
		return false
	}
	t.Cleanup(func() { isTerminal = prev })
}

func TestHelpListsEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		out, _, code := cli(t, args...)
		assert.Equal(t, 0, code, args)
		for _, c := range subcommands {
			assert.Regexp(t, `(?m)^  `+c.name+` +\S`, out, "%v lists %s with one line", args, c.name)
		}
	}
	_, errOut, code := cli(t)
	assert.Equal(t, 2, code, "no command is a usage error")
	assert.Contains(t, errOut, "commands:")
	_, errOut, code = cli(t, "reboot")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown command "reboot"`)
}

func TestEveryHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--help"}, {"serve", "-h"}, {"exec", "--help"}, {"operations", "--help"}, {"describe", "--help"},
		{"playbook", "--help"}, {"playbook", "run", "--help"}, {"playbook", "check", "--help"}, {"playbook", "collect", "--help"},
		{"simulate", "--help"}, {"version", "--help"}, {"help", "serve"}, {"help", "exec"},
	} {
		_, errOut, code := cli(t, args...)
		assert.Equal(t, 0, code, "%v: %s", args, errOut)
	}
	_, errOut, _ := cli(t, "help", "exec")
	assert.Contains(t, errOut, "usage: sentinelone-connector exec OPERATION [name=value ...]")
	assert.Contains(t, errOut, "-token-file")
}

func TestOperationsAndDescribe(t *testing.T) {
	m, err := app.LoadManifest(nil)
	require.NoError(t, err)
	out, _, code := cli(t, "operations")
	require.Equal(t, 0, code)
	assert.Regexp(t, `^NAME +TITLE +CATEGORY +ANNOTATION\n`, out)
	for _, op := range m.Operations {
		assert.Regexp(t, `(?m)^`+op.Name+` +`+regexp.QuoteMeta(op.Title)+` +`+op.Category+` +`+op.Annotation+`$`, out)
	}
	out, _, code = cli(t, "operations", "--json")
	require.Equal(t, 0, code)
	var rows []map[string]string
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	assert.Len(t, rows, len(m.Operations))

	out, _, code = cli(t, "describe", "get_agents")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "get_agents: Get Agents (category investigation, annotation list_agents)")
	assert.Contains(t, out, "\n  isActive (select; optional; default \"Any\"; options: Any, true, false)\n")
	assert.Contains(t, out, "\n  networkStatuses (multiselect; optional; options: ")
	assert.Contains(t, out, "on the command line: a,b")
	out, _, code = cli(t, "describe", "commission_agent")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "\n  agent_id (text; optional)\n")

	_, errOut, code := cli(t, "describe", "get_agent")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `has no operation "get_agent"; closest: get_agents, get_agent_count, get_agent_details`)
	_, _, code = cli(t, "describe")
	assert.Equal(t, 2, code)
}

func TestExecInProcessOnTheSimulator(t *testing.T) {
	out, errOut, code := cli(t, "exec", "get_agent_count", "--dev")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, `{"data":{"count":176},"message":"","operation":"get_agent_count","status":"Success"}`+"\n", out,
		"compact, one line, when stdout is not a terminal")

	out, errOut, code = cli(t, "exec", "--dev", "get_agents", "limit=3", "networkStatuses=connected, disconnected", "includeDecommissioned=true")
	require.Equal(t, 0, code, errOut)
	var env struct {
		Data   []map[string]any
		Status string
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env))
	assert.Len(t, env.Data, 3)

	out, _, code = cli(t, "exec", "--dev", "get_agents", "computerName=FIN")
	assert.Equal(t, 1, code, "a failed answer is exit status 1")
	assert.Contains(t, out, `"status":"failed"`)
	assert.Contains(t, out, `computerName: unknown parameter (did you mean \"computerName__like\"?)`)

	out, _, code = cli(t, "exec", "--dev", "get_agents", "--params", `{"ids":"1418295327109300133","limit":"1"}`)
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, `"id":"1418295327109300133"`)

	var stdout bytes.Buffer
	terminal(t, &stdout)
	require.NoError(t, run(t.Context(), []string{"exec", "--dev", "get_agent_count"}, &stdout, io.Discard))
	assert.Equal(t, "{\n  \"data\": {\n    \"count\": 176\n  },\n  \"message\": \"\",\n  \"operation\": \"get_agent_count\",\n  \"status\": \"Success\"\n}\n",
		stdout.String(), "indented on a terminal")
}

func TestExecUsageErrors(t *testing.T) {
	t.Setenv("CONNECTOR_DATA_DIR", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"exec"}, "name the OPERATION"},
		{[]string{"exec", "get_agent", "--dev"}, `closest: get_agents, get_agent_count, get_agent_details`},
		{[]string{"exec", "get_agents", "--dev", "limit"}, `want name=value, got "limit"`},
		{[]string{"exec", "get_agents", "--dev", "limit=1", "limit=2"}, `parameter "limit" is given twice`},
		{[]string{"exec", "get_agents", "--dev", "--params", "[1]"}, "--params must be a JSON object"},
		{[]string{"exec", "get_agents"}, "say where to run: --server URL, --data-dir DIR, --store URL or --dev"},
		{[]string{"exec", "get_agents", "--dev", "--server", "http://127.0.0.1:1"}, "exclude each other"},
		{[]string{"exec", "get_agents", "--bogus"}, "flag provided but not defined: -bogus"},
	} {
		_, errOut, code := cli(t, tc.args...)
		assert.Equal(t, 2, code, "%v: %s", tc.args, errOut)
		assert.Contains(t, errOut, tc.want, tc.args)
	}
}

// TestExecInProcessOnADataDir runs an operation on a stored configuration, without a server.
func TestExecInProcessOnADataDir(t *testing.T) {
	sim, err := s1sim.Start(s1sim.Options{Agents: 30, Threats: 3})
	require.NoError(t, err)
	defer sim.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "sim.pem")
	require.NoError(t, os.WriteFile(ca, sim.CertPEM(), 0o600))
	env := map[string]string{operations.EnvHost: sim.URL, operations.EnvAPIToken: s1sim.AdminAPIToken, operations.EnvConfigName: "lab"}
	a, err := app.New(context.Background(), app.Options{DataDir: dir, Getenv: func(k string) string { return env[k] }})
	require.NoError(t, err)
	require.NoError(t, a.Close())

	out, errOut, code := cli(t, "exec", "get_agent_count", "--data-dir", dir, "--ca-bundle", ca, "--config", "lab", "includeDecommissioned=true")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, `{"data":{"count":30},"message":"","operation":"get_agent_count","status":"Success"}`+"\n", out)

	out, _, code = cli(t, "exec", "get_agent_count", "--data-dir", dir, "--config", "lab")
	assert.Equal(t, 1, code, "without the CA the console is not trusted")
	assert.Contains(t, out, "TLS connection to")
	out, _, code = cli(t, "exec", "get_agent_count", "--data-dir", dir, "--config", "nope")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, `INTEGRATION-12: Could not find a connector configuration with id or name \"nope\"`)
}

// serveDev starts serve --dev in process and returns its address, token and simulator URL.
func serveDev(t *testing.T, dataDir string, extra ...string) (addr, token, simURL string, stop func()) {
	t.Helper()
	t.Setenv("CONNECTOR_API_TOKEN", "")
	ctx, cancel := context.WithCancel(context.Background())
	stdout := newSyncBuffer()
	done := make(chan error, 1)
	args := append([]string{"serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--log-format", "json"}, extra...)
	go func() {
		done <- run(ctx, args, stdout, io.Discard)
		stdout.w.Close()
	}()
	addr = stdout.next(t, regexp.MustCompile(`listening on http://(\S+)`))[1]
	token = stdout.next(t, regexp.MustCompile(`API token \(generated for this run\): (\S+)`))[1]
	simURL = stdout.next(t, regexp.MustCompile(`SentinelOne simulator at (\S+)`))[1]
	cert := stdout.next(t, regexp.MustCompile(`^  certificate: +(\S+) \(kept across runs`))[1]
	assert.Equal(t, filepath.Join(dataDir, simCertName), cert)
	creds := stdout.next(t, regexp.MustCompile(`^  demo credentials: (.*)`))[1]
	assert.Contains(t, creds, s1sim.AdminUser+" / "+s1sim.AdminPassword)
	control := stdout.next(t, regexp.MustCompile(`^  control endpoint: (\S+),`))[1]
	assert.Equal(t, simURL+"/_sim/faults", control)
	go func() { // keep draining
		for range stdout.lines {
		}
	}()
	return addr, token, simURL, func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not stop")
		}
	}
}

func TestExecAgainstARunningServer(t *testing.T) {
	dir := t.TempDir()
	addr, _, _, stop := serveDev(t, dir, "--sim-listen", "127.0.0.1:0", "--sim-agents", "700")
	defer stop()
	server := "http://" + addr
	tokenFile := filepath.Join(dir, "api-token")

	out, errOut, code := cli(t, "exec", "get_agent_count", "--server", server, "--token-file", tokenFile, "--config", app.DevConfigName)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, `"operation":"get_agent_count","status":"Success"}`)

	out, _, code = cli(t, "exec", "get_agent_count", "--server", server)
	assert.Equal(t, 1, code, "refused without the token")
	assert.Contains(t, out, `"status":"failed"`)
	assert.Contains(t, out, "authentication required")

	t.Setenv("CONNECTOR_API_TOKEN", strings.TrimSpace(readFile(t, tokenFile)))
	out, _, code = cli(t, "exec", "get_threat_details", "--server", server, "threat_id=1")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, `threat 1 not found`)

	// progress on stderr, when it is a terminal
	var stdout, stderr bytes.Buffer
	terminal(t, &stderr)
	err := run(t.Context(), []string{"exec", "get_agents", "--server", server, "limit=600", "includeDecommissioned=true"}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	var env struct{ Data []json.RawMessage }
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &env))
	assert.Len(t, env.Data, 600)
	assert.Contains(t, stderr.String(), "\rget_agents: 250 items, ")
	assert.Contains(t, stderr.String(), "\rget_agents: 500 items, ")
	assert.Regexp(t, `\rget_agents: 600 items, \d+\.\d MB received\n$`, stderr.String())

	stderr.Reset()
	terminal(t)
	require.NoError(t, run(t.Context(), []string{"exec", "get_agents", "--server", server, "limit=600"}, io.Discard, &stderr))
	assert.Empty(t, stderr.String(), "no progress when stderr is not a terminal")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestExecOnTheDataDirOfARunningServer(t *testing.T) {
	dir := t.TempDir()
	_, _, _, stop := serveDev(t, dir, "--sim-listen", "127.0.0.1:0")
	defer stop()
	_, errOut, code := cli(t, "exec", "get_agent_count", "--data-dir", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "another process holds its lock")
	assert.Contains(t, errOut, "send the operation to it with --server")
}
