package s1sim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// RemoteScript is one script of the RemoteOps library, as GET /remote-scripts returns it.
type RemoteScript struct {
	ID                string   `json:"id"`
	ScriptName        string   `json:"scriptName"`
	ScriptType        string   `json:"scriptType"`
	ScriptDescription string   `json:"scriptDescription"`
	OSTypes           []string `json:"osTypes"`
	FileName          string   `json:"fileName"`
	InputRequired     bool     `json:"inputRequired"`
	InputExample      string   `json:"inputExample"`
	Creator           string   `json:"creator"`
	CreatedAt         string   `json:"createdAt"`
	UpdatedAt         string   `json:"updatedAt"`
}

// RemoteScripts is the simulator's script library.
var RemoteScripts = []RemoteScript{
	{ID: "1600000000000000001", ScriptName: "Collect running processes", ScriptType: "dataCollection", ScriptDescription: "Lists the running processes",
		OSTypes: []string{"windows", "macos", "linux"}, FileName: "processes.sh", Creator: "SentinelOne", CreatedAt: "2025-06-01T10:00:00.000000Z", UpdatedAt: "2025-06-01T10:00:00.000000Z"},
	{ID: "1600000000000000002", ScriptName: "Collect file hashes", ScriptType: "dataCollection", ScriptDescription: "Hashes the files under a directory",
		OSTypes: []string{"windows", "macos", "linux"}, FileName: "hashes.sh", InputRequired: true, InputExample: "/tmp", Creator: "SentinelOne",
		CreatedAt: "2025-06-01T10:00:00.000000Z", UpdatedAt: "2025-06-01T10:00:00.000000Z"},
}

// ScriptTask is one agent's task of a remote-script run, as GET /remote-scripts/status
// returns it (status moves pending → in_progress → completed over Options.QueryStep).
type ScriptTask struct {
	ID                string `json:"id"`
	ParentTaskID      string `json:"parentTaskId"`
	AgentID           string `json:"agentId"`
	AgentComputerName string `json:"agentComputerName"`
	AgentOSType       string `json:"agentOsType"`
	ScriptName        string `json:"scriptName"`
	Type              string `json:"type"`
	Status            string `json:"status"`
	DetailedStatus    string `json:"detailedStatus"`
	CreatedAt         string `json:"createdAt"`
	UpdatedAt         string `json:"updatedAt"`
	Input             string `json:"-"`
	started           time.Time
}

// Upload is a file the console holds for download: a password-protected zip.
type Upload struct {
	ActivityID string
	AgentID    string
	FileName   string
	Password   string
	Members    []string
	Zip        []byte
	SHA256     string
}

// Upload returns the file of an upload activity.
func (s *Simulator) Upload(activityID string) (Upload, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.hunt.uploads[activityID]
	return u, ok
}

// Uploads returns every upload, in no order.
func (s *Simulator) Uploads() []Upload {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Upload
	for _, u := range s.hunt.uploads {
		out = append(out, u)
	}
	return out
}

// ScriptTasks returns every remote-script task with its status now.
func (s *Simulator) ScriptTasks() []ScriptTask {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]ScriptTask, len(s.hunt.tasks))
	for i := range s.hunt.tasks {
		out[i] = s.taskNow(s.hunt.tasks[i])
	}
	return out
}

func (s *Simulator) taskNow(t ScriptTask) ScriptTask {
	switch n := int(s.clock().Sub(t.started) / s.step()); {
	case n < 1:
		t.Status, t.DetailedStatus = "pending", "Pending"
	case n < 2:
		t.Status, t.DetailedStatus = "in_progress", "In progress"
	default:
		t.Status, t.DetailedStatus = "completed", "Completed"
		t.UpdatedAt = stamp(t.started.Add(2 * s.step()))
	}
	return t
}

func scriptID(r *RemoteScript) string { return r.ID }
func taskID(t *ScriptTask) string     { return t.ID }

func (s *Simulator) listScripts(w http.ResponseWriter, r *http.Request, _ *call) {
	p, err := parsePage(r.URL.Query(), "script_id")
	if err != nil {
		writeErr(w, err)
		return
	}
	page, total, next := paginate(RemoteScripts, scriptID, nil, p, "script_id")
	writeList(w, page, total, next)
}

// executeScript serves POST /remote-scripts/execute: one task per matching agent.
func (s *Simulator) executeScript(w http.ResponseWriter, _ *http.Request, c *call) {
	var in struct {
		Filter json.RawMessage `json:"filter"`
		Data   struct {
			ScriptID          string `json:"scriptId"`
			OutputDestination string `json:"outputDestination"`
			TaskDescription   string `json:"taskDescription"`
			InputParams       string `json:"inputParams"`
		} `json:"data"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil {
		writeValidation(w, validationf("body: %v", err))
		return
	}
	raw, _, _, err := parseAction(c.body)
	if err != nil {
		writeErr(w, err)
		return
	}
	var script *RemoteScript
	for i := range RemoteScripts {
		if RemoteScripts[i].ID == in.Data.ScriptID {
			script = &RemoteScripts[i]
		}
	}
	switch {
	case script == nil:
		writeValidation(w, validationf("data.scriptId %q is not a script of the library", in.Data.ScriptID))
		return
	case in.Data.TaskDescription == "":
		writeValidation(w, validationf("data.taskDescription is required"))
		return
	case !map[string]bool{"SentinelCloud": true, "Local": true, "DataSetCloud": true, "None": true}[in.Data.OutputDestination]:
		writeValidation(w, validationf("data.outputDestination must be SentinelCloud, Local, DataSetCloud or None"))
		return
	}
	preds, err := compileAgentFilter(raw, s.opts.SupportIDsNin)
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	parent := s.hunt.newID()
	n := 0
	for i := range s.fleet.agents {
		a := &s.fleet.agents[i]
		if !match(preds, a) {
			continue
		}
		n++
		s.hunt.tasks = append(s.hunt.tasks, ScriptTask{ID: s.hunt.newID(), ParentTaskID: parent, AgentID: a.ID, AgentComputerName: a.ComputerName,
			AgentOSType: a.OSType, ScriptName: script.ScriptName, Type: "script_execution", CreatedAt: stamp(now), UpdatedAt: stamp(now),
			Input: in.Data.InputParams, started: now})
	}
	writeData(w, map[string]any{"affected": n, "parentTaskId": parent, "pending": false, "pendingExecutionId": nil})
}

// scriptStatus serves GET /remote-scripts/status?parentTaskId=.
func (s *Simulator) scriptStatus(w http.ResponseWriter, r *http.Request, _ *call) {
	p, err := parsePage(r.URL.Query(), "task_id")
	if err != nil {
		writeErr(w, err)
		return
	}
	parent := r.URL.Query().Get("parentTaskId")
	if parent == "" {
		writeValidation(w, validationf("parentTaskId is required"))
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var tasks []ScriptTask
	for _, t := range s.hunt.tasks {
		if t.ParentTaskID == parent {
			tasks = append(tasks, s.taskNow(t))
		}
	}
	page, total, next := paginate(tasks, taskID, nil, p, "task_id")
	writeList(w, page, total, next)
}

// scriptFiles serves POST /remote-scripts/fetch-files: a link per completed task.
func (s *Simulator) scriptFiles(w http.ResponseWriter, _ *http.Request, c *call) {
	var in struct {
		Data struct {
			TaskIDs []string `json:"taskIds"`
		} `json:"data"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil || len(in.Data.TaskIDs) == 0 {
		writeValidation(w, validationf("data.taskIds is required"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	links := []map[string]string{}
	for _, id := range in.Data.TaskIDs {
		for _, t := range s.hunt.tasks {
			if t.ID != id || s.taskNow(t).Status != "completed" {
				continue
			}
			out := fmt.Sprintf("script %s on %s\ninput: %s\nexit code 0\n", t.ScriptName, t.AgentComputerName, t.Input)
			u := s.addUpload(t.AgentID, t.ID+".zip", "", []zipFile{{name: "output.txt", data: []byte(out)}}, id)
			links = append(links, map[string]string{"taskId": t.ID, "fileName": u.FileName, "downloadUrl": "/web/api/v2.1/agents/" + t.AgentID + "/uploads/" + u.ActivityID})
		}
	}
	writeData(w, map[string]any{"download_links": links, "errors": []any{}})
}

// addUpload stores a zip for download and logs its file-upload activity; callers hold mu.
// A fixed id (a task's) makes repeated asks return the same file.
func (s *Simulator) addUpload(agentID, name, password string, files []zipFile, id string) Upload {
	if s.hunt.uploads == nil {
		s.hunt.uploads = map[string]Upload{}
	}
	if id == "" {
		id = s.hunt.newID()
	}
	if u, ok := s.hunt.uploads[id]; ok {
		return u
	}
	var z []byte
	var err error
	if password == "" {
		z, err = plainZip(files)
	} else {
		z, err = protectedZip(password, files)
	}
	if err != nil {
		panic(err) // writing to memory cannot fail
	}
	sum := sha256.Sum256(z)
	u := Upload{ActivityID: id, AgentID: agentID, FileName: name, Password: password, Zip: z, SHA256: hex.EncodeToString(sum[:])}
	for _, f := range files {
		u.Members = append(u.Members, f.name)
	}
	s.hunt.uploads[id] = u
	if ai, ok := s.fleet.agentIndex[agentID]; ok {
		s.fleet.recordAgent("file-upload", &s.fleet.agents[ai], s.clock(),
			map[string]any{"downloadUrl": "/web/api/v2.1/agents/" + agentID + "/uploads/" + id, "fileName": name})
	}
	return u
}

// fetchFiles serves POST /agents/{id}/actions/fetch-files.
func (s *Simulator) fetchFiles(w http.ResponseWriter, _ *http.Request, c *call) {
	var in struct {
		Data struct {
			Files    []string `json:"files"`
			Password string   `json:"password"`
		} `json:"data"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil || len(in.Data.Files) == 0 || len(in.Data.Password) < 10 {
		writeValidation(w, validationf("data.files and a data.password of at least 10 characters are required"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ai, ok := s.fleet.agentIndex[c.arg]
	if !ok {
		writeError(w, http.StatusNotFound, codeNotFound, "Not Found", "no agent "+c.arg)
		return
	}
	a := &s.fleet.agents[ai]
	files := []zipFile{}
	var manifest []map[string]string
	for _, p := range in.Data.Files {
		data := []byte(fmt.Sprintf("contents of %s on %s\n", p, a.ComputerName))
		name := strings.ReplaceAll(p, "\\", "/")
		if len(name) > 1 && name[1] == ':' { // a drive letter
			name = name[2:]
		}
		name = strings.TrimLeft(name, "/")
		files = append(files, zipFile{name: name, data: data})
		manifest = append(manifest, map[string]string{"path": p, "status": "uploaded"})
	}
	mj, _ := json.Marshal(manifest)
	files = append(files, zipFile{name: "manifest.json", data: mj})
	s.addUpload(a.ID, a.ComputerName+"-files.zip", in.Data.Password, files, "")
	writeData(w, map[string]bool{"success": true})
}

// threatFetchFile serves POST /threats/fetch-file: the threat's file is uploaded and its
// link logged on the threat's timeline.
func (s *Simulator) threatFetchFile(w http.ResponseWriter, _ *http.Request, c *call) {
	raw, data, _, err := parseAction(c.body)
	if err != nil {
		writeErr(w, err)
		return
	}
	var pw struct {
		Data struct {
			Password string `json:"password"`
		} `json:"data"`
	}
	_ = json.Unmarshal(c.body, &pw)
	_ = data
	if len(pw.Data.Password) < 10 {
		writeValidation(w, validationf("data.password of at least 10 characters is required"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	preds, err := compileThreatFilter(raw, c.v, func(id string) *Agent {
		if i, ok := s.fleet.agentIndex[id]; ok {
			return &s.fleet.agents[i]
		}
		return nil
	})
	if err != nil {
		writeErr(w, err)
		return
	}
	n := 0
	for i := range s.fleet.threats {
		t := &s.fleet.threats[i]
		if !match(preds, t) {
			continue
		}
		n++
		u := s.addUpload(t.AgentID, t.Name+".zip", pw.Data.Password, []zipFile{{name: t.Name, data: threatFileBytes(t)}}, "")
		s.logActivity(t, 86, "Threat file was uploaded", map[string]any{"downloadUrl": "/web/api/v2.1/agents/" + t.AgentID + "/uploads/" + u.ActivityID,
			"fileName": u.FileName})
	}
	writeData(w, map[string]int{"affected": n})
}

func threatFileBytes(t *Threat) []byte {
	return []byte(fmt.Sprintf("MZ simulated sample %s sha1 %s\n", t.Name, t.SHA1))
}

// downloadFromCloud serves GET /threats/{id}/download-from-cloud (2.1).
func (s *Simulator) downloadFromCloud(w http.ResponseWriter, _ *http.Request, c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.threatOf(c.arg)
	if t == nil {
		writeError(w, http.StatusNotFound, codeNotFound, "Not Found", "no threat "+c.arg)
		return
	}
	u := s.addUpload(t.AgentID, t.Name+".zip", "", []zipFile{{name: t.Name, data: threatFileBytes(t)}}, "cloud-"+t.ID)
	writeData(w, map[string]string{"downloadUrl": "/web/api/v2.1/agents/" + t.AgentID + "/uploads/" + u.ActivityID, "fileName": u.FileName})
}

// download serves GET /agents/{id}/uploads/{activityId}: the zip itself.
func (s *Simulator) download(w http.ResponseWriter, r *http.Request, c *call) {
	agent, id, _ := strings.Cut(c.arg, "/")
	s.mu.RLock()
	u, ok := s.hunt.uploads[id]
	s.mu.RUnlock()
	if !ok || u.AgentID != agent {
		writeError(w, http.StatusNotFound, codeNotFound, "Not Found", "no upload "+id)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+u.FileName+`"`)
	_, _ = w.Write(u.Zip)
}
