package playbook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

type cliRun struct {
	stdout, stderr bytes.Buffer
	cli            *playbook.CLI
	inProcess      int // times InProcess was called
}

func newCLI(t *testing.T, env map[string]string) *cliRun {
	t.Helper()
	r := &cliRun{}
	r.cli = &playbook.CLI{
		Stdout: &r.stdout, Stderr: &r.stderr,
		Getenv: func(k string) string { return env[k] },
		InProcess: func(context.Context) (playbook.Executor, func(), error) {
			r.inProcess++
			a := devApp(t)
			return a.Connector, func() {}, nil
		},
		Checker: func() (*playbook.Checker, error) {
			return playbook.NewChecker(manifest(t), operations.Destructive(), schemaJSON(t))
		},
	}
	return r
}

// copyPlaybooks copies the bundled playbook files (and the collection) into a temp dir.
func copyPlaybooks(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join(playbooksDir, "*.json"))
	require.NoError(t, err)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(f)), raw, 0o644))
	}
	return dir
}

// decodeAll decodes the stream of JSON step results the run command prints.
func decodeAll(t *testing.T, r io.Reader) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var out []map[string]any
	for dec.More() {
		var v map[string]any
		require.NoError(t, dec.Decode(&v))
		out = append(out, v)
	}
	return out
}

func TestCLICollect(t *testing.T) {
	dir := copyPlaybooks(t)
	committed, err := os.ReadFile(filepath.Join(dir, playbook.CollectionFile))
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Join(dir, playbook.CollectionFile)))

	out := filepath.Join(dir, playbook.CollectionFile)
	r := newCLI(t, nil)
	require.NoError(t, r.cli.Run(context.Background(), []string{"collect", "--dir", dir, "--out", out}))
	written, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, string(committed), string(written), "collect reproduces the committed collection byte for byte")
	require.NoError(t, r.cli.Run(context.Background(), []string{"collect", "--dir", dir, "--out", out, "--check"}))

	var d map[string]any
	raw, err := os.ReadFile(filepath.Join(dir, "shutdown-agent.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &d))
	d["description"] = "Shuts them down."
	raw, err = json.Marshal(d)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shutdown-agent.json"), raw, 0o644))
	err = r.cli.Run(context.Background(), []string{"collect", "--dir", dir, "--out", out, "--check"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is out of date: run `make playbooks`")
	after, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, written, after, "--check writes nothing")

	require.NoError(t, r.cli.Run(context.Background(), []string{"collect", "--dir", dir, "--out", out}))
	after, err = os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(after), `"description": "Shuts them down."`)
}

func TestCLICheck(t *testing.T) {
	dir := copyPlaybooks(t)
	r := newCLI(t, nil)
	require.NoError(t, r.cli.Run(context.Background(), []string{"check", "--dir", dir}))
	assert.Contains(t, r.stdout.String(), "all playbooks valid")

	var d map[string]any
	raw, err := os.ReadFile(filepath.Join(dir, "get-agents.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &d))
	d["steps"].([]any)[1].(map[string]any)["arguments"].(map[string]any)["operation"] = "list_agents"
	raw, err = json.Marshal(d)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "get-agents.json"), raw, 0o644))
	err = r.cli.Run(context.Background(), []string{"check", "--dir", dir})
	require.Error(t, err)
	assert.Contains(t, r.stderr.String(), `get-agents.json: Get Agents: step Get Agents: connector sentinelone has no operation "list_agents"`)
	assert.Contains(t, r.stderr.String(), "playbooks.json: out of date with the playbook files: run `make playbooks`")
}

func TestCLIRunInProcess(t *testing.T) {
	r := newCLI(t, nil)
	file := filepath.Join(playbooksDir, "get-agent-count.json")
	require.NoError(t, r.cli.Run(context.Background(), []string{"run", file, "--input", "computer_name=zzz-no-such-host"}))
	assert.Equal(t, 1, r.inProcess)
	results := decodeAll(t, &r.stdout)
	require.Len(t, results, 2)
	assert.Equal(t, "Start", results[0]["step"])
	assert.Equal(t, "Get Agent Count", results[1]["step"])
	assert.Equal(t, "get_agent_count", results[1]["operation"])
	assert.Equal(t, map[string]any{"data": map[string]any{"count": json.Number("0")}, "message": "", "operation": "get_agent_count", "status": "Success"}, results[1]["output"])
}

func TestCLIRunAgainstServer(t *testing.T) {
	const token = "cli-test-bearer-token"
	a := devApp(t)
	var mu sync.Mutex
	var auths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		auths = append(auths, req.Header.Get("Authorization"))
		mu.Unlock()
		a.Server.Handler().ServeHTTP(w, req)
	}))
	defer srv.Close()
	f := fleet{sim: a.Sim.Sim}
	target := f.agent(t, 0)

	r := newCLI(t, map[string]string{"CONNECTOR_API_TOKEN": token})
	args := []string{"run", "--server", srv.URL, filepath.Join(playbooksDir, playbook.CollectionFile),
		"--name", "Isolate Agent Network", "--input", "agent_ids=" + target.ID, "--config", "simulator"}
	require.NoError(t, r.cli.Run(context.Background(), args))
	assert.Zero(t, r.inProcess, "--server never starts an in-process connector")
	assert.Equal(t, []string{"Bearer " + token}, auths)
	assert.Equal(t, "disconnected", f.agentNow(t, target.ID).NetworkStatus)
	results := decodeAll(t, &r.stdout)
	require.Len(t, results, 2)
	out := results[1]["output"].(map[string]any)
	assert.Equal(t, "Success", out["status"])
	assert.NotContains(t, r.stdout.String()+r.stderr.String(), token)

	// An unknown configuration fails with FortiSOAR's message.
	r = newCLI(t, nil)
	err := r.cli.Run(context.Background(), []string{"run", filepath.Join(playbooksDir, "get-agents.json"), "--server", srv.URL, "--config", "prod"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "INTEGRATION-12: Could not find a connector configuration")
}

func TestCLIRunRejectsBeforeRunning(t *testing.T) {
	var requests int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests++
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	isolate := filepath.Join(playbooksDir, "isolate-agent-network.json")
	collection := filepath.Join(playbooksDir, playbook.CollectionFile)
	tests := []struct {
		name    string
		give    []string
		wantErr string
	}{
		{"missing required input", []string{"run", isolate}, `workflow "Isolate Agent Network": missing required input(s): agent_ids`},
		{"unknown input", []string{"run", isolate, "--input", "agent_ids=1", "--input", "agent_id=2"}, "unknown input(s): agent_id"},
		{"input not among its options", []string{"run", filepath.Join(playbooksDir, "mitigate-threat.json"), "--input", "threat_ids=1", "--input", "action=Explode"},
			`invalid input(s): action: "Explode" is not one of ["Kill" "Quarantine" "Un-Quarantine" "Remediate" "Rollback-Remediation"]`},
		{"input without value", []string{"run", isolate, "--input", "agent_ids"}, "want NAME=VALUE"},
		{"input twice", []string{"run", isolate, "--input", "agent_ids=1", "--input", "agent_ids=2"}, `input "agent_ids" given twice`},
		{"no file", []string{"run", "--input", "agent_ids=1"}, "want exactly one FILE, got 0"},
		{"two files", []string{"run", isolate, isolate}, "want exactly one FILE, got 2"},
		{"collection without name", []string{"run", collection}, "is a collection: choose a playbook with --name"},
		{"collection without that name", []string{"run", collection, "--name", "Isolate Agent"}, `has no playbook named "Isolate Agent"`},
		{"bad server URL", []string{"run", isolate, "--input", "agent_ids=1", "--server", "127.0.0.1:8787"}, "server URL"},
		{"unknown subcommand", []string{"import"}, `unknown subcommand "import"`},
		{"no subcommand", nil, "missing subcommand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newCLI(t, nil)
			args := tt.give
			if len(args) > 0 && args[0] == "run" && tt.name != "bad server URL" {
				args = append(args, "--server", srv.URL)
			}
			err := r.cli.Run(context.Background(), args)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Zero(t, requests, "nothing reached the server")
			assert.Zero(t, r.inProcess)
			assert.Empty(t, r.stdout.String())
		})
	}
}
