package s1sim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// ListEntry is an entry of the blocklist (GET /restrictions) or of the exclusions
// (GET /exclusions), with the scope it was added in.
type ListEntry struct {
	ID                string  `json:"id"`
	Type              string  `json:"type"`
	Value             string  `json:"value"`
	OSType            string  `json:"osType"`
	Description       string  `json:"description"`
	Source            string  `json:"source"`
	Mode              *string `json:"mode,omitempty"`
	PathExclusionType *string `json:"pathExclusionType,omitempty"`
	ScopeName         string  `json:"scopeName"`
	ScopePath         string  `json:"scopePath"`
	Scope             Scope   `json:"scope"`
	UserID            string  `json:"userId"`
	UserName          string  `json:"userName"`
	CreatedAt         string  `json:"createdAt"`
	UpdatedAt         string  `json:"updatedAt"`
	NotRecommended    string  `json:"notRecommended"`
	IncludeChildren   bool    `json:"includeChildren"`
	IncludeParents    bool    `json:"includeParents"`
	Imported          bool    `json:"imported"`
	// Exclusions only.
	Actions         *[]string `json:"actions,omitempty"`
	InAppInventory  *bool     `json:"inAppInventory,omitempty"`
	ApplicationName *string   `json:"applicationName,omitempty"`
	Inject          *bool     `json:"inject,omitempty"`
}

// Scope is where a list entry applies: the tenant (global) or account, site or group ids.
type Scope struct {
	Tenant     bool     `json:"tenant"`
	AccountIDs []string `json:"accountIds"`
	SiteIDs    []string `json:"siteIds"`
	GroupIDs   []string `json:"groupIds"`
}

// MarshalJSON renders every scope key, the unused id lists as [].
func (sc Scope) MarshalJSON() ([]byte, error) {
	type plain Scope
	out := plain(sc)
	for _, l := range []*[]string{&out.AccountIDs, &out.SiteIDs, &out.GroupIDs} {
		if *l == nil {
			*l = []string{}
		}
	}
	return json.Marshal(out)
}

// listKind describes one of the two scoped lists.
type listKind struct {
	name  string // for messages
	types map[string]bool
	modes map[string]bool // exclusions only
	store func(ts *triageState) *[]ListEntry
}

var (
	blocklistKind = listKind{name: "restriction", types: map[string]bool{"black_hash": true},
		store: func(ts *triageState) *[]ListEntry { return &ts.blocklist }}
	exclusionKind = listKind{name: "exclusion",
		types: map[string]bool{"white_hash": true, "path": true, "certificate": true, "browser": true, "file_type": true},
		modes: map[string]bool{"suppress": true, "disable_in_process_monitor": true, "disable_in_process_monitor_deep": true,
			"disable_all_monitors": true, "disable_all_monitors_deep": true},
		store: func(ts *triageState) *[]ListEntry { return &ts.exclusions }}
)

var osTypes = map[string]bool{"windows": true, "macos": true, "linux": true, "windows_legacy": true}

// listRoute routes GET, POST and DELETE of a list path.
func listRoute(k listKind) endpoint {
	get := endpoint{method: http.MethodGet, h: func(s *Simulator, w http.ResponseWriter, r *http.Request, c *call) { s.listEntries(w, r, k) }}
	get.others = map[string]endpoint{
		http.MethodPost:   {method: http.MethodPost, write: true, h: func(s *Simulator, w http.ResponseWriter, r *http.Request, c *call) { s.createEntry(w, c, k) }},
		http.MethodDelete: {method: http.MethodDelete, write: true, h: func(s *Simulator, w http.ResponseWriter, r *http.Request, c *call) { s.deleteEntries(w, c, k) }},
	}
	return get
}

// Blocklist returns a copy of the blocklist entries.
func (s *Simulator) Blocklist() []ListEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.triage.blocklist)
}

// Exclusions returns a copy of the exclusion entries.
func (s *Simulator) Exclusions() []ListEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.triage.exclusions)
}

// parseScope reads a scope from a filter; exactly one of tenant, accountIds, siteIds,
// groupIds. Callers hold mu (the ids are checked against the fleet).
func (s *Simulator) parseScope(f rawFilter, required bool) (Scope, bool, error) {
	var sc Scope
	n := 0
	if v := f["tenant"]; len(v) > 0 {
		if strings.EqualFold(v[0], "true") {
			sc.Tenant = true
			n++
		}
	}
	known := map[string]map[string]bool{"accountIds": {}, "siteIds": {}, "groupIds": {}}
	for i := range s.fleet.agents {
		a := &s.fleet.agents[i]
		known["accountIds"][a.AccountID], known["siteIds"][a.SiteID], known["groupIds"][a.GroupID] = true, true, true
	}
	for _, sc := range s.fleet.scopes { // groups, sites and accounts with no agent exist too
		known["accountIds"][sc.accountID], known["siteIds"][sc.siteID], known["groupIds"][sc.groupID] = true, true, true
	}
	for key, dst := range map[string]*[]string{"accountIds": &sc.AccountIDs, "siteIds": &sc.SiteIDs, "groupIds": &sc.GroupIDs} {
		ids := f.list(key)
		if len(ids) == 0 {
			continue
		}
		for _, id := range ids {
			if !known[key][id] {
				return sc, false, validationf("filter.%s: %s is not a known id", key, id)
			}
		}
		*dst = ids
		n++
	}
	switch {
	case n > 1:
		return sc, false, validationf("give one scope: tenant, accountIds, siteIds or groupIds")
	case n == 0 && required:
		return sc, false, validationf("a scope is required: tenant, accountIds, siteIds or groupIds")
	}
	return sc, n == 1, nil
}

func (sc Scope) level() (string, []string) {
	switch {
	case sc.Tenant:
		return "tenant", nil
	case len(sc.AccountIDs) > 0:
		return "account", sc.AccountIDs
	case len(sc.SiteIDs) > 0:
		return "site", sc.SiteIDs
	case len(sc.GroupIDs) > 0:
		return "group", sc.GroupIDs
	}
	return "", nil
}

// covers reports whether an entry scoped at sc is seen from a query scoped at q: the same
// level and an id in common.
func (sc Scope) covers(q Scope) bool {
	l1, ids1 := sc.level()
	l2, ids2 := q.level()
	if l1 != l2 {
		return false
	}
	if l1 == "tenant" {
		return true
	}
	for _, id := range ids2 {
		if slices.Contains(ids1, id) {
			return true
		}
	}
	return false
}

type entryData struct {
	Type              string `json:"type"`
	Value             string `json:"value"`
	OSType            string `json:"osType"`
	Description       string `json:"description"`
	Source            string `json:"source"`
	Mode              string `json:"mode"`
	PathExclusionType string `json:"pathExclusionType"`
}

// createEntry serves POST /restrictions and POST /exclusions: one entry per request; an
// entry of the same type, value and OS in the same scope is refused with 4000030.
func (s *Simulator) createEntry(w http.ResponseWriter, c *call, k listKind) {
	var in struct {
		Filter json.RawMessage `json:"filter"`
		Data   entryData       `json:"data"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil {
		writeValidation(w, validationf("body must be an object with filter and data"))
		return
	}
	d := in.Data
	switch {
	case !k.types[d.Type]:
		writeValidation(w, validationf("data.type %q is not a valid %s type", d.Type, k.name))
		return
	case strings.TrimSpace(d.Value) == "":
		writeValidation(w, validationf("data.value is required"))
		return
	case !osTypes[d.OSType]:
		writeValidation(w, validationf("data.osType must be one of windows, macos, linux, windows_legacy"))
		return
	case k.modes != nil && d.Mode != "" && !k.modes[d.Mode]:
		writeValidation(w, validationf("data.mode %q is not valid", d.Mode))
		return
	}
	if d.Type == "black_hash" || d.Type == "white_hash" {
		if _, ok := hashArg(d.Value, 40, 64); !ok {
			writeValidation(w, validationf("data.value must be a SHA1 or SHA256 hash"))
			return
		}
	}
	raw := rawFilter{}
	if len(in.Filter) > 0 && string(in.Filter) != "null" {
		f, err := jsonFilter(in.Filter)
		if err != nil {
			writeErr(w, err)
			return
		}
		raw = f
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, _, err := s.parseScope(raw, true)
	if err != nil {
		writeErr(w, err)
		return
	}
	store := k.store(&s.triage)
	for _, e := range *store {
		if e.Type == d.Type && strings.EqualFold(e.Value, d.Value) && e.OSType == d.OSType && e.Scope.covers(sc) && sc.covers(e.Scope) {
			writeError(w, http.StatusBadRequest, codeAlreadyExists, "Already Exists Error", "an entry with this value already exists in this scope")
			return
		}
	}
	now := stamp(time.Now())
	level, ids := sc.level()
	e := ListEntry{ID: s.triage.newID(), Type: d.Type, Value: d.Value, OSType: d.OSType, Description: d.Description,
		Source: d.Source, Scope: sc, ScopeName: level, ScopePath: strings.Join(append([]string{level}, ids...), " / "),
		UserID: creatorID, UserName: c.acct.user, CreatedAt: now, UpdatedAt: now, NotRecommended: "NONE"}
	if e.Source == "" {
		e.Source = "user"
	}
	if k.modes != nil {
		actions, no, app := []string{}, false, ""
		e.Actions, e.InAppInventory, e.ApplicationName, e.Inject = &actions, &no, &app, &no
		mode := d.Mode
		if mode == "" {
			mode = "suppress"
		}
		e.Mode = &mode
		if d.Type == "path" {
			pt := d.PathExclusionType
			if pt == "" {
				pt = "file"
			}
			e.PathExclusionType = &pt
		}
	}
	*store = append(*store, e)
	writeData(w, []ListEntry{e})
}

// codeAlreadyExists is SentinelOne's code for an entry that already exists.
const codeAlreadyExists = 4000030

// deleteEntries serves DELETE /restrictions and DELETE /exclusions with data.ids.
func (s *Simulator) deleteEntries(w http.ResponseWriter, c *call, k listKind) {
	var in struct {
		Data struct {
			IDs  []string `json:"ids"`
			Type string   `json:"type"`
		} `json:"data"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil || len(in.Data.IDs) == 0 {
		writeValidation(w, validationf("data.ids is required"))
		return
	}
	if in.Data.Type != "" && !k.types[in.Data.Type] {
		writeValidation(w, validationf("data.type %q is not a valid %s type", in.Data.Type, k.name))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	store := k.store(&s.triage)
	n := 0
	*store = slices.DeleteFunc(*store, func(e ListEntry) bool {
		if slices.Contains(in.Data.IDs, e.ID) && (in.Data.Type == "" || in.Data.Type == e.Type) {
			n++
			return true
		}
		return false
	})
	writeData(w, map[string]int{"affected": n})
}

func listEntryID(e *ListEntry) string { return e.ID }

// listEntries serves GET /restrictions and GET /exclusions with the type, value,
// value__contains, osTypes, ids and scope filters.
func (s *Simulator) listEntries(w http.ResponseWriter, r *http.Request, k listKind) {
	q := r.URL.Query()
	p, err := parsePage(q, "entry_id")
	if err != nil {
		writeErr(w, err)
		return
	}
	f := queryFilter(q)
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, scoped, err := s.parseScope(f, false)
	if err != nil {
		writeErr(w, err)
		return
	}
	typ, value, contains := q.Get("type"), q.Get("value"), strings.ToLower(q.Get("value__contains"))
	if typ != "" && !k.types[typ] {
		writeValidation(w, validationf("type %q is not a valid %s type", typ, k.name))
		return
	}
	oses, ids := f.list("osTypes"), f.list("ids")
	keep := func(e *ListEntry) bool {
		return (typ == "" || e.Type == typ) && (value == "" || e.Value == value) &&
			(contains == "" || strings.Contains(strings.ToLower(e.Value), contains)) &&
			(len(oses) == 0 || slices.Contains(oses, e.OSType)) && (len(ids) == 0 || slices.Contains(ids, e.ID)) &&
			(!scoped || e.Scope.covers(sc))
	}
	out, total, next := paginate(*k.store(&s.triage), listEntryID, []predicate[ListEntry]{keep}, p, "entry_id")
	writeList(w, out, total, next)
}
