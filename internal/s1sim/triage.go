package s1sim

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxNoteLength is the longest threat note the simulator accepts, in characters.
const MaxNoteLength = 4000

// triageState holds what analysts write on threats and the scoped lists: the notes and the
// timeline of each threat, the blocklist and the exclusions. It is guarded by the
// simulator's mu.
type triageState struct {
	nextID     uint64
	notes      map[string][]Note
	timeline   map[string][]TimelineEntry
	blocklist  []ListEntry
	exclusions []ListEntry
}

// newID returns a fresh 19-digit id, increasing so that pages keep their order.
func (ts *triageState) newID() string {
	ts.nextID++
	return strconv.FormatUint(1900000000000000000+ts.nextID, 10)
}

// Note is a threat note as GET /threats/{id}/notes returns it.
type Note struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Creator   string `json:"creator"`
	CreatorID string `json:"creatorId"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	Edited    bool   `json:"edited"`
}

// TimelineEntry is one activity of a threat's timeline, as GET /threats/{id}/timeline
// returns it.
type TimelineEntry struct {
	ID                   string         `json:"id"`
	ActivityType         int            `json:"activityType"`
	ActivityUUID         string         `json:"activityUuid"`
	AccountID            string         `json:"accountId"`
	AccountName          string         `json:"accountName"`
	AgentID              string         `json:"agentId"`
	AgentUpdatedVersion  *string        `json:"agentUpdatedVersion"`
	Comments             *string        `json:"comments"`
	CreatedAt            string         `json:"createdAt"`
	UpdatedAt            string         `json:"updatedAt"`
	Data                 map[string]any `json:"data"`
	Description          *string        `json:"description"`
	GroupID              string         `json:"groupId"`
	GroupName            string         `json:"groupName"`
	Hash                 *string        `json:"hash"`
	OSFamily             *string        `json:"osFamily"`
	PrimaryDescription   string         `json:"primaryDescription"`
	SecondaryDescription *string        `json:"secondaryDescription"`
	SiteID               string         `json:"siteId"`
	SiteName             string         `json:"siteName"`
	ThreatID             string         `json:"threatId"`
	UserID               *string        `json:"userId"`
}

// Timeline activity types the simulator records. SentinelOne numbers its activity types;
// these follow its grouping (threat events in the 2000s and 3000s) without claiming its
// exact numbers.
const (
	ActivityDetected       = 18
	ActivityMitigation     = 2004
	ActivityVerdict        = 3122
	ActivityIncidentStatus = 3121
	ActivityNote           = 3103
	ActivityMarkedBenign   = 3100
)

// logActivity appends an activity to t's timeline; callers hold mu for writing. The first
// record of a threat also writes its detection.
func (s *Simulator) logActivity(t *Threat, typ int, text string, data map[string]any) {
	ts := &s.triage
	if ts.timeline == nil {
		ts.timeline = map[string][]TimelineEntry{}
	}
	if len(ts.timeline[t.ID]) == 0 {
		ts.timeline[t.ID] = []TimelineEntry{s.detection(t)}
	}
	ts.timeline[t.ID] = append(ts.timeline[t.ID], s.entry(ts.newID(), t, typ, t.UpdatedAt, text, data))
}

// detection is the first entry of every threat's timeline; its id derives from the
// threat's, below every id newID gives, so it sorts first.
func (s *Simulator) detection(t *Threat) TimelineEntry {
	tail := t.ID
	if len(tail) > 17 {
		tail = tail[len(tail)-17:]
	}
	id := "18" + strings.Repeat("0", 17-len(tail)) + tail
	e := s.entry(id, t, ActivityDetected, t.CreatedAt, "Threat "+t.Name+" was detected",
		map[string]any{"threatClassification": t.Classification})
	e.UserID = nil // the agent detected it, not a user
	return e
}

func (s *Simulator) entry(id string, t *Threat, typ int, at, text string, data map[string]any) TimelineEntry {
	e := TimelineEntry{ID: id, ActivityType: typ, CreatedAt: at, UpdatedAt: at, AgentID: t.AgentID,
		ThreatID: t.ID, PrimaryDescription: text, Data: data}
	e.ActivityUUID = uuidFrom(e.ID)
	path, hash, user := t.FilePath, t.SHA1, creatorID
	e.SecondaryDescription, e.Hash, e.UserID = &path, &hash, &user
	if a := s.agentOf(t.AgentID); a != nil {
		e.AccountID, e.AccountName, e.SiteID, e.SiteName, e.GroupID, e.GroupName =
			a.AccountID, a.AccountName, a.SiteID, a.SiteName, a.GroupID, a.GroupName
		os, version := a.OSType, a.AgentVersion
		e.OSFamily, e.AgentUpdatedVersion = &os, &version
	}
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	e.Data["threatName"] = t.Name
	return e
}

// uuidFrom formats a deterministic UUID-shaped string from an id.
func uuidFrom(id string) string {
	h := id + "0000000000000"
	h = h[:32]
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// SeedTimeline appends n entries to a threat's timeline, for tests that page past
// SentinelOne's page cap. It reports whether the threat exists.
func (s *Simulator) SeedTimeline(threatID string, n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.threatOf(threatID)
	if t == nil {
		return false
	}
	for k := range n {
		s.logActivity(t, ActivityNote, "Seeded activity "+strconv.Itoa(k+1), nil)
	}
	return true
}

// Notes returns a copy of a threat's notes.
func (s *Simulator) Notes(threatID string) []Note {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]Note(nil), s.triage.notes[threatID]...)
}

// Timeline returns a copy of a threat's timeline (empty until something is applied to it).
func (s *Simulator) Timeline(threatID string) []TimelineEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]TimelineEntry(nil), s.triage.timeline[threatID]...)
}

var incidentStatuses = map[string]bool{"unresolved": true, "in_progress": true, "resolved": true}

// incident serves the v2.1-only POST /threats/incident: the incident status and, when
// given, the analyst verdict.
func (s *Simulator) incident(w http.ResponseWriter, _ *http.Request, c *call) {
	check := func(d actionData, _ bool) error {
		if !incidentStatuses[d.IncidentStatus] {
			return validationf("data.incidentStatus must be one of unresolved, in_progress, resolved")
		}
		if d.AnalystVerdict != "" && !analystVerdicts[d.AnalystVerdict] {
			return validationf("data.analystVerdict must be one of undefined, true_positive, false_positive, suspicious")
		}
		return nil
	}
	details := []map[string]string{}
	n, ok := s.threatAction(w, c, check, func(t *Threat, d actionData) {
		result := "updated"
		if t.IncidentStatus == d.IncidentStatus && (d.AnalystVerdict == "" || d.AnalystVerdict == t.AnalystVerdict) {
			result = "already_set"
		}
		t.IncidentStatus, t.Resolved = d.IncidentStatus, d.IncidentStatus == "resolved"
		if d.AnalystVerdict != "" {
			t.AnalystVerdict = d.AnalystVerdict
			t.MarkedAsBenign = d.AnalystVerdict == "false_positive"
		}
		s.logActivity(t, ActivityIncidentStatus, "Incident status of "+t.Name+" changed to "+d.IncidentStatus,
			map[string]any{"incidentStatus": d.IncidentStatus, "analystVerdict": t.AnalystVerdict})
		details = append(details, map[string]string{"threatId": t.ID, "result": result, "analystVerdict": t.AnalystVerdict})
	})
	if ok {
		writeData(w, map[string]any{"affected": n, "details": details})
	}
}

// addNote serves POST /threats/notes: one note on each matched threat.
func (s *Simulator) addNote(w http.ResponseWriter, _ *http.Request, c *call) {
	check := func(d actionData, _ bool) error {
		if n := utf8.RuneCountInString(d.Text); n < 1 || n > MaxNoteLength {
			return validationf("data.text is required and must be 1 to %d characters", MaxNoteLength)
		}
		return nil
	}
	user := "admin"
	if c.acct != nil {
		user = c.acct.user
	}
	n, ok := s.threatAction(w, c, check, func(t *Threat, d actionData) {
		ts := &s.triage
		if ts.notes == nil {
			ts.notes = map[string][]Note{}
		}
		ts.notes[t.ID] = append(ts.notes[t.ID], Note{ID: ts.newID(), Text: d.Text, Creator: user,
			CreatorID: creatorID, CreatedAt: t.UpdatedAt, UpdatedAt: t.UpdatedAt})
		s.logActivity(t, ActivityNote, "A note was added to "+t.Name, map[string]any{"note": d.Text})
	})
	if ok {
		writeData(w, map[string]int{"affected": n})
	}
}

// creatorID is the user id of the simulator's API users.
const creatorID = "1000000000000000001"

func noteID(n *Note) string           { return n.ID }
func entryID(e *TimelineEntry) string { return e.ID }

// threatNotes serves GET /threats/{id}/notes.
func (s *Simulator) threatNotes(w http.ResponseWriter, r *http.Request, c *call) {
	p, err := parsePage(r.URL.Query(), "note_id")
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.RLock()
	t := s.threatOf(c.arg)
	out, total, next := paginate(s.triage.notes[c.arg], noteID, nil, p, "note_id")
	s.mu.RUnlock()
	if t == nil {
		writeError(w, http.StatusNotFound, codeNotFound, "Not Found", "threat not found")
		return
	}
	writeList(w, out, total, next)
}

// threatTimeline serves GET /threats/{id}/timeline, oldest first unless sortOrder=desc.
func (s *Simulator) threatTimeline(w http.ResponseWriter, r *http.Request, c *call) {
	p, err := parsePage(r.URL.Query(), "activity_id")
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.RLock()
	t := s.threatOf(c.arg)
	var out []TimelineEntry
	var total int
	var next *string
	if t != nil {
		items := s.triage.timeline[c.arg]
		if len(items) == 0 { // nothing applied yet: the detection alone
			items = []TimelineEntry{s.detection(t)}
		}
		out, total, next = paginate(items, entryID, nil, p, "activity_id")
	}
	s.mu.RUnlock()
	if t == nil {
		writeError(w, http.StatusNotFound, codeNotFound, "Not Found", "threat not found")
		return
	}
	writeList(w, out, total, next)
}

// threatOf returns the threat with id, or nil; callers hold mu.
func (s *Simulator) threatOf(id string) *Threat {
	if i, ok := s.fleet.threatIdx[id]; ok {
		return &s.fleet.threats[i]
	}
	return nil
}
