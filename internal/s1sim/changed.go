package s1sim

import (
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// changedCursor is the cursor scheme of GET /threats sorted by updatedAt: the page starts
// after the (updatedAt, id) it names.
const changedCursor = "threat_updated"

// sortedByUpdate reports whether a threat list asks for updatedAt order.
func sortedByUpdate(q url.Values) bool { return q.Get("sortBy") == "updatedAt" }

// listThreatsByUpdate serves GET /threats?sortBy=updatedAt: ordered by (updatedAt, id),
// ascending unless sortOrder=desc, paged by a cursor on that key, so a walk is stable while
// threats change (a threat updated behind the cursor shows again further on).
func (s *Simulator) listThreatsByUpdate(w http.ResponseWriter, q url.Values, c *call) {
	cq := url.Values{}
	for k, v := range q {
		if k != "cursor" {
			cq[k] = v
		}
	}
	p, err := parsePage(cq, threatCursor)
	if err != nil {
		writeErr(w, err)
		return
	}
	var after *changeKey
	if s := q.Get("cursor"); s != "" {
		k, err := decodeChangeCursor(s)
		if err != nil {
			writeErr(w, err)
			return
		}
		after, p.skip = &k, 0
	}
	// updatedAt__gte is matched on the stamp's text (one layout, so text order is time
	// order) rather than by parsing every threat's stamp: the feed's bound on every call.
	rf := queryFilter(q)
	low := ""
	if b := q.Get("updatedAt__gte"); b != "" {
		t, ok := parseStamp(b)
		if !ok {
			writeErr(w, validationf("updatedAt__gte: %q is not an ISO-8601 date", b))
			return
		}
		low = stamp(t.Add(999 * time.Nanosecond).Truncate(time.Microsecond))
		delete(rf, "updatedAt__gte")
	}
	preds, err := compileThreatFilter(rf, c.v, s.agentOf)
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.RLock()
	var hits []int
	behind := 0 // matches behind an ascending cursor: counted, not sorted
	for i := range s.fleet.threats {
		t := &s.fleet.threats[i]
		if t.UpdatedAt < low || !match(preds, t) {
			continue
		}
		if after != nil && !p.desc && t.UpdatedAt < after.at {
			behind++
			continue
		}
		hits = append(hits, i)
	}
	key := func(i int) changeKey { t := &s.fleet.threats[i]; return changeKey{t.UpdatedAt, t.ID} }
	slices.SortFunc(hits, func(a, b int) int { return key(a).cmp(key(b)) })
	total := behind + len(hits)
	if p.desc {
		slices.Reverse(hits)
	}
	start := 0
	if after != nil {
		start, _ = slices.BinarySearchFunc(hits, *after, func(i int, k changeKey) int {
			c := key(i).cmp(k)
			if p.desc {
				c = -c
			}
			if c == 0 {
				return -1 // start after the cursor's own threat
			}
			return c
		})
	}
	start = min(start+p.skip, len(hits))
	end := min(start+p.limit, len(hits))
	var next *string
	items := make([]any, 0, end-start)
	if !p.count {
		for _, i := range hits[start:end] {
			t := &s.fleet.threats[i]
			var a Agent
			if ai, ok := s.fleet.agentIndex[t.AgentID]; ok {
				a = s.fleet.agents[ai]
			}
			items = append(items, renderThreat(c.v, t, &a))
		}
		if end < len(hits) && end > start {
			k := key(hits[end-1])
			cur := base64.StdEncoding.EncodeToString([]byte(changedCursor + ":" + k.at + "|" + k.id))
			next = &cur
		}
	}
	s.mu.RUnlock()
	writeList(w, items, total, next)
}

// changeKey is a threat's place in updatedAt order.
type changeKey struct{ at, id string }

func (k changeKey) cmp(o changeKey) int {
	if c := strings.Compare(k.at, o.at); c != 0 {
		return c
	}
	switch {
	case k.id == o.id:
		return 0
	case idLess(k.id, o.id):
		return -1
	}
	return 1
}

func decodeChangeCursor(s string) (changeKey, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if u, uerr := url.QueryUnescape(s); uerr == nil {
			b, err = base64.StdEncoding.DecodeString(u)
		}
	}
	rest, ok := strings.CutPrefix(string(b), changedCursor+":")
	at, id, ok2 := strings.Cut(rest, "|")
	if err != nil || !ok || !ok2 || at == "" {
		return changeKey{}, validationf("cursor is not valid")
	}
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return changeKey{}, validationf("cursor is not valid")
	}
	return changeKey{at, id}, nil
}

// NewThreat describes threats AddThreats creates.
type NewThreat struct {
	// At is the threats' updatedAt (all of them share it: a tie); zero means now.
	At time.Time
	// CreatedBefore sets createdAt that long before At (SentinelOne stamps a threat when
	// the agent saw it, before it is visible in the console).
	CreatedBefore time.Duration
}

// AddThreats creates n threats on the fleet's agents, each with a new id above every
// existing one, and returns their ids.
func (s *Simulator) AddThreats(n int, nt NewThreat) []string {
	at := nt.At
	if at.IsZero() {
		at = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fleet
	if len(f.agents) == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(len(f.threats)), uint64(at.UnixNano())))
	last := uint64(1428000000000000000)
	if k := len(f.threats); k > 0 {
		last, _ = strconv.ParseUint(f.threats[k-1].ID, 10, 64)
	}
	ids := make([]string, 0, n)
	touched := map[string]bool{}
	for range n {
		last += 1 + rng.Uint64N(1<<20)
		a := &f.agents[rng.IntN(len(f.agents))]
		t := newThreat(rng, strconv.FormatUint(last, 10), a, true)
		t.UpdatedAt, t.CreatedAt = stamp(at), stamp(at.Add(-nt.CreatedBefore))
		f.threatIdx[t.ID] = len(f.threats)
		f.hashRank[t.SHA1], f.hashRank[t.SHA256] = t.Rank, t.Rank
		f.threats = append(f.threats, t)
		touched[a.ID] = true
		ids = append(ids, t.ID)
	}
	f.recount(touched)
	f.changed()
	return ids
}

// ThreatChange is a change UpdateThreats applies; empty fields are left alone.
type ThreatChange struct {
	AnalystVerdict   string
	IncidentStatus   string
	MitigationStatus string
	// At is the new updatedAt; zero means now.
	At time.Time
}

// UpdateThreats applies ch to the threats with ids, moving their updatedAt, and returns how
// many it changed.
func (s *Simulator) UpdateThreats(ids []string, ch ThreatChange) int {
	at := ch.At
	if at.IsZero() {
		at = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	touched := map[string]bool{}
	for _, id := range ids {
		i, ok := s.fleet.threatIdx[id]
		if !ok {
			continue
		}
		t := &s.fleet.threats[i]
		if ch.AnalystVerdict != "" {
			t.AnalystVerdict = ch.AnalystVerdict
		}
		if ch.IncidentStatus != "" {
			t.IncidentStatus, t.Resolved = ch.IncidentStatus, ch.IncidentStatus == "resolved"
		}
		if ch.MitigationStatus != "" {
			t.MitigationStatus = ch.MitigationStatus
		}
		t.UpdatedAt = stamp(at)
		touched[t.AgentID] = true
		n++
	}
	s.fleet.recount(touched)
	s.fleet.changed()
	return n
}

// threatChurn is the body of POST /_sim/threats: add threats, update existing ones.
type threatChurn struct {
	Add    int `json:"add"`
	Update int `json:"update"` // the first Update threats by id
	// At is the stamp of the added and updated threats (ISO); empty means now. Several
	// calls with one At make ties.
	At string `json:"at"`
	// CreatedBeforeSeconds stamps the added threats' createdAt that long before At.
	CreatedBeforeSeconds int    `json:"created_before_seconds"`
	Verdict              string `json:"verdict"`
	Status               string `json:"status"`
	Mitigation           string `json:"mitigation"`
}

// controlThreats serves POST /_sim/threats.
func (s *Simulator) controlThreats(w http.ResponseWriter, body []byte) {
	var c threatChurn
	err := decodeStrict(body, &c)
	var at time.Time
	switch {
	case err != nil:
	case c.Add < 0 || c.Add > 100000 || c.Update < 0 || c.CreatedBeforeSeconds < 0:
		err = validationf("add (0 to 100000), update and created_before_seconds must not be negative")
	case c.Verdict != "" && !analystVerdicts[c.Verdict]:
		err = validationf("verdict must be one of undefined, true_positive, false_positive, suspicious")
	case c.Status != "" && c.Status != "unresolved" && c.Status != "in_progress" && c.Status != "resolved":
		err = validationf("status must be one of unresolved, in_progress, resolved")
	case c.Mitigation != "" && c.Mitigation != "not_mitigated" && c.Mitigation != "mitigated" && c.Mitigation != "marked_as_benign":
		err = validationf("mitigation must be one of not_mitigated, mitigated, marked_as_benign")
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
	for _, t := range s.Threats() {
		if len(ids) == c.Update {
			break
		}
		ids = append(ids, t.ID)
	}
	n := s.UpdateThreats(ids, ThreatChange{AnalystVerdict: c.Verdict, IncidentStatus: c.Status, MitigationStatus: c.Mitigation, At: at})
	added := s.AddThreats(c.Add, NewThreat{At: at, CreatedBefore: time.Duration(c.CreatedBeforeSeconds) * time.Second})
	if added == nil {
		added = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"added": added, "updated": n})
}
