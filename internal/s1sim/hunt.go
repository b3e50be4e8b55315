package s1sim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// huntState holds the Deep Visibility queries, the PowerQueries, the remote-script tasks and
// the uploaded files; it is guarded by the simulator's mu.
type huntState struct {
	nextID   uint64
	queries  map[string]*DVQuery
	lastInit map[string]time.Time // account user → last accepted init-query
	inits    []time.Time          // every accepted init-query, in order
	tasks    []ScriptTask
	uploads  map[string]Upload // upload id → file
}

func (h *huntState) newID() string {
	h.nextID++
	return strconv.FormatUint(1800000000000000000+h.nextID, 10)
}

// DVQuery is a Deep Visibility query as the simulator keeps it.
type DVQuery struct {
	ID       string
	Query    string
	Started  time.Time
	Canceled bool
	// PowerQuery marks a query started by POST /dv/events/pq.
	PowerQuery bool
	columns    []string
	limit      int
	match      func(*Event) bool
}

func (s *Simulator) step() time.Duration {
	if s.opts.QueryStep > 0 {
		return s.opts.QueryStep
	}
	return DefaultQueryStep
}

// state is the query's responseState and progress at now: RUNNING for three steps, then
// FINISHED; QUERY_CANCELLED once canceled.
func (s *Simulator) state(q *DVQuery, now time.Time) (string, int) {
	if q.Canceled {
		return "QUERY_CANCELLED", 0
	}
	steps := int(now.Sub(q.Started) / s.step())
	if steps >= 3 {
		return "FINISHED", 100
	}
	return "RUNNING", steps * 33
}

// QueryInits returns the times of every accepted POST /dv/init-query.
func (s *Simulator) QueryInits() []time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]time.Time(nil), s.hunt.inits...)
}

// QueryState returns the responseState of a query, "" when there is none.
func (s *Simulator) QueryState(id string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q := s.hunt.queries[id]
	if q == nil {
		return ""
	}
	st, _ := s.state(q, s.clock())
	return st
}

type dvBody struct {
	Query    string `json:"query"`
	FromDate string `json:"fromDate"`
	ToDate   string `json:"toDate"`
	Limit    int    `json:"limit"`
}

func (s *Simulator) parseQuery(w http.ResponseWriter, c *call) (*DVQuery, bool) {
	var b dvBody
	if err := json.Unmarshal(c.body, &b); err != nil {
		writeValidation(w, validationf("body: %v", err))
		return nil, false
	}
	if strings.TrimSpace(b.Query) == "" || b.FromDate == "" || b.ToDate == "" {
		writeValidation(w, validationf("query, fromDate and toDate are required"))
		return nil, false
	}
	text, pipes, _ := strings.Cut(b.Query, "|")
	q := &DVQuery{Query: b.Query, limit: b.Limit}
	for _, p := range strings.Split(pipes, "|") {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
		case strings.HasPrefix(strings.ToLower(p), "columns "):
			for _, col := range strings.Split(p[len("columns "):], ",") {
				q.columns = append(q.columns, strings.TrimSpace(col))
			}
		case strings.HasPrefix(strings.ToLower(p), "limit "):
			n, err := strconv.Atoi(strings.TrimSpace(p[len("limit "):]))
			if err != nil || n < 1 {
				writeValidation(w, validationf("query: limit %q is not a positive number", p))
				return nil, false
			}
			q.limit = n
		default:
			writeValidation(w, validationf("query: the simulator understands only | columns and | limit, not %q", p))
			return nil, false
		}
	}
	m, err := compileQuery(text)
	if err != nil {
		writeErr(w, err)
		return nil, false
	}
	q.match = m
	return q, true
}

// initQuery serves POST /dv/init-query, limited per account by Options.QueryInitInterval.
func (s *Simulator) initQuery(w http.ResponseWriter, _ *http.Request, c *call) {
	q, ok := s.parseQuery(w, c)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	if iv := s.opts.QueryInitInterval; iv > 0 {
		if last, ok := s.hunt.lastInit[c.acct.user]; ok && now.Sub(last) < iv {
			w.Header().Set("Retry-After", strconv.Itoa(int((iv-now.Sub(last)+time.Second-1)/time.Second)))
			writeError(w, http.StatusTooManyRequests, 4290010, "Too Many Requests", "init-query is limited to one call per interval")
			return
		}
	}
	if s.hunt.queries == nil {
		s.hunt.queries, s.hunt.lastInit = map[string]*DVQuery{}, map[string]time.Time{}
	}
	s.hunt.lastInit[c.acct.user] = now
	s.hunt.inits = append(s.hunt.inits, now)
	q.ID, q.Started = "q"+s.hunt.newID(), now
	s.hunt.queries[q.ID] = q
	writeData(w, map[string]string{"queryId": q.ID})
}

func (s *Simulator) queryOf(w http.ResponseWriter, id string) *DVQuery {
	q := s.hunt.queries[id]
	if q == nil {
		writeError(w, http.StatusNotFound, codeNotFound, "Not Found", "no query "+strconv.Quote(id))
	}
	return q
}

// queryStatus serves GET /dv/query-status.
func (s *Simulator) queryStatus(w http.ResponseWriter, r *http.Request, _ *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q := s.queryOf(w, r.URL.Query().Get("queryId"))
	if q == nil {
		return
	}
	st, progress := s.state(q, s.clock())
	writeData(w, map[string]any{"responseState": st, "progressStatus": progress, "responseError": nil, "queryModeInfo": map[string]any{"mode": "scalyr"}})
}

// cancelQuery serves POST /dv/cancel-query.
func (s *Simulator) cancelQuery(w http.ResponseWriter, _ *http.Request, c *call) {
	var b struct {
		QueryID string `json:"queryId"`
	}
	if err := json.Unmarshal(c.body, &b); err != nil || b.QueryID == "" {
		writeValidation(w, validationf("queryId is required"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queryOf(w, b.QueryID)
	if q == nil {
		return
	}
	if st, _ := s.state(q, s.clock()); st == "RUNNING" {
		q.Canceled = true
	}
	writeData(w, map[string]bool{"success": true})
}

// matches returns the events a finished query selects, of one object type when typ is set.
func (s *Simulator) matches(q *DVQuery, typ string) []Event {
	var out []Event
	for _, e := range s.events() {
		if q.match(&e) && (typ == "" || e.ObjectType == typ) {
			out = append(out, e)
		}
	}
	return out
}

func eventID(e *Event) string { return e.ID }

// dvEvents serves GET /dv/events and GET /dv/events/{type}.
func (s *Simulator) dvEvents(w http.ResponseWriter, r *http.Request, c *call) {
	p, err := parsePage(r.URL.Query(), "event_id")
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	q := s.queryOf(w, r.URL.Query().Get("queryId"))
	if q == nil {
		return
	}
	if st, _ := s.state(q, s.clock()); st != "FINISHED" {
		writeValidation(w, validationf("query %s is %s, not FINISHED", q.ID, st))
		return
	}
	page, total, next := paginate(s.matches(q, c.arg), eventID, nil, p, "event_id")
	writeList(w, page, total, next)
}

// startPQ serves POST /dv/events/pq: the PowerQuery runs like a query and answers its
// state; pq-ping gives its columns and rows once finished.
func (s *Simulator) startPQ(w http.ResponseWriter, _ *http.Request, c *call) {
	q, ok := s.parseQuery(w, c)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hunt.queries == nil {
		s.hunt.queries, s.hunt.lastInit = map[string]*DVQuery{}, map[string]time.Time{}
	}
	q.ID, q.Started, q.PowerQuery = "pq"+s.hunt.newID(), s.clock(), true
	s.hunt.queries[q.ID] = q
	s.writePQ(w, q)
}

// pingPQ serves GET /dv/events/pq-ping.
func (s *Simulator) pingPQ(w http.ResponseWriter, r *http.Request, _ *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q := s.queryOf(w, r.URL.Query().Get("queryId"))
	if q == nil {
		return
	}
	s.writePQ(w, q)
}

var defaultPQColumns = []string{"agentName", "eventType", "processName", "sha1", "createdAt"}

// writePQ answers a PowerQuery's state; callers hold mu.
func (s *Simulator) writePQ(w http.ResponseWriter, q *DVQuery) {
	st, progress := s.state(q, s.clock())
	out := map[string]any{"queryId": q.ID, "status": st, "progress": progress, "columns": []any{}, "data": [][]any{}}
	if st == "FINISHED" {
		cols := q.columns
		if len(cols) == 0 {
			cols = defaultPQColumns
		}
		var colObjs []map[string]string
		for _, c := range cols {
			colObjs = append(colObjs, map[string]string{"name": c, "type": "string"})
		}
		rows := [][]any{}
		for _, e := range s.matches(q, "") {
			if q.limit > 0 && len(rows) >= q.limit {
				break
			}
			raw, _ := json.Marshal(e)
			var m map[string]any
			_ = json.Unmarshal(raw, &m)
			row := make([]any, len(cols))
			for i, c := range cols {
				row[i] = m[c]
			}
			rows = append(rows, row)
		}
		out["columns"], out["data"] = colObjs, rows
	}
	writeData(w, out)
}

// SeedQuery adds a Deep Visibility query started at started (in the past: already
// finished), as if POST /dv/init-query had made it, and returns its id. The init limit does
// not count it.
func (s *Simulator) SeedQuery(query string, started time.Time) (string, error) {
	m, err := compileQuery(query)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hunt.queries == nil {
		s.hunt.queries, s.hunt.lastInit = map[string]*DVQuery{}, map[string]time.Time{}
	}
	q := &DVQuery{ID: "q" + s.hunt.newID(), Query: query, Started: started, match: m}
	s.hunt.queries[q.ID] = q
	return q.ID, nil
}

// LastQueryID returns the number of the last id the hunt state gave (a query's id is "q"
// and a PowerQuery's "pq" followed by it), for tests that pin requests.
func (s *Simulator) LastQueryID() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return strconv.FormatUint(1800000000000000000+s.hunt.nextID, 10)
}
