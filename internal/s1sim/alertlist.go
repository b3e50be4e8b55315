package s1sim

import (
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// alertCursor is the cursor scheme of GET /cloud-detection/alerts: the page starts after
// the (sort key, id) it names, so a walk by createdAt stays stable while alerts appear.
const alertCursor = "alert_sort"

// alertSortKeys are the sortBy values of GET /cloud-detection/alerts and the key each
// sorts by (ties by id). alertInfoCreatedAt is the one peers walk by (XSOAR's event
// collector); the others are the 2.1 schema's list; createdAt is taken as its alias.
var alertSortKeys = map[string]func(*Alert) string{
	"":                              func(*Alert) string { return "" },
	"id":                            func(*Alert) string { return "" },
	"alertInfoCreatedAt":            func(a *Alert) string { return a.CreatedAt },
	"createdAt":                     func(a *Alert) string { return a.CreatedAt },
	"incidentStatus":                func(a *Alert) string { return a.IncidentStatus },
	"analystVerdict":                func(a *Alert) string { return a.AnalystVerdict },
	"severity":                      func(a *Alert) string { return a.Rule.Severity },
	"machineType":                   func(a *Alert) string { return a.agent.machineType },
	"agentDetectionInfoMachineType": func(a *Alert) string { return a.agent.machineType },
	"osName":                        func(a *Alert) string { return a.agent.osName },
	"agentDetectionInfoName":        func(a *Alert) string { return a.agent.name },
}

var (
	alertVerdicts = []string{"UNDEFINED", "TRUE_POSITIVE", "FALSE_POSITIVE", "SUSPICIOUS"}
	alertStatuses = []string{"UNRESOLVED", "IN_PROGRESS", "RESOLVED"}
)

// routeAlerts routes GET /cloud-detection/alerts, which exists only in API 2.1.
func routeAlerts(v string, segs []string) (endpoint, string, bool) {
	if v == v21 && len(segs) == 2 && segs[0] == "cloud-detection" && segs[1] == "alerts" {
		return endpoint{method: http.MethodGet, h: (*Simulator).listAlerts}, "", true
	}
	return endpoint{}, "", false
}

// compileAlertFilter turns the alert filter keys into predicates; enum values must be in
// the schema's upper-case vocabulary.
func compileAlertFilter(r rawFilter) ([]predicate[Alert], error) {
	k := &filterKit[Alert]{r: r}
	for _, e := range []struct {
		key  string
		vals []string
	}{{"incidentStatus", alertStatuses}, {"analystVerdict", alertVerdicts}} {
		for _, v := range r.list(e.key) {
			if !slices.Contains(e.vals, v) {
				return nil, validationf("%s: %q is not one of %s", e.key, v, strings.Join(e.vals, ", "))
			}
		}
	}
	k.in("ids", nil, func(a *Alert) string { return a.ID })
	k.in("siteIds", nil, func(a *Alert) string { return a.SiteID })
	k.in("accountIds", nil, func(a *Alert) string { return a.AccountID })
	k.in("incidentStatus", nil, func(a *Alert) string { return a.IncidentStatus })
	k.in("analystVerdict", nil, func(a *Alert) string { return a.AnalystVerdict })
	k.in("severity", strings.ToLower, func(a *Alert) string { return a.Rule.Severity })
	k.contains("ruleName__contains", func(a *Alert) []string { return []string{a.Rule.Name} })
	k.date("createdAt", func(a *Alert) *string { return &a.CreatedAt })
	k.date("reportedAt", func(a *Alert) *string { return &a.ReportedAt })
	return k.preds, k.err
}

// listAlerts serves GET /cloud-detection/alerts: filtered, sorted by sortBy then id
// (ascending unless sortOrder=desc) and paged by a cursor on that key.
func (s *Simulator) listAlerts(w http.ResponseWriter, r *http.Request, _ *call) {
	q := r.URL.Query()
	cq := url.Values{}
	for k, v := range q {
		if k != "cursor" {
			cq[k] = v
		}
	}
	p, err := parsePage(cq, alertCursor)
	if err != nil {
		writeErr(w, err)
		return
	}
	sortBy := q.Get("sortBy")
	key, ok := alertSortKeys[sortBy]
	if !ok {
		writeValidation(w, validationf("sortBy: %q is not a sortable alert field", sortBy))
		return
	}
	var after *changeKey
	if c := q.Get("cursor"); c != "" {
		k, err := decodeAlertCursor(c)
		if err != nil {
			writeErr(w, err)
			return
		}
		after, p.skip = &k, 0
	}
	preds, err := compileAlertFilter(queryFilter(q))
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	alerts := s.fleet.alerts
	kf := func(i int) changeKey { return changeKey{key(&alerts[i]), alerts[i].ID} }
	var hits []int
	for i := range alerts {
		if match(preds, &alerts[i]) {
			hits = append(hits, i)
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return kf(hits[a]).cmp(kf(hits[b])) < 0 })
	if p.desc {
		slices.Reverse(hits)
	}
	start := 0
	if after != nil {
		for start < len(hits) {
			c := kf(hits[start]).cmp(*after)
			if p.desc && c < 0 || !p.desc && c > 0 {
				break
			}
			start++
		}
	}
	start = min(start+p.skip, len(hits))
	end := min(start+p.limit, len(hits))
	items := make([]json.RawMessage, 0, end-start)
	var next *string
	if !p.count {
		for _, i := range hits[start:end] {
			items = append(items, alerts[i].encoded)
		}
		if end < len(hits) && end > start {
			k := kf(hits[end-1])
			c := base64.StdEncoding.EncodeToString([]byte(alertCursor + ":" + k.at + "|" + k.id))
			next = &c
		}
	}
	writeRawList(w, items, len(hits), next)
}

func decodeAlertCursor(s string) (changeKey, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if u, uerr := url.QueryUnescape(s); uerr == nil {
			b, err = base64.StdEncoding.DecodeString(u)
		}
	}
	rest, ok := strings.CutPrefix(string(b), alertCursor+":")
	at, id, ok2 := strings.Cut(rest, "|")
	if err != nil || !ok || !ok2 {
		return changeKey{}, validationf("cursor is not valid")
	}
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return changeKey{}, validationf("cursor is not valid")
	}
	return changeKey{at, id}, nil
}

// Alerts returns a copy of every alert, sorted by id.
func (s *Simulator) Alerts() []Alert {
	return copyAll(s, func(f *fleet) []Alert { return f.alerts })
}

// Alert returns a copy of the alert with id.
func (s *Simulator) Alert(id string) (Alert, bool) {
	return copyOne(s, func(f *fleet) ([]Alert, map[string]int) { return f.alerts, f.alertIdx }, id)
}

// NewAlert describes alerts AddAlerts creates.
type NewAlert struct {
	// At is when the alerts become visible (reportedAt); zero means now.
	At time.Time
	// CreatedBefore sets createdAt that long before At: the agent matched the event then.
	// All alerts of one call share createdAt (a tie).
	CreatedBefore time.Duration
}

// AddAlerts raises n alerts on the fleet's agents, each with a new id above every existing
// one, and returns their ids.
func (s *Simulator) AddAlerts(n int, na NewAlert) []string {
	at := na.At
	if at.IsZero() {
		at = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fleet
	if len(f.agents) == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(len(f.alerts)), uint64(at.UnixNano())))
	last := uint64(alertIDBase)
	if k := len(f.alerts); k > 0 {
		last, _ = strconv.ParseUint(f.alerts[k-1].ID, 10, 64)
	}
	ids := make([]string, 0, n)
	for range n {
		last += 1 + rng.Uint64N(1<<20)
		a := newAlert(rng, strconv.FormatUint(last, 10), &f.agents[rng.IntN(len(f.agents))], at.Add(-na.CreatedBefore), at)
		f.addAlert(a)
		ids = append(ids, a.ID)
	}
	return ids
}

// AlertChange is a change UpdateAlerts applies; empty fields are left alone. Values are in
// the filters' vocabulary (TRUE_POSITIVE, IN_PROGRESS).
type AlertChange struct {
	AnalystVerdict string
	IncidentStatus string
	// At is the new updatedAt; zero means now.
	At time.Time
}

// UpdateAlerts applies ch to the alerts with ids, moving their updatedAt (not createdAt:
// an alert keeps its place in createdAt order), and returns how many it changed.
func (s *Simulator) UpdateAlerts(ids []string, ch AlertChange) int {
	at := ch.At
	if at.IsZero() {
		at = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range ids {
		i, ok := s.fleet.alertIdx[id]
		if !ok {
			continue
		}
		a := &s.fleet.alerts[i]
		if ch.AnalystVerdict != "" {
			a.AnalystVerdict = ch.AnalystVerdict
		}
		if ch.IncidentStatus != "" {
			a.IncidentStatus = ch.IncidentStatus
		}
		a.UpdatedAt = stamp(at)
		a.encode()
		n++
	}
	return n
}

// alertChurn is the body of POST /_sim/alerts: add alerts, update existing ones.
type alertChurn struct {
	Add    int `json:"add"`
	Update int `json:"update"` // the first Update alerts by id
	// At is when the added alerts become visible and the stamp of the updates (ISO);
	// empty means now.
	At string `json:"at"`
	// CreatedBeforeSeconds stamps the added alerts' createdAt that long before At.
	CreatedBeforeSeconds int    `json:"created_before_seconds"`
	Verdict              string `json:"verdict"`
	Status               string `json:"status"`
}

// controlAlerts serves POST /_sim/alerts. verdict and status take the connector's
// lower-case words (true_positive, in_progress) or the schema's upper-case ones.
func (s *Simulator) controlAlerts(w http.ResponseWriter, body []byte) {
	var c alertChurn
	err := decodeStrict(body, &c)
	var at time.Time
	c.Verdict, c.Status = strings.ToUpper(c.Verdict), strings.ToUpper(c.Status)
	switch {
	case err != nil:
	case c.Add < 0 || c.Add > 100000 || c.Update < 0 || c.CreatedBeforeSeconds < 0:
		err = validationf("add (0 to 100000), update and created_before_seconds must not be negative")
	case c.Verdict != "" && !slices.Contains(alertVerdicts, c.Verdict):
		err = validationf("verdict must be one of undefined, true_positive, false_positive, suspicious")
	case c.Status != "" && !slices.Contains(alertStatuses, c.Status):
		err = validationf("status must be one of unresolved, in_progress, resolved")
	case c.At != "":
		var ok bool
		if at, ok = parseStamp(c.At); !ok {
			err = validationf("at: %q is not an ISO-8601 date", c.At)
		}
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, codeValidation, "Validation Error", err.Error())
		return
	}
	var ids []string
	for _, a := range s.Alerts() {
		if len(ids) == c.Update {
			break
		}
		ids = append(ids, a.ID)
	}
	n := s.UpdateAlerts(ids, AlertChange{AnalystVerdict: c.Verdict, IncidentStatus: c.Status, At: at})
	added := s.AddAlerts(c.Add, NewAlert{At: at, CreatedBefore: time.Duration(c.CreatedBeforeSeconds) * time.Second})
	if added == nil {
		added = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"added": added, "updated": n})
}
