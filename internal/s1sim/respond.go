package s1sim

import (
	"encoding/json"
	"net/http"
	"time"
)

// Site is one entry of GET /sites data.sites, with the fields of a SentinelOne site.
type Site struct {
	ID                  string         `json:"id"`
	Name                string         `json:"name"`
	AccountID           string         `json:"accountId"`
	AccountName         string         `json:"accountName"`
	State               string         `json:"state"`
	SiteType            string         `json:"siteType"`
	Suite               string         `json:"suite"`
	Sku                 string         `json:"sku"`
	IsDefault           bool           `json:"isDefault"`
	ActiveLicenses      int            `json:"activeLicenses"`
	TotalLicenses       int            `json:"totalLicenses"`
	UnlimitedLicenses   bool           `json:"unlimitedLicenses"`
	UnlimitedExpiration bool           `json:"unlimitedExpiration"`
	Expiration          *string        `json:"expiration"`
	HealthStatus        bool           `json:"healthStatus"`
	Description         *string        `json:"description"`
	ExternalID          *string        `json:"externalId"`
	UsageType           string         `json:"usageType"`
	Licenses            map[string]any `json:"licenses"`
	Creator             string         `json:"creator"`
	CreatorID           string         `json:"creatorId"`
	RegistrationToken   string         `json:"registrationToken"`
	CreatedAt           string         `json:"createdAt"`
	UpdatedAt           string         `json:"updatedAt"`
}

// Group is one entry of GET /groups, with the fields of a SentinelOne group.
type Group struct {
	ID                string  `json:"id"`
	Name              string  `json:"name"`
	Description       *string `json:"description"`
	SiteID            string  `json:"siteId"`
	Type              string  `json:"type"`
	IsDefault         bool    `json:"isDefault"`
	Inherits          bool    `json:"inherits"`
	Rank              *int    `json:"rank"`
	TotalAgents       int     `json:"totalAgents"`
	FilterID          *string `json:"filterId"`
	FilterName        *string `json:"filterName"`
	Creator           string  `json:"creator"`
	CreatorID         string  `json:"creatorId"`
	RegistrationToken string  `json:"registrationToken"`
	CreatedAt         string  `json:"createdAt"`
	UpdatedAt         string  `json:"updatedAt"`
}

// ConsoleAccount is one entry of GET /accounts, with the fields of a SentinelOne account.
type ConsoleAccount struct {
	ID                  string         `json:"id"`
	Name                string         `json:"name"`
	AccountType         string         `json:"accountType"`
	State               string         `json:"state"`
	ActiveAgents        int            `json:"activeAgents"`
	TotalLicenses       int            `json:"totalLicenses"`
	UnlimitedExpiration bool           `json:"unlimitedExpiration"`
	Expiration          *string        `json:"expiration"`
	NumberOfSites       int            `json:"numberOfSites"`
	BillingMode         string         `json:"billingMode"`
	ExternalID          *string        `json:"externalId"`
	IsDefault           bool           `json:"isDefault"`
	UsageType           string         `json:"usageType"`
	SalesforceID        string         `json:"salesforceId"`
	Licenses            map[string]any `json:"licenses"`
	Creator             string         `json:"creator"`
	CreatorID           string         `json:"creatorId"`
	CreatedAt           string         `json:"createdAt"`
	UpdatedAt           string         `json:"updatedAt"`
	// The deprecated per-suite counters SentinelOne still returns.
	Skus                []any `json:"skus"`
	CoreSites           int   `json:"coreSites"`
	CompleteSites       int   `json:"completeSites"`
	ControlSites        int   `json:"controlSites"`
	TotalCore           int   `json:"totalCore"`
	TotalComplete       int   `json:"totalComplete"`
	TotalControl        int   `json:"totalControl"`
	UnlimitedCore       bool  `json:"unlimitedCore"`
	UnlimitedComplete   bool  `json:"unlimitedComplete"`
	UnlimitedControl    bool  `json:"unlimitedControl"`
	AgentsInCoreSku     int   `json:"agentsInCoreSku"`
	AgentsInCompleteSku int   `json:"agentsInCompleteSku"`
	AgentsInControlSku  int   `json:"agentsInControlSku"`
}

// licenses is the licenses object of a site or account with n Complete licenses.
func licenses(n int) map[string]any {
	surfaces := []map[string]any{{"name": "Total Agents", "count": n}}
	return map[string]any{
		"bundles":  []map[string]any{{"name": "complete", "displayName": "Complete", "majorVersion": 1, "minorVersion": 0, "surfaces": surfaces, "totalSurfaces": n}},
		"modules":  []any{},
		"settings": []any{},
		"surfaces": surfaces,
	}
}

// consoleExpiry is when the second account's licenses run out: one account of the seeded
// console expires, the other does not.
const consoleExpiry = "2027-01-31T00:00:00.000000Z"

const consoleCreated = "2023-01-10T09:00:00.000000Z"

// sites returns the console's sites with their current agent counts; the caller holds a lock.
func (f *fleet) sites() []Site {
	var out []Site
	idx := map[string]int{}
	for _, sc := range f.scopes {
		if _, ok := idx[sc.siteID]; !ok {
			idx[sc.siteID] = len(out)
			site := Site{ID: sc.siteID, Name: sc.siteName, AccountID: sc.accountID, AccountName: sc.accountName,
				State: "active", SiteType: "Paid", Suite: "Complete", Sku: "Complete", IsDefault: len(out) == 0,
				TotalLicenses: 10000, UnlimitedExpiration: true, HealthStatus: true, UsageType: "customer",
				Description: strPtr(sc.siteName + " endpoints of " + sc.accountName), Licenses: licenses(10000),
				Creator: "console admin", CreatorID: activityUser, RegistrationToken: "eyJ1cmwiOiAic2ltIn0=",
				CreatedAt: consoleCreated, UpdatedAt: consoleCreated}
			if sc.accountID != consoleAccounts[0].id {
				site.UnlimitedExpiration, site.Expiration, site.ExternalID = false, strPtr(consoleExpiry), strPtr("CRM-"+sc.siteID[len(sc.siteID)-4:])
			}
			out = append(out, site)
		}
	}
	for i := range f.agents {
		if a := &f.agents[i]; !a.IsDecommissioned {
			if j, ok := idx[a.SiteID]; ok {
				out[j].ActiveLicenses++
			}
		}
	}
	return out
}

// groups returns the console's groups with their current agent counts; the caller holds a lock.
func (f *fleet) groups() []Group {
	out := make([]Group, len(f.scopes))
	idx := map[string]int{}
	for i, sc := range f.scopes {
		idx[sc.groupID] = i
		out[i] = Group{ID: sc.groupID, Name: sc.groupName, SiteID: sc.siteID, Type: "static", IsDefault: sc.groupName == "Default Group",
			Description: strPtr(sc.groupName + " of " + sc.siteName), Inherits: true, Creator: "console admin",
			CreatorID: activityUser, RegistrationToken: "eyJ1cmwiOiAic2ltIn0=", CreatedAt: consoleCreated, UpdatedAt: consoleCreated}
		if sc.filterID != "" {
			rank := i
			out[i].Type, out[i].FilterID, out[i].FilterName, out[i].Rank = "dynamic", strPtr(sc.filterID), strPtr(sc.groupName), &rank
		}
	}
	for i := range f.agents {
		if j, ok := idx[f.agents[i].GroupID]; ok {
			out[j].TotalAgents++
		}
	}
	return out
}

func (f *fleet) consoleAccounts() []ConsoleAccount {
	var out []ConsoleAccount
	for _, ca := range consoleAccounts {
		acct := ConsoleAccount{ID: ca.id, Name: ca.name, AccountType: "Paid", State: "active", TotalLicenses: 20000,
			UnlimitedExpiration: true, BillingMode: "subscription", IsDefault: ca.id == consoleAccounts[0].id, UsageType: "customer",
			SalesforceID: "", Licenses: licenses(20000), Skus: []any{}, TotalComplete: 20000, Creator: "console admin",
			CreatorID: activityUser, CreatedAt: consoleCreated, UpdatedAt: consoleCreated}
		if !acct.IsDefault {
			acct.UnlimitedExpiration, acct.Expiration, acct.ExternalID = false, strPtr(consoleExpiry), strPtr("CRM-"+ca.id[len(ca.id)-4:])
		}
		for _, s := range f.sites() {
			if s.AccountID == ca.id {
				acct.NumberOfSites++
				acct.CompleteSites++
				acct.ActiveAgents += s.ActiveLicenses
				acct.AgentsInCompleteSku += s.ActiveLicenses
			}
		}
		out = append(out, acct)
	}
	return out
}

func (s *Simulator) listSites(w http.ResponseWriter, r *http.Request, _ *call) {
	q := r.URL.Query()
	p, err := parsePage(q, "site_id")
	if err != nil {
		writeErr(w, err)
		return
	}
	k := &filterKit[Site]{r: queryFilter(q)}
	k.in("siteIds", nil, func(x *Site) string { return x.ID })
	k.in("accountIds", nil, func(x *Site) string { return x.AccountID })
	k.in("states", nil, func(x *Site) string { return x.State })
	if k.err != nil {
		writeErr(w, k.err)
		return
	}
	s.mu.RLock()
	all := s.fleet.sites()
	s.mu.RUnlock()
	out, total, next := paginate(all, func(x *Site) string { return x.ID }, k.preds, p, "site_id")
	active, licenses := 0, 0
	for _, x := range out {
		active, licenses = active+x.ActiveLicenses, licenses+x.TotalLicenses
	}
	writeList(w, map[string]any{"allSites": map[string]int{"activeLicenses": active, "totalLicenses": licenses},
		"sites": nonNilSlice(out)}, total, next)
}

func (s *Simulator) listGroups(w http.ResponseWriter, r *http.Request, _ *call) {
	q := r.URL.Query()
	p, err := parsePage(q, "group_id")
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.RLock()
	all := s.fleet.groups()
	siteAccount := map[string]string{}
	for _, sc := range s.fleet.scopes {
		siteAccount[sc.siteID] = sc.accountID
	}
	s.mu.RUnlock()
	k := &filterKit[Group]{r: queryFilter(q)}
	k.in("groupIds", nil, func(x *Group) string { return x.ID })
	k.in("siteIds", nil, func(x *Group) string { return x.SiteID })
	k.in("accountIds", nil, func(x *Group) string { return siteAccount[x.SiteID] })
	k.in("types", nil, func(x *Group) string { return x.Type })
	if k.err != nil {
		writeErr(w, k.err)
		return
	}
	out, total, next := paginate(all, func(x *Group) string { return x.ID }, k.preds, p, "group_id")
	writeList(w, nonNilSlice(out), total, next)
}

func (s *Simulator) listAccounts(w http.ResponseWriter, r *http.Request, _ *call) {
	q := r.URL.Query()
	p, err := parsePage(q, "account_id")
	if err != nil {
		writeErr(w, err)
		return
	}
	k := &filterKit[ConsoleAccount]{r: queryFilter(q)}
	k.in("ids", nil, func(x *ConsoleAccount) string { return x.ID })
	k.in("accountIds", nil, func(x *ConsoleAccount) string { return x.ID })
	if k.err != nil {
		writeErr(w, k.err)
		return
	}
	s.mu.RLock()
	all := s.fleet.consoleAccounts()
	s.mu.RUnlock()
	out, total, next := paginate(all, func(x *ConsoleAccount) string { return x.ID }, k.preds, p, "account_id")
	writeList(w, nonNilSlice(out), total, next)
}

// respondActions are the agent actions of this area: restart, enable and disable (with an
// optional reboot), applied like the core actions and recorded as activities.
var respondActions = map[string]func(a *Agent, shouldReboot bool){
	"restart-machine": func(a *Agent, _ bool) { a.RestartsRequested++ },
	"enable-agent": func(a *Agent, reboot bool) {
		a.OperationalState = "na"
		if reboot {
			a.RestartsRequested++
		}
	},
	"disable-agent": func(a *Agent, reboot bool) {
		a.OperationalState = "fully_disabled"
		if reboot {
			a.RestartsRequested++
		}
	},
}

// respondData is the data of this area's actions.
type respondData struct {
	ShouldReboot *bool  `json:"shouldReboot"`
	TargetSiteID string `json:"targetSiteId"`
}

func parseRespond(body []byte) (rawFilter, respondData, error) {
	f, _, hasData, err := parseAction(body)
	var d respondData
	if err != nil {
		return nil, d, err
	}
	if hasData {
		var in struct {
			Data respondData `json:"data"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, d, validationf("data: %v", err)
		}
		d = in.Data
	}
	return f, d, nil
}

// applyAgents runs fn on every agent f selects under the write lock, recording an activity
// of kind for each; it answers data.affected.
func (s *Simulator) applyAgents(w http.ResponseWriter, raw rawFilter, kind string, fn func(a *Agent) map[string]any) (int, bool) {
	preds, err := compileAgentFilter(raw, s.opts.SupportIDsNin)
	if err != nil {
		writeErr(w, err)
		return 0, false
	}
	when := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range s.fleet.agents {
		a := &s.fleet.agents[i]
		if match(preds, a) {
			extra := fn(a)
			a.UpdatedAt = stamp(when)
			s.fleet.recordAgent(kind, a, when, extra)
			n++
		}
	}
	s.fleet.changed()
	return n, true
}

func (s *Simulator) respondAction(w http.ResponseWriter, _ *http.Request, c *call) {
	raw, d, err := parseRespond(c.body)
	if err != nil {
		writeErr(w, err)
		return
	}
	apply := respondActions[c.arg]
	reboot := d.ShouldReboot != nil && *d.ShouldReboot
	n, ok := s.applyAgents(w, raw, c.arg, func(a *Agent) map[string]any {
		apply(a, reboot)
		if c.arg == "restart-machine" {
			return nil
		}
		return map[string]any{"shouldReboot": reboot}
	})
	if ok {
		writeData(w, map[string]int{"affected": n})
	}
}

// moveToSite moves the selected agents to the default group of data.targetSiteId.
func (s *Simulator) moveToSite(w http.ResponseWriter, _ *http.Request, c *call) {
	raw, d, err := parseRespond(c.body)
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.RLock()
	var target *scope
	for i, sc := range s.fleet.scopes {
		if sc.siteID == d.TargetSiteID && sc.groupName == "Default Group" {
			target = &s.fleet.scopes[i]
		}
	}
	s.mu.RUnlock()
	if target == nil {
		writeValidation(w, validationf("data.targetSiteId %q is not a site of this console", d.TargetSiteID))
		return
	}
	n, ok := s.applyAgents(w, raw, "move-to-site", func(a *Agent) map[string]any { return moveAgent(a, *target) })
	if ok {
		writeData(w, map[string]int{"affected": n})
	}
}

// moveToGroup serves PUT /groups/{id}/move-agents: the selected agents join the group (and
// its site).
func (s *Simulator) moveToGroup(w http.ResponseWriter, _ *http.Request, c *call) {
	raw, _, err := parseRespond(c.body)
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.RLock()
	var target *scope
	for i, sc := range s.fleet.scopes {
		if sc.groupID == c.arg {
			target = &s.fleet.scopes[i]
		}
	}
	s.mu.RUnlock()
	if target == nil {
		writeError(w, http.StatusNotFound, codeNotFound, "Not Found", "group not found")
		return
	}
	if target.filterID != "" {
		writeValidation(w, validationf("group %s is dynamic: its filter decides its agents, they cannot be moved into it", target.groupID))
		return
	}
	n, ok := s.applyAgents(w, raw, "move-to-group", func(a *Agent) map[string]any { return moveAgent(a, *target) })
	if ok {
		writeData(w, map[string]int{"agentsMoved": n})
	}
}

// moveAgent puts a in group sc and returns the activity data of the move.
func moveAgent(a *Agent, sc scope) map[string]any {
	from := map[string]any{"fromGroupId": a.GroupID, "fromGroupName": a.GroupName, "fromSiteId": a.SiteID}
	a.GroupID, a.GroupName, a.SiteID, a.SiteName = sc.groupID, sc.groupName, sc.siteID, sc.siteName
	a.AccountID, a.AccountName = sc.accountID, sc.accountName
	return from
}

// Sites returns the console's sites as GET /sites reports them.
func (s *Simulator) Sites() []Site {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.fleet.sites()
}

// Groups returns the console's groups as GET /groups reports them.
func (s *Simulator) Groups() []Group {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.fleet.groups()
}
