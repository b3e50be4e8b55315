package sentinelone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"unicode"
)

// ScriptsService calls the RemoteOps endpoints (/remote-scripts) and the file retrieval
// endpoints of agents and threats.
type ScriptsService struct{ service }

// ScriptPages iterates over GET /remote-scripts (2.1 only).
func (s *ScriptsService) ScriptPages(ctx context.Context, f Filter, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	if err := s.client.only21("list remote scripts", "/remote-scripts"); err != nil {
		return func(yield func([]json.RawMessage, error) bool) { yield(nil, err) }
	}
	return s.client.pages(ctx, "list remote scripts", "/remote-scripts", "remote-scripts", f, opts)
}

// ScriptRun is data of POST /remote-scripts/execute.
type ScriptRun struct {
	ScriptID          string `json:"scriptId"`
	OutputDestination string `json:"outputDestination"`
	TaskDescription   string `json:"taskDescription"`
	InputParams       string `json:"inputParams,omitempty"`
	RuntimeTimeout    int    `json:"scriptRuntimeTimeoutSeconds,omitempty"`
	RequiresApproval  bool   `json:"requiresApproval"`
}

// ScriptTask is the answer of POST /remote-scripts/execute.
type ScriptTask struct {
	Affected     int    `json:"affected"`
	ParentTaskID string `json:"parentTaskId"`
	Pending      bool   `json:"pending"`
}

// Execute runs a remote script on the agents matching f (2.1 only).
func (s *ScriptsService) Execute(ctx context.Context, f Filter, run ScriptRun) (ScriptTask, error) {
	const what = "run remote script"
	if err := s.client.only21(what, "/remote-scripts/execute"); err != nil {
		return ScriptTask{}, err
	}
	f, err := s.client.confine(ctx, f)
	if err != nil {
		return ScriptTask{}, fmt.Errorf("%s: %w", what, err)
	}
	body, err := f.body(map[string]any{})
	if err != nil {
		return ScriptTask{}, fmt.Errorf("%s: %w", what, err)
	}
	body["data"] = run
	resp, err := s.client.call(ctx, &request{method: http.MethodPost, endpoint: "/remote-scripts/execute", path: "remote-scripts/execute", body: body})
	if err != nil {
		return ScriptTask{}, fmt.Errorf("%s: %w", what, err)
	}
	var out ScriptTask
	if err := json.Unmarshal(dataObject(resp), &out); err != nil || out.ParentTaskID == "" {
		return ScriptTask{}, fmt.Errorf("%s: answer has no data.parentTaskId", what)
	}
	return out, nil
}

// StatusPages iterates over the tasks of a script run: GET /remote-scripts/status.
func (s *ScriptsService) StatusPages(ctx context.Context, parentTaskID string, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	if err := s.client.only21("remote script status", "/remote-scripts/status"); err != nil {
		return func(yield func([]json.RawMessage, error) bool) { yield(nil, err) }
	}
	return s.client.pages(ctx, "remote script status", "/remote-scripts/status", "remote-scripts/status", Filter{"parentTaskId": parentTaskID}, opts)
}

// DownloadLink is one result file of a script task.
type DownloadLink struct {
	TaskID      string `json:"taskId"`
	FileName    string `json:"fileName"`
	DownloadURL string `json:"downloadUrl"`
}

// ResultLinks asks for the result files of script tasks: POST /remote-scripts/fetch-files.
func (s *ScriptsService) ResultLinks(ctx context.Context, taskIDs []string) ([]DownloadLink, error) {
	const what = "remote script results"
	resp, err := s.client.call(ctx, &request{method: http.MethodPost, endpoint: "/remote-scripts/fetch-files", path: "remote-scripts/fetch-files",
		safe: true, body: map[string]any{"data": map[string]any{"taskIds": taskIDs}}})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var out struct {
		Links []DownloadLink `json:"download_links"`
	}
	if err := json.Unmarshal(dataObject(resp), &out); err != nil {
		return nil, fmt.Errorf("%s: answer has no data.download_links", what)
	}
	return out.Links, nil
}

// CheckZipPassword applies SentinelOne's rule for the password of a fetched-files zip: at
// least 10 characters with an upper-case letter, a lower-case letter, a digit and a symbol,
// and no spaces.
func CheckZipPassword(p string) error {
	var upper, lower, digit, symbol bool
	for _, r := range p {
		switch {
		case unicode.IsSpace(r):
			return errors.New("must not contain spaces")
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		default:
			symbol = true
		}
	}
	if len([]rune(p)) < 10 || !upper || !lower || !digit || !symbol {
		return errors.New("must be at least 10 characters with an upper-case letter, a lower-case letter, a digit and a symbol")
	}
	return nil
}

// FetchFiles asks an agent to upload files, zipped with password:
// POST /agents/{id}/actions/fetch-files.
func (s *ScriptsService) FetchFiles(ctx context.Context, agentID string, paths []string, password string) error {
	const what = "fetch files from agent"
	if err := CheckZipPassword(password); err != nil {
		return fmt.Errorf("%s: the password %w", what, err)
	}
	_, err := s.client.call(ctx, &request{method: http.MethodPost, endpoint: "/agents/{id}/actions/fetch-files",
		path: "agents/" + url.PathEscape(agentID) + "/actions/fetch-files",
		body: map[string]any{"data": map[string]any{"files": paths, "password": password}}})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// FetchThreatFile asks SentinelOne to upload the file of each threat matching f, zipped with
// password: POST /threats/fetch-file.
func (s *ScriptsService) FetchThreatFile(ctx context.Context, f Filter, password string) (int, error) {
	const what = "fetch threat file"
	if err := CheckZipPassword(password); err != nil {
		return 0, fmt.Errorf("%s: the password %w", what, err)
	}
	if ids, ok := f["ids"].([]string); ok {
		if err := s.client.Threats.inScope(ctx, what, ids); err != nil {
			return 0, err
		}
	}
	f, err := s.client.confine(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	body, err := f.body(map[string]any{"password": password})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	resp, err := s.client.call(ctx, &request{method: http.MethodPost, endpoint: "/threats/fetch-file", path: "threats/fetch-file", body: body})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	var out struct {
		Affected *int `json:"affected"`
	}
	if err := json.Unmarshal(dataObject(resp), &out); err != nil || out.Affected == nil {
		return 0, fmt.Errorf("%s: answer has no data.affected", what)
	}
	return *out.Affected, nil
}

// CloudFile is data of GET /threats/{id}/download-from-cloud.
type CloudFile struct {
	DownloadURL string `json:"downloadUrl"`
	FileName    string `json:"fileName"`
}

// DownloadFromCloud returns where SentinelOne's cloud keeps a threat's file (2.1 only).
func (s *ScriptsService) DownloadFromCloud(ctx context.Context, threatID string) (CloudFile, error) {
	const what = "download threat file from cloud"
	if err := s.client.only21(what, "/threats/{id}/download-from-cloud"); err != nil {
		return CloudFile{}, err
	}
	if err := s.client.Threats.inScope(ctx, what, []string{threatID}); err != nil {
		return CloudFile{}, err
	}
	resp, err := s.client.call(ctx, &request{method: http.MethodGet, endpoint: "/threats/{id}/download-from-cloud",
		path: "threats/" + url.PathEscape(threatID) + "/download-from-cloud"})
	if err != nil {
		return CloudFile{}, fmt.Errorf("%s: %w", what, err)
	}
	var out CloudFile
	if err := json.Unmarshal(dataObject(resp), &out); err != nil || out.DownloadURL == "" {
		return CloudFile{}, fmt.Errorf("%s: answer has no data.downloadUrl", what)
	}
	return out, nil
}

// ErrTooLarge is returned by Download when a file exceeds the size cap.
var ErrTooLarge = errors.New("file is larger than the size cap")

// Download reads a file SentinelOne serves for download: a link of the console's API (a path
// such as /web/api/v2.1/agents/{id}/uploads/{activityId}, relative or on the console's own
// host, so the credentials never go elsewhere). A body above maxBytes is refused.
func (c *Client) Download(ctx context.Context, link string, maxBytes int64) ([]byte, error) {
	const what = "download file"
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("%s: link %q: %w", what, link, err)
	}
	if u.Host != "" && !strings.EqualFold(u.Host, c.base.Host) {
		return nil, fmt.Errorf("%s: link host %q is not the console %q; refusing to send credentials there", what, u.Host, c.base.Host)
	}
	p := u.EscapedPath()
	rel, ok := strings.CutPrefix(p, "/web/api/v"+APIVersion21+"/")
	if !ok {
		rel, ok = strings.CutPrefix(p, "/web/api/v"+APIVersion20+"/")
	}
	if !ok || rel == "" {
		return nil, fmt.Errorf("%s: link %q is not under the console's API", what, link)
	}
	req := &request{method: http.MethodGet, endpoint: "/download", path: rel, query: u.Query()}
	raw, err := c.sendAuthed(ctx, req, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if int64(len(raw.body)) > maxBytes {
		return nil, fmt.Errorf("%s: %w: it is at least %d bytes, the cap is %d", what, ErrTooLarge, len(raw.body), maxBytes)
	}
	return raw.body, nil
}

// ActivityFileUpload is the activity type SentinelOne logs when an agent's fetched files are
// uploaded; its data.downloadUrl is the zip's link.
const ActivityFileUpload = 80

// UploadLinks returns data.downloadUrl of each file-upload activity of an agent, newest
// first: GET /activities?agentIds=…&activityTypes=80.
func (s *ScriptsService) UploadLinks(ctx context.Context, agentID string) ([]string, error) {
	const what = "list file uploads"
	resp, err := s.client.call(ctx, &request{method: http.MethodGet, endpoint: "/activities", path: "activities", list: true,
		query: url.Values{"agentIds": {agentID}, "activityTypes": {"80"}, "sortBy": {"createdAt"}, "sortOrder": {"desc"}, "limit": {"10"}}})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var out []string
	for _, raw := range resp.Items {
		var a struct {
			Data struct {
				DownloadURL string `json:"downloadUrl"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, fmt.Errorf("%s: decode activity: %w", what, err)
		}
		if a.Data.DownloadURL != "" {
			out = append(out, a.Data.DownloadURL)
		}
	}
	return out, nil
}
