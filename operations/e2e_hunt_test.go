package operations_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// huntInterval is the query-start spacing of the hunt tests, for both the simulator's
// init-query limit and the connector's pacer: short so the suite stays fast.
const huntInterval = 200 * time.Millisecond

// newHuntHarness is newHarness with the simulator's init limit and the connector's pacer set
// to huntInterval and the query state step to step.
func newHuntHarness(t *testing.T, m mode, step time.Duration) *harness {
	t.Helper()
	// The simulator's limit is below the pacer's interval so that network jitter between two
	// paced starts cannot make a 429; a start sent too soon would still get one.
	sim, err := s1sim.Start(s1sim.Options{Agents: 20, Threats: 10, QueryStep: step, QueryInitInterval: huntInterval / 2})
	require.NoError(t, err)
	values := map[string]any{"host_name": sim.URL, "api_version": m.version, "verify_ssl": true}
	if m.token {
		values["api_token"] = s1sim.AdminAPIToken
	} else {
		values["username"], values["password"] = s1sim.AdminUser, s1sim.AdminPassword
	}
	cfg := &connector.Config{ID: "11111111-1111-4111-8111-111111111111", Name: "tenant", Default: true, Values: values}
	opts := operationsClientOptions(sim)
	opts.QueryStartInterval = huntInterval
	a, err := app.New(context.Background(), app.Options{Configs: connector.NewStaticConfigs(cfg), Client: opts})
	require.NoError(t, err)
	ts := httptest.NewServer(a.Server.Handler())
	t.Cleanup(func() {
		ts.Close()
		_ = a.Close()
		_ = sim.Close()
	})
	return &harness{t: t, sim: sim, app: a, url: ts.URL, version: m.version}
}

var huntRange = map[string]any{"from_date": "2025-01-01T00:00:00Z", "to_date": "2027-01-01T00:00:00Z"}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestRunQueryFinishesThroughTheStates(t *testing.T) {
	for _, m := range []mode{{"2.1", true}, {"2.0", false}} {
		t.Run(m.String(), func(t *testing.T) {
			h := newHuntHarness(t, m, 20*time.Millisecond)
			th := h.sim.Sim.Threats()[0]
			var out struct {
				QueryID       string           `json:"query_id"`
				Count         int              `json:"count"`
				ResponseState string           `json:"response_state"`
				Events        []map[string]any `json:"events"`
			}
			h.ok("run_query", with(huntRange, "query", `SrcProcImageSha1 = "`+th.SHA1+`"`), &out)
			require.Equal(t, "FINISHED", out.ResponseState)
			require.NotZero(t, out.Count)
			for _, e := range out.Events {
				require.Equal(t, th.SHA1, e["processImageSha1Hash"])
			}
			require.Equal(t, "FINISHED", h.sim.Sim.QueryState(out.QueryID))
			var byType struct {
				Count int `json:"count"`
			}
			h.ok("get_events_by_type", map[string]any{"query_id": out.QueryID, "event_type": "file"}, &byType)
			require.Zero(t, byType.Count, "the hash query selects process events only")
		})
	}
}

func TestRunQueryTimesOutWithTheIDAndCancelStopsIt(t *testing.T) {
	h := newHuntHarness(t, mode{"2.1", true}, time.Hour)
	status, msg := h.fail("run_query", with(huntRange, "query", `EventType = "DNS Resolved"`, "wait_seconds", 1))
	require.Equal(t, http.StatusGatewayTimeout, status, msg)
	i := strings.Index(msg, "query q")
	require.GreaterOrEqual(t, i, 0, msg)
	id := strings.Fields(msg[i+len("query "):])[0]
	require.Contains(t, msg, "get_query_status")
	var st struct {
		ResponseState string `json:"response_state"`
	}
	h.ok("get_query_status", map[string]any{"query_id": id}, &st)
	require.Equal(t, "RUNNING", st.ResponseState)
	h.ok("cancel_running_query", map[string]any{"query_id": id}, &st)
	require.Equal(t, "QUERY_CANCELLED", st.ResponseState)
	require.Equal(t, "QUERY_CANCELLED", h.sim.Sim.QueryState(id))
}

func TestFiveQueryStartsArePacedNoneFails(t *testing.T) {
	h := newHuntHarness(t, mode{"2.1", true}, 10*time.Millisecond)
	for range 5 {
		var out struct {
			QueryID string `json:"query_id"`
		}
		h.ok("create_query", with(huntRange, "query", `EventType = "IP Connect"`), &out)
		require.NotEmpty(t, out.QueryID)
	}
	inits := h.sim.Sim.QueryInits()
	require.Len(t, inits, 5)
	require.GreaterOrEqual(t, inits[4].Sub(inits[0]), 4*huntInterval-huntInterval/2, "the starts were spaced by the pacer (arrival jitter allowed)")
	sent := 0
	for _, r := range h.sim.Sim.Requests() {
		if strings.HasSuffix(r.Path, "/dv/init-query") {
			sent++
		}
	}
	require.Equal(t, 5, sent, "no start was refused with 429 and retried")
}

func TestFetchedFileMatchesTheSimulatorAndTheCapRefuses(t *testing.T) {
	h := newHuntHarness(t, mode{"2.1", false}, 10*time.Millisecond)
	agent := h.sim.Sim.Agents()[0]
	const pw = "Hunt-Zip-Pass-1!"
	var out struct {
		Affected int `json:"affected"`
		Files    []struct {
			AgentID       string   `json:"agent_id"`
			Name          string   `json:"name"`
			Size          int      `json:"size"`
			SHA256        string   `json:"sha256"`
			ContentBase64 string   `json:"content_base64"`
			Password      string   `json:"password"`
			Members       []string `json:"members"`
		} `json:"files"`
	}
	h.ok("fetch_files_from_agent", map[string]any{"ids": agent.ID, "files": `C:\Users\a\report.docx`, "password": pw, "download": true}, &out)
	require.Len(t, out.Files, 1)
	f := out.Files[0]
	var up s1sim.Upload
	for _, u := range h.sim.Sim.Uploads() {
		if u.AgentID == agent.ID {
			up = u
		}
	}
	require.Equal(t, up.SHA256, f.SHA256)
	raw, err := base64.StdEncoding.DecodeString(f.ContentBase64)
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	require.Equal(t, f.SHA256, hex.EncodeToString(sum[:]))
	require.Equal(t, len(up.Zip), f.Size)
	require.Equal(t, pw, f.Password)
	require.Equal(t, up.Members, f.Members, "the zip's members are named")
	require.Equal(t, []string{"Users/a/report.docx", "manifest.json"}, f.Members)

	// The guard: a filter that selects every agent is refused before any request for files.
	_, msg := h.fail("fetch_files_from_agent", map[string]any{"computerName__like": "-", "files": "/etc/hosts", "password": pw})
	require.Contains(t, msg, "max_targets")
	var dry struct {
		DryRun bool     `json:"dry_run"`
		IDs    []string `json:"ids"`
	}
	h.ok("fetch_files_from_agent", map[string]any{"ids": agent.ID, "files": "/etc/hosts", "password": pw, "dry_run": true, "download": true}, &dry)
	require.True(t, dry.DryRun)
	require.Equal(t, []string{agent.ID}, dry.IDs)
	require.Len(t, h.sim.Sim.Uploads(), 1, "neither the refusal nor the dry run asked for files")

	status, msg := h.fail("download_from_cloud", map[string]any{"threat_id": h.sim.Sim.Threats()[0].ID, "max_file_bytes": 10})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, msg, "larger than the size cap")
	require.Contains(t, msg, "max_file_bytes")

	var tf struct {
		File struct {
			SHA256 string `json:"sha256"`
		} `json:"file"`
	}
	h.ok("fetch_threat_file", map[string]any{"threat_id": h.sim.Sim.Threats()[1].ID, "password": pw}, &tf)
	require.Len(t, tf.File.SHA256, 64)

	status, msg = h.fail("fetch_files_from_agent", map[string]any{"ids": agent.ID, "files": "/etc/hosts", "password": "short"})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, msg, "password")
}

func TestRemoteScriptRunAndWaitAndGuard(t *testing.T) {
	h := newHuntHarness(t, mode{"2.1", true}, 10*time.Millisecond)
	var scripts struct {
		Scripts []struct {
			ID string `json:"id"`
		} `json:"scripts"`
	}
	h.ok("get_remote_scripts", nil, &scripts)
	require.NotEmpty(t, scripts.Scripts)
	_, msg := h.fail("run_remote_script", map[string]any{"computerName__like": "-", "script_id": scripts.Scripts[0].ID})
	require.Contains(t, msg, "max_targets")
	require.Empty(t, h.sim.Sim.ScriptTasks(), "the guard refused before any script ran")

	agents := h.sim.Sim.Agents()
	var out struct {
		Affected      int      `json:"affected"`
		ParentTaskIDs []string `json:"parent_task_ids"`
		Finished      bool     `json:"finished"`
		Tasks         []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"tasks"`
	}
	h.ok("run_remote_script", map[string]any{"ids": agents[0].ID + "," + agents[1].ID, "script_id": scripts.Scripts[0].ID, "wait_seconds": 30}, &out)
	require.Equal(t, 2, out.Affected)
	require.True(t, out.Finished)
	require.Len(t, out.Tasks, 2)
	var res struct {
		Files []struct {
			SHA256 string `json:"sha256"`
		} `json:"files"`
	}
	h.ok("get_remote_script_results", map[string]any{"task_ids": out.Tasks[0].ID, "download": true}, &res)
	require.Len(t, res.Files, 1)

	h20 := newHuntHarness(t, mode{"2.0", false}, 10*time.Millisecond)
	_, msg = h20.fail("run_remote_script", map[string]any{"ids": agents[0].ID, "script_id": scripts.Scripts[0].ID})
	require.Contains(t, msg, "run_remote_script needs SentinelOne API 2.1")
}

// TestHuntActionsTakeEndpoints: run_remote_script and fetch_files_from_agent select agents
// through the shared selection, so an agent named by hostname resolves like in every agent
// action.
func TestHuntActionsTakeEndpoints(t *testing.T) {
	h := newHuntHarness(t, mode{"2.1", true}, 10*time.Millisecond)
	names := map[string]int{}
	for _, a := range h.sim.Sim.Agents() {
		names[strings.ToLower(a.ComputerName)]++
	}
	var agent s1sim.Agent
	for _, a := range h.agents(live) {
		if names[strings.ToLower(a.ComputerName)] == 1 { // a hostname that names one agent
			agent = a
			break
		}
	}
	require.NotEmpty(t, agent.ID)
	var out struct {
		IDs []string `json:"ids"`
	}
	h.ok("run_remote_script", map[string]any{"endpoints": agent.ComputerName, "script_id": s1sim.RemoteScripts[0].ID, "dry_run": true}, &out)
	require.Equal(t, []string{agent.ID}, out.IDs)
	h.ok("fetch_files_from_agent", map[string]any{"endpoints": strings.ToLower(agent.ComputerName), "files": "/etc/hosts",
		"password": "Hunt-Zip-Pass-1!"}, &out)
	require.Equal(t, []string{agent.ID}, out.IDs)
	require.Len(t, h.sim.Sim.Uploads(), 1)
}
