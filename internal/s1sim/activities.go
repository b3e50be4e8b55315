package s1sim

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Activity is one entry of the console's activity log, with the fields of a SentinelOne
// activity object (GET /activities data[] items).
type Activity struct {
	ID                   string         `json:"id"`
	ActivityUUID         string         `json:"activityUuid"`
	ActivityType         int            `json:"activityType"`
	PrimaryDescription   string         `json:"primaryDescription"`
	SecondaryDescription *string        `json:"secondaryDescription"`
	Description          *string        `json:"description"`
	Comments             *string        `json:"comments"`
	AgentID              *string        `json:"agentId"`
	AgentUpdatedVersion  *string        `json:"agentUpdatedVersion"`
	ThreatID             *string        `json:"threatId"`
	Hash                 *string        `json:"hash"`
	OSFamily             *string        `json:"osFamily"`
	UserID               string         `json:"userId"`
	SiteID               string         `json:"siteId"`
	SiteName             string         `json:"siteName"`
	GroupID              *string        `json:"groupId"`
	GroupName            *string        `json:"groupName"`
	AccountID            string         `json:"accountId"`
	AccountName          string         `json:"accountName"`
	Data                 map[string]any `json:"data"`
	CreatedAt            string         `json:"createdAt"`
	UpdatedAt            string         `json:"updatedAt"`
}

// activityType is one entry of GET /activities/types.
type activityType struct {
	ID                  int    `json:"id"`
	Action              string `json:"action"`
	DescriptionTemplate string `json:"descriptionTemplate"`
}

// activityTypes are the types the simulator records, keyed by the agent action or threat
// mitigation that records them. The ids are the simulator's own; clients read them from
// GET /activities/types rather than hard-coding them.
var activityTypes = map[string]activityType{
	"disconnect":      {61, "Agent Disconnected From Network", "The management user {{ username }} issued a disconnect from network command to the machine {{ computer_name }}."},
	"connect":         {62, "Agent Reconnected To Network", "The management user {{ username }} issued a reconnect to network command to the machine {{ computer_name }}."},
	"decommission":    {52, "Agent Decommissioned", "The management user {{ username }} decommissioned the agent {{ computer_name }}."},
	"uninstall":       {51, "Agent Uninstall Requested", "The management user {{ username }} requested to uninstall the agent {{ computer_name }}."},
	"shutdown":        {66, "Agent Shutdown Requested", "The management user {{ username }} issued a shutdown command to the machine {{ computer_name }}."},
	"broadcast":       {79, "Message Broadcast", "The management user {{ username }} sent a message to the agent {{ computer_name }}."},
	"initiate-scan":   {83, "Scan Initiated", "The management user {{ username }} initiated a full disk scan on {{ computer_name }}."},
	"abort-scan":      {81, "Scan Aborted", "The management user {{ username }} aborted the scan on {{ computer_name }}."},
	"fetch-logs":      {82, "Agent Logs Requested", "The management user {{ username }} requested the logs of {{ computer_name }}."},
	"restart-machine": {67, "Machine Restart Requested", "The management user {{ username }} issued a restart command to the machine {{ computer_name }}."},
	"enable-agent":    {68, "Agent Enabled", "The management user {{ username }} enabled the agent {{ computer_name }}."},
	"disable-agent":   {69, "Agent Disabled", "The management user {{ username }} disabled the agent {{ computer_name }}."},
	"move-to-group":   {1001, "Agent Moved To Group", "The management user {{ username }} moved the agent {{ computer_name }} to the group {{ group_name }}."},
	"move-to-site":    {1002, "Agent Moved To Site", "The management user {{ username }} moved the agent {{ computer_name }} to the site {{ site_name }}."},
	"file-upload":     {80, "Agent Uploaded Files", "The agent {{ computer_name }} uploaded the files the management user {{ username }} asked for."},
	"recommission":    {53, "Agent Recommissioned", "The management user {{ username }} recommissioned the agent {{ computer_name }}."},
	"threat-action":   {2004, "Threat Mitigation Requested", "The management user {{ username }} issued the {{ action }} command to the threat {{ threat_name }}."},
}

// activityUser is the console user the simulator records as the actor.
const activityUser = "1187327469612345678"

// recordAgent appends an activity of kind for agent a; the caller holds the write lock.
func (f *fleet) recordAgent(kind string, a *Agent, now time.Time, extra map[string]any) {
	t := activityTypes[kind]
	data := map[string]any{"computerName": a.ComputerName, "username": "soar-api", "siteName": a.SiteName, "groupName": a.GroupName}
	for k, v := range extra {
		data[k] = v
	}
	desc := strings.NewReplacer("{{ username }}", "soar-api", "{{ computer_name }}", a.ComputerName,
		"{{ group_name }}", a.GroupName, "{{ site_name }}", a.SiteName).Replace(t.DescriptionTemplate)
	f.record(Activity{ActivityType: t.ID, PrimaryDescription: desc, SecondaryDescription: strPtr(a.ComputerName),
		Description: strPtr(t.Action + " by the API"), AgentID: strPtr(a.ID),
		AgentUpdatedVersion: strPtr(a.AgentVersion), OSFamily: strPtr(a.OSType), SiteID: a.SiteID, SiteName: a.SiteName,
		GroupID: strPtr(a.GroupID), GroupName: strPtr(a.GroupName), AccountID: a.AccountID, AccountName: a.AccountName,
		Data: data}, now)
}

// recordThreat appends an activity for an action on threat t of agent a (nil when the
// agent is gone); the caller holds the write lock.
func (f *fleet) recordThreat(action string, t *Threat, a *Agent, now time.Time) {
	typ := activityTypes["threat-action"]
	desc := strings.NewReplacer("{{ username }}", "soar-api", "{{ action }}", action, "{{ threat_name }}", t.Name).Replace(typ.DescriptionTemplate)
	act := Activity{ActivityType: typ.ID, PrimaryDescription: desc, SecondaryDescription: strPtr(t.Name),
		Description: strPtr(action + " by the API"), ThreatID: strPtr(t.ID), Hash: strPtr(t.SHA1),
		AgentID: strPtr(t.AgentID), Data: map[string]any{"action": action, "threatName": t.Name, "username": "soar-api"}}
	if a != nil {
		act.SiteID, act.SiteName, act.AccountID, act.AccountName = a.SiteID, a.SiteName, a.AccountID, a.AccountName
		act.GroupID, act.GroupName, act.OSFamily = strPtr(a.GroupID), strPtr(a.GroupName), strPtr(a.OSType)
	}
	f.record(act, now)
}

func (f *fleet) record(a Activity, now time.Time) {
	if f.lastActID == 0 {
		f.lastActID = 1700000000000000000
	}
	f.lastActID++
	a.ID = strconv.FormatUint(f.lastActID, 10)
	a.ActivityUUID = fmt.Sprintf("%08x-0000-4000-8000-%012x", f.lastActID>>32, f.lastActID&0xffffffffffff)
	a.UserID = activityUser
	a.CreatedAt, a.UpdatedAt = stamp(now), stamp(now)
	f.activities = append(f.activities, a)
}

// Activities returns a copy of the recorded activities, oldest first.
func (s *Simulator) Activities() []Activity {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]Activity(nil), s.fleet.activities...)
}

const activityCursor = "activity_id"

func activityID(a *Activity) string { return a.ID }

func compileActivityFilter(r rawFilter) ([]predicate[Activity], error) {
	k := &filterKit[Activity]{r: r}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	k.in("ids", nil, func(a *Activity) string { return a.ID })
	k.in("activityTypes", nil, func(a *Activity) string { return strconv.Itoa(a.ActivityType) })
	k.in("agentIds", nil, func(a *Activity) string { return deref(a.AgentID) })
	k.in("threatIds", nil, func(a *Activity) string { return deref(a.ThreatID) })
	k.in("groupIds", nil, func(a *Activity) string { return deref(a.GroupID) })
	k.in("siteIds", nil, func(a *Activity) string { return a.SiteID })
	k.in("accountIds", nil, func(a *Activity) string { return a.AccountID })
	k.date("createdAt", func(a *Activity) *string { return &a.CreatedAt })
	return k.preds, k.err
}

func (s *Simulator) listActivities(w http.ResponseWriter, r *http.Request, _ *call) {
	q := r.URL.Query()
	p, err := parsePage(q, activityCursor)
	if err != nil {
		writeErr(w, err)
		return
	}
	preds, err := compileActivityFilter(queryFilter(q))
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.RLock()
	out, total, next := paginate(s.fleet.activities, activityID, preds, p, activityCursor)
	s.mu.RUnlock()
	writeList(w, nonNilSlice(out), total, next)
}

func (s *Simulator) listActivityTypes(w http.ResponseWriter, _ *http.Request, _ *call) {
	seen := map[int]bool{}
	var out []activityType
	for _, t := range activityTypes {
		if !seen[t.ID] {
			seen[t.ID] = true
			out = append(out, t)
		}
	}
	sortBy(out, func(t activityType) int { return t.ID })
	writeData(w, out)
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func sortBy[T any](s []T, key func(T) int) {
	slices.SortFunc(s, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
}
