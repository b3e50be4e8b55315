package s1sim

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const dvPath = "/web/api/v2.1/dv"

func startQuery(t *testing.T, e *env, q string) string {
	t.Helper()
	r := e.post(dvPath+"/init-query", map[string]any{"query": q, "fromDate": "2025-01-01T00:00:00Z", "toDate": "2027-01-01T00:00:00Z"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var out struct {
		Data struct {
			QueryID string `json:"queryId"`
		} `json:"data"`
	}
	r.json(t, &out)
	return out.Data.QueryID
}

func TestQueryMovesThroughItsStatesOnTheClock(t *testing.T) {
	e := newEnv(t, Options{Agents: 20, Threats: 10, QueryStep: time.Minute})
	clock := &fakeClock{now: fleetEpoch}
	e.sim.clock = clock.Now
	th := e.sim.Threats()[0]
	id := startQuery(t, e, `SrcProcImageSha1 = "`+th.SHA1+`" AND EventType in ("Process Creation")`)
	state := func() (string, int) {
		var out struct {
			Data struct {
				ResponseState  string `json:"responseState"`
				ProgressStatus int    `json:"progressStatus"`
			} `json:"data"`
		}
		e.get(dvPath+"/query-status", url.Values{"queryId": {id}}).json(t, &out)
		return out.Data.ResponseState, out.Data.ProgressStatus
	}
	st, p := state()
	assert.Equal(t, "RUNNING", st)
	assert.Zero(t, p)
	requireError(t, e.get(dvPath+"/events", url.Values{"queryId": {id}}), http.StatusBadRequest, codeValidation)
	clock.Advance(2 * time.Minute)
	st, p = state()
	assert.Equal(t, "RUNNING", st)
	assert.Equal(t, 66, p)
	clock.Advance(time.Minute)
	st, p = state()
	assert.Equal(t, "FINISHED", st)
	assert.Equal(t, 100, p)
	var evs struct {
		Data []Event `json:"data"`
	}
	e.get(dvPath+"/events", url.Values{"queryId": {id}}).json(t, &evs)
	require.NotEmpty(t, evs.Data)
	for _, ev := range evs.Data {
		assert.Equal(t, th.SHA1, ev.ProcessImageSha1Hash)
		assert.Equal(t, th.AgentID, ev.AgentID)
	}
	e.get(dvPath+"/events/dns", url.Values{"queryId": {id}}).json(t, &evs)
	assert.Empty(t, evs.Data, "the query selects process events only")
}

func TestCancelStopsARunningQuery(t *testing.T) {
	e := newEnv(t, Options{Agents: 5, Threats: 2, QueryStep: time.Hour})
	id := startQuery(t, e, `EventType = "IP Connect"`)
	require.Equal(t, http.StatusOK, e.post(dvPath+"/cancel-query", map[string]string{"queryId": id}).status)
	assert.Equal(t, "QUERY_CANCELLED", e.sim.QueryState(id))
}

func TestInitQueryLimitAndAuthBeforeValidation(t *testing.T) {
	e := newEnv(t, Options{Agents: 5, Threats: 2, QueryInitInterval: time.Minute})
	clock := &fakeClock{now: fleetEpoch}
	e.sim.clock = clock.Now
	startQuery(t, e, `EventType = "IP Connect"`)
	r := e.post(dvPath+"/init-query", map[string]any{"query": `EventType = "IP Connect"`, "fromDate": "a", "toDate": "b"})
	requireError(t, r, http.StatusTooManyRequests, 4290010)
	assert.Equal(t, "60", r.header.Get("Retry-After"))
	clock.Advance(time.Minute)
	startQuery(t, e, `EventType = "IP Connect"`)
	assert.Len(t, e.sim.QueryInits(), 2)

	requireError(t, e.do(http.MethodPost, dvPath+"/init-query", map[string]any{"query": "nonsense"}, "-"), http.StatusUnauthorized, 4010010)
	requireError(t, e.post(dvPath+"/init-query", map[string]any{"query": `Nope = "x"`, "fromDate": "a", "toDate": "b"}), http.StatusBadRequest, codeValidation)
	requireError(t, e.post(dvPath+"/init-query", map[string]any{"query": `EventType ~ "x"`, "fromDate": "a", "toDate": "b"}), http.StatusBadRequest, codeValidation)
}

func TestFetchedFilesAreProtectedZips(t *testing.T) {
	e := newEnv(t, Options{Agents: 5, Threats: 2})
	a := e.sim.Agents()[0]
	const pw = "Sim-Zip-Pass-1!"
	r := e.post("/web/api/v2.1/agents/"+a.ID+"/actions/fetch-files", map[string]any{"data": map[string]any{"files": []string{`C:\x\a.txt`}, "password": pw}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var acts struct {
		Data []struct {
			ActivityType int `json:"activityType"`
			Data         struct {
				DownloadURL string `json:"downloadUrl"`
			} `json:"data"`
		} `json:"data"`
	}
	e.get("/web/api/v2.1/activities", url.Values{"agentIds": {a.ID}, "activityTypes": {"80"}}).json(t, &acts)
	require.Len(t, acts.Data, 1)
	z := e.get(acts.Data[0].Data.DownloadURL, nil)
	require.Equal(t, http.StatusOK, z.status)
	sum := sha256.Sum256(z.body)
	ups := e.sim.Uploads()
	require.Len(t, ups, 1)
	assert.Equal(t, ups[0].SHA256, hex.EncodeToString(sum[:]))

	zr, err := zip.NewReader(bytes.NewReader(z.body), int64(len(z.body)))
	require.NoError(t, err)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		assert.Equal(t, uint16(1), f.Flags&1, "%s is encrypted", f.Name)
		raw, err := f.OpenRaw()
		require.NoError(t, err)
		enc, err := io.ReadAll(raw)
		require.NoError(t, err)
		plain := zipDecrypt(pw, enc)
		if f.Name == "x/a.txt" {
			assert.True(t, strings.HasPrefix(string(plain), `contents of C:\x\a.txt`), "%q", plain)
		}
		assert.NotEqual(t, plain, zipDecrypt("Wrong-Pass-1!", enc))
	}
	assert.Equal(t, []string{"x/a.txt", "manifest.json"}, names)
}

func TestRemoteScriptTasksProgress(t *testing.T) {
	e := newEnv(t, Options{Agents: 5, Threats: 2, QueryStep: time.Minute})
	clock := &fakeClock{now: fleetEpoch}
	e.sim.clock = clock.Now
	ag := e.sim.Agents()
	r := e.post("/web/api/v2.1/remote-scripts/execute", map[string]any{"filter": map[string]any{"ids": []string{ag[0].ID, ag[1].ID}},
		"data": map[string]any{"scriptId": RemoteScripts[0].ID, "outputDestination": "SentinelCloud", "taskDescription": "t"}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var run struct {
		Data struct {
			Affected     int    `json:"affected"`
			ParentTaskID string `json:"parentTaskId"`
		} `json:"data"`
	}
	r.json(t, &run)
	assert.Equal(t, 2, run.Data.Affected)
	status := func() []string {
		var out struct {
			Data []ScriptTask `json:"data"`
		}
		e.get("/web/api/v2.1/remote-scripts/status", url.Values{"parentTaskId": {run.Data.ParentTaskID}}).json(t, &out)
		var s []string
		for _, t := range out.Data {
			s = append(s, t.Status)
		}
		return s
	}
	assert.Equal(t, []string{"pending", "pending"}, status())
	clock.Advance(time.Minute)
	assert.Equal(t, []string{"in_progress", "in_progress"}, status())
	clock.Advance(time.Minute)
	assert.Equal(t, []string{"completed", "completed"}, status())
	assert.Equal(t, http.StatusNotFound, e.get("/web/api/v2.0/remote-scripts", nil).status, "RemoteOps is 2.1 only")
}
