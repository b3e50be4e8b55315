package s1sim

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// call carries what a handler needs about one API request.
type call struct {
	v    string // v21 or v20
	body []byte
	arg  string // path parameter, if any
	acct *account
	tok  string // the session token used, if any
}

type handler func(s *Simulator, w http.ResponseWriter, r *http.Request, c *call)

// endpoint is one routed API path.
type endpoint struct {
	method string
	public bool // no authentication
	write  bool // admin only: 403 for the read-only user
	h      handler
	// others serves the path's other methods (a list read with GET, written with POST and DELETE).
	others map[string]endpoint
}

var agentActions = map[string]func(a *Agent, data actionData){
	// Disconnecting is SentinelOne's network quarantine.
	"disconnect": func(a *Agent, _ actionData) { a.NetworkStatus, a.NetworkQuarantineEnabled = "disconnected", true },
	"connect":    func(a *Agent, _ actionData) { a.NetworkStatus, a.NetworkQuarantineEnabled = "connected", false },
	"decommission": func(a *Agent, _ actionData) {
		a.IsDecommissioned = true
		a.IsActive = false
	},
	"uninstall": func(a *Agent, _ actionData) { a.IsPendingUninstall = true },
	"shutdown": func(a *Agent, _ actionData) {
		a.ShutdownRequested = true
		a.IsActive = false
	},
	"broadcast": func(a *Agent, d actionData) {
		a.Messages = append(a.Messages[:len(a.Messages):len(a.Messages)], d.Message)
	},
	"initiate-scan": func(a *Agent, _ actionData) { a.startScan(time.Now()) },
	"abort-scan":    func(a *Agent, _ actionData) { a.abortScan(time.Now()) },
	"fetch-logs":    func(a *Agent, _ actionData) { a.LogsRequested++ },
}

// threatMitigations maps a mitigate path action to its report name and
// resulting status.
var threatMitigations = map[string]struct {
	report, status string
}{
	"kill":                 {"kill", "mitigated"},
	"quarantine":           {"quarantine", "mitigated"},
	"remediate":            {"remediate", "mitigated"},
	"un-quarantine":        {"unquarantine", "not_mitigated"},
	"rollback-remediation": {"rollback", "not_mitigated"},
}

var analystVerdicts = map[string]bool{"undefined": true, "true_positive": true, "false_positive": true, "suspicious": true}

// lookup routes the path segments after /web/api/<v>/: first the areas that each keep
// their routes beside their handlers, then the core endpoints below.
func lookup(v string, segs []string) (endpoint, string, bool) {
	for _, area := range areaRoutes {
		if ep, arg, ok := area(v, segs); ok {
			return ep, arg, true
		}
	}
	p := strings.Join(segs, "/")
	switch p {
	case "users/login":
		return endpoint{method: http.MethodPost, public: true, h: (*Simulator).login}, "", true
	case "users/login/by-api-token":
		return endpoint{method: http.MethodPost, public: true, h: (*Simulator).loginByAPIToken}, "", true
	case "users/logout":
		return endpoint{method: http.MethodPost, h: (*Simulator).logout}, "", true
	case "system/info":
		return endpoint{method: http.MethodGet, h: (*Simulator).systemInfo}, "", true
	case "system/status":
		return endpoint{method: http.MethodGet, public: true, h: (*Simulator).systemStatus}, "", true
	case "agents":
		return endpoint{method: http.MethodGet, h: (*Simulator).listAgents}, "", true
	case "agents/count":
		return endpoint{method: http.MethodGet, h: (*Simulator).countAgents}, "", true
	case "agents/passphrases":
		return endpoint{method: http.MethodGet, h: (*Simulator).passphrases}, "", true
	case "agents/applications":
		return endpoint{method: http.MethodGet, h: (*Simulator).applications}, "", true
	case "agents/processes":
		return endpoint{method: http.MethodGet, h: (*Simulator).processes}, "", true
	case "threats":
		return endpoint{method: http.MethodGet, h: (*Simulator).listThreats}, "", true
	case "threats/mark-as-benign":
		if v == v20 {
			return endpoint{method: http.MethodPost, write: true, h: (*Simulator).markAsBenign}, "", true
		}
	case "threats/analyst-verdict":
		if v == v21 {
			return endpoint{method: http.MethodPost, write: true, h: (*Simulator).analystVerdict}, "", true
		}
	}
	if len(segs) != 3 {
		return endpoint{}, "", false
	}
	switch {
	case segs[0] == "agents" && segs[1] == "actions":
		if _, ok := agentActions[segs[2]]; ok {
			return endpoint{method: http.MethodPost, write: true, h: (*Simulator).agentAction}, segs[2], true
		}
	case segs[0] == "agents" && segs[2] == "recommission":
		return endpoint{method: http.MethodPost, write: true, h: (*Simulator).recommission}, segs[1], true
	case segs[0] == "hashes" && segs[2] == "reputation":
		return endpoint{method: http.MethodGet, h: (*Simulator).reputation}, segs[1], true
	case segs[0] == "hashes" && segs[2] == "verdict" && v == v21:
		return endpoint{method: http.MethodGet, h: (*Simulator).verdict}, segs[1], true
	case segs[0] == "threats" && segs[1] == "mitigate":
		if _, ok := threatMitigations[segs[2]]; ok {
			return endpoint{method: http.MethodPost, write: true, h: (*Simulator).mitigate}, segs[2], true
		}
	}
	return endpoint{}, "", false
}

// splitAPI returns the version and the segments after /web/api/<v>/.
func splitAPI(path string) (string, []string, bool) {
	rest, ok := strings.CutPrefix(path, apiPrefix)
	if !ok {
		return "", nil, false
	}
	v, rest, _ := strings.Cut(rest, "/")
	if v != v21 && v != v20 {
		return "", nil, false
	}
	rest = strings.Trim(rest, "/")
	if rest == "" {
		return "", nil, false
	}
	return v, strings.Split(rest, "/"), true
}

func (s *Simulator) serveAPI(w http.ResponseWriter, r *http.Request, body []byte, scheme, token string) {
	v, segs, ok := splitAPI(r.URL.Path)
	if !ok {
		writeError(w, http.StatusNotFound, codeNotFound, "Not Found", "no such API path")
		return
	}
	ep, arg, ok := lookup(v, segs)
	if !ok {
		writeError(w, http.StatusNotFound, codeNotFound, "Not Found", "no such API path")
		return
	}
	if alt, ok := ep.others[r.Method]; ok {
		ep = alt
	}
	if r.Method != ep.method {
		w.Header().Set("Allow", ep.method)
		writeError(w, http.StatusMethodNotAllowed, codeMethod, "Method Not Allowed", "")
		return
	}
	c := &call{v: v, body: body, arg: arg}
	if !ep.public {
		acct, ok := s.authenticate(scheme, token)
		if !ok {
			writeStatusError(w, http.StatusUnauthorized)
			return
		}
		if ep.write && acct.readOnly {
			writeStatusError(w, http.StatusForbidden)
			return
		}
		c.acct = acct
		if scheme == "Token" {
			c.tok = token
		}
	}
	ep.h(s, w, r, c)
}

func writeData(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

func writeValidation(w http.ResponseWriter, err error) {
	detail := strings.TrimPrefix(err.Error(), errValidation.Error()+": ")
	writeError(w, http.StatusBadRequest, codeValidation, "Validation Error", detail)
}

// writeErr answers a validation error with 400 and anything else with 500.
func writeErr(w http.ResponseWriter, err error) {
	if errors.Is(err, errValidation) {
		writeValidation(w, err)
		return
	}
	writeStatusError(w, http.StatusInternalServerError)
}

// --- agents ---

func agentID(a *Agent) string   { return a.ID }
func threatID(t *Threat) string { return t.ID }

const (
	agentCursor  = "agent_id"
	threatCursor = "threat_id"
)

// agentPage filters and paginates agents from the query; render, when not
// nil, runs on the page under the read lock.
func (s *Simulator) agentPage(r *http.Request, render func([]Agent) error) ([]Agent, int, *string, error) {
	q := r.URL.Query()
	p, err := parsePage(q, agentCursor)
	if err != nil {
		return nil, 0, nil, err
	}
	preds, err := compileAgentFilter(queryFilter(q), s.opts.SupportIDsNin)
	if err != nil {
		return nil, 0, nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out, total, next := paginate(s.fleet.agents, agentID, preds, p, agentCursor)
	if render != nil {
		if err := render(out); err != nil {
			return nil, 0, nil, err
		}
	}
	return out, total, next, nil
}

func (s *Simulator) listAgents(w http.ResponseWriter, r *http.Request, _ *call) {
	var items []json.RawMessage
	_, total, next, err := s.agentPage(r, func(out []Agent) error {
		items = make([]json.RawMessage, len(out))
		for i := range out {
			b, err := s.fleet.agentJSON(s.fleet.agentIndex[out[i].ID])
			if err != nil {
				return err
			}
			items[i] = b
		}
		return nil
	})
	if err != nil {
		writeErr(w, err)
		return
	}
	writeRawList(w, items, total, next)
}

func (s *Simulator) countAgents(w http.ResponseWriter, r *http.Request, _ *call) {
	preds, err := compileAgentFilter(queryFilter(r.URL.Query()), s.opts.SupportIDsNin)
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.RLock()
	n := 0
	for i := range s.fleet.agents {
		if match(preds, &s.fleet.agents[i]) {
			n++
		}
	}
	s.mu.RUnlock()
	writeData(w, map[string]int{"total": n})
}

type passphrase struct {
	ID                   string `json:"id"`
	UUID                 string `json:"uuid"`
	ComputerName         string `json:"computerName"`
	Domain               string `json:"domain"`
	LastLoggedInUserName string `json:"lastLoggedInUserName"`
	Passphrase           string `json:"passphrase"`
}

func (s *Simulator) passphrases(w http.ResponseWriter, r *http.Request, _ *call) {
	out, total, next, err := s.agentPage(r, nil)
	if err != nil {
		writeErr(w, err)
		return
	}
	items := make([]passphrase, len(out))
	for i, a := range out {
		items[i] = passphrase{a.ID, a.UUID, a.ComputerName, a.Domain, a.LastLoggedInUserName, a.Passphrase}
	}
	writeList(w, items, total, next)
}

// agentsByIDs returns the agents named by the required `ids` query key.
func (s *Simulator) agentsByIDs(r *http.Request) ([]Agent, error) {
	ids := queryFilter(r.URL.Query()).list("ids")
	if len(ids) == 0 {
		return nil, validationf("ids is required")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Agent
	for _, id := range ids {
		if i, ok := s.fleet.agentIndex[id]; ok {
			out = append(out, s.fleet.agents[i])
		}
	}
	return out, nil
}

func (s *Simulator) applications(w http.ResponseWriter, r *http.Request, _ *call) {
	agents, err := s.agentsByIDs(r)
	if err != nil {
		writeErr(w, err)
		return
	}
	out := []application{}
	for i := range agents {
		out = append(out, applicationsOf(s.opts.Seed, &agents[i])...)
	}
	writeData(w, out)
}

// processes is obsolete on v2.1 (always empty) and lists processes on v2.0.
func (s *Simulator) processes(w http.ResponseWriter, r *http.Request, c *call) {
	agents, err := s.agentsByIDs(r)
	if err != nil {
		writeErr(w, err)
		return
	}
	out := []process{}
	if c.v == v20 {
		for i := range agents {
			out = append(out, processesOf(s.opts.Seed, &agents[i])...)
		}
	}
	writeData(w, out)
}

// actionBody is the body of every POST action.
type actionBody struct {
	Filter json.RawMessage `json:"filter"`
	Data   json.RawMessage `json:"data"`
}

// actionData holds the `data` fields the actions read.
type actionData struct {
	Message        string `json:"message"`
	AnalystVerdict string `json:"analystVerdict"`
	TargetScope    string `json:"targetScope"`
	IncidentStatus string `json:"incidentStatus"`
	Text           string `json:"text"`
}

// parseAction decodes an action body; the filter is required.
func parseAction(body []byte) (rawFilter, actionData, bool, error) {
	var in actionBody
	var d actionData
	if len(body) == 0 {
		return nil, d, false, validationf("filter is required")
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, d, false, validationf("body is not valid JSON")
	}
	if len(in.Filter) == 0 || string(in.Filter) == "null" {
		return nil, d, false, validationf("filter is required")
	}
	f, err := jsonFilter(in.Filter)
	if err != nil {
		return nil, d, false, err
	}
	hasData := len(in.Data) > 0 && string(in.Data) != "null"
	if hasData {
		if err := json.Unmarshal(in.Data, &d); err != nil {
			return nil, d, false, validationf("data must be an object")
		}
	}
	return f, d, hasData, nil
}

func (s *Simulator) agentAction(w http.ResponseWriter, _ *http.Request, c *call) {
	raw, data, _, err := parseAction(c.body)
	if err != nil {
		writeErr(w, err)
		return
	}
	if c.arg == "broadcast" {
		if n := utf8.RuneCountInString(data.Message); n < 1 || n > 140 {
			writeValidation(w, validationf("data.message is required and must be 1 to 140 characters"))
			return
		}
	}
	preds, err := compileAgentFilter(raw, s.opts.SupportIDsNin)
	if err != nil {
		writeErr(w, err)
		return
	}
	apply := agentActions[c.arg]
	when := time.Now()
	now := stamp(when)
	s.mu.Lock()
	n := 0
	for i := range s.fleet.agents {
		a := &s.fleet.agents[i]
		if match(preds, a) {
			apply(a, data)
			a.UpdatedAt = now
			s.fleet.recordAgent(c.arg, a, when, nil)
			n++
		}
	}
	s.fleet.changed()
	s.mu.Unlock()
	writeData(w, map[string]int{"affected": n})
}

// recommission serves the legacy per-agent endpoint of the 1.x API.
func (s *Simulator) recommission(w http.ResponseWriter, _ *http.Request, c *call) {
	if s.opts.DisableRecommission {
		writeError(w, http.StatusNotFound, codeNotFound, "Not Found", "no such API path")
		return
	}
	s.mu.Lock()
	i, ok := s.fleet.agentIndex[c.arg]
	if ok {
		a := &s.fleet.agents[i]
		a.IsDecommissioned = false
		a.UpdatedAt = stamp(time.Now())
		s.fleet.recordAgent("recommission", a, time.Now(), nil)
		s.fleet.changed()
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, codeNotFound, "Not Found", "agent not found")
		return
	}
	writeData(w, map[string]bool{"success": true})
}
