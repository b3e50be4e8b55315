package sentinelone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
)

// Agent actions of the response area (POST /agents/actions/{action}).
const (
	ActionRestart    = "restart-machine"
	ActionEnable     = "enable-agent"
	ActionDisable    = "disable-agent"
	ActionMoveToSite = "move-to-site"
)

func init() {
	for _, a := range []string{ActionRestart, ActionEnable, ActionDisable, ActionMoveToSite} {
		agentActions[a] = true
	}
}

// SiteFilter selects sites (GET /sites).
type SiteFilter struct {
	IDs        []string `filter:"siteIds"`
	AccountIDs []string `filter:"accountIds"`
	Name       string   `filter:"name"`
	States     []string `filter:"states"`
}

// GroupFilter selects groups (GET /groups).
type GroupFilter struct {
	IDs        []string `filter:"groupIds"`
	SiteIDs    []string `filter:"siteIds"`
	AccountIDs []string `filter:"accountIds"`
	Name       string   `filter:"name"`
}

// AccountFilter selects accounts (GET /accounts).
type AccountFilter struct {
	IDs  []string `filter:"ids"`
	Name string   `filter:"name"`
}

// ActivityFilter selects activities (GET /activities); the times are ISO-8601.
type ActivityFilter struct {
	ActivityTypes []string `filter:"activityTypes"`
	AgentIDs      []string `filter:"agentIds"`
	ThreatIDs     []string `filter:"threatIds"`
	SiteIDs       []string `filter:"siteIds"`
	AccountIDs    []string `filter:"accountIds"`
	GroupIDs      []string `filter:"groupIds"`
	CreatedAtGTE  string   `filter:"createdAt__gte"`
	CreatedAtLTE  string   `filter:"createdAt__lte"`
	SortBy        string   `filter:"sortBy"`
	SortOrder     string   `filter:"sortOrder"`
}

// Filter returns f's wire form.
func (f SiteFilter) Filter() Filter { return wireFilter(f) }

// Filter returns f's wire form.
func (f GroupFilter) Filter() Filter { return wireFilter(f) }

// Filter returns f's wire form.
func (f AccountFilter) Filter() Filter { return wireFilter(f) }

// Filter returns f's wire form.
func (f ActivityFilter) Filter() Filter { return wireFilter(f) }

// ManagementService calls the /sites, /groups, /accounts and /activities endpoints, each
// confined to the client's pinned scope.
type ManagementService service

// Sites iterates over GET /sites (items are data.sites).
func (s *ManagementService) Sites(ctx context.Context, f SiteFilter, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	c := s.client
	sf, err := c.scope.narrow(f.Filter())
	return c.checkedPages(ctx, "list sites", "/sites", "sites", "sites", sf, err, opts, func(raw json.RawMessage) error {
		return c.scope.check("list sites", raw, true)
	})
}

// allowedSites returns the sites the scope allows: the pinned ones, else the sites of the
// pinned accounts (read from GET /sites); nil when nothing is pinned.
func (s *ManagementService) allowedSites(ctx context.Context) ([]string, error) {
	sc := s.client.scope
	if !sc.Pinned() {
		return nil, nil
	}
	if len(sc.SiteIDs) > 0 && len(sc.AccountIDs) == 0 {
		return slices.Clone(sc.SiteIDs), nil
	}
	var out []string
	for page, err := range s.Sites(ctx, SiteFilter{}, ListOptions{}) {
		if err != nil {
			return nil, fmt.Errorf("read the sites of the pinned scope: %w", err)
		}
		for _, raw := range page {
			id, err := itemID(raw)
			if err != nil {
				return nil, err
			}
			out = append(out, id)
		}
	}
	return out, nil
}

// Groups iterates over GET /groups. A group names its site only, so under a pinned scope
// the request is confined to the scope's sites and each group's site is checked.
func (s *ManagementService) Groups(ctx context.Context, f GroupFilter, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	c := s.client
	return func(yield func([]json.RawMessage, error) bool) {
		allowed, err := s.allowedSites(ctx)
		if err == nil && allowed != nil {
			err = narrowList(&f.SiteIDs, allowed, "siteIds", c.scope)
		}
		if err == nil && allowed != nil && len(f.SiteIDs) == 0 {
			return // the pinned accounts have no sites
		}
		check := func(raw json.RawMessage) error {
			var g struct {
				SiteID string `json:"siteId"`
			}
			if err := json.Unmarshal(raw, &g); err != nil || !slices.Contains(allowed, g.SiteID) {
				return &ScopeError{Object: fmt.Sprintf("a group of site %q", g.SiteID), Scope: c.scope}
			}
			return nil
		}
		for page, err := range c.checkedPages(ctx, "list groups", "/groups", "groups", "", f.Filter(), err, opts, check) {
			if !yield(page, err) || err != nil {
				return
			}
		}
	}
}

// Accounts iterates over GET /accounts. Under a pinned scope only its accounts (or the
// accounts of its sites) are asked for and returned.
func (s *ManagementService) Accounts(ctx context.Context, f AccountFilter, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	c := s.client
	return func(yield func([]json.RawMessage, error) bool) {
		var allowed []string
		var err error
		switch sc := c.scope; {
		case len(sc.AccountIDs) > 0:
			allowed = sc.AccountIDs
		case len(sc.SiteIDs) > 0:
			for page, perr := range s.Sites(ctx, SiteFilter{}, ListOptions{}) {
				if err = perr; err != nil {
					break
				}
				for _, raw := range page {
					var site struct {
						AccountID string `json:"accountId"`
					}
					if json.Unmarshal(raw, &site) == nil && !slices.Contains(allowed, site.AccountID) {
						allowed = append(allowed, site.AccountID)
					}
				}
			}
		}
		if err == nil && c.scope.Pinned() {
			err = narrowList(&f.IDs, allowed, "accountIds", c.scope)
		}
		check := func(raw json.RawMessage) error {
			id, err := itemID(raw)
			if err != nil || !slices.Contains(allowed, id) {
				return &ScopeError{Object: fmt.Sprintf("account %q", id), Scope: c.scope}
			}
			return nil
		}
		for page, err := range c.checkedPages(ctx, "list accounts", "/accounts", "accounts", "", f.Filter(), err, opts, check) {
			if !yield(page, err) || err != nil {
				return
			}
		}
	}
}

// Activities iterates over GET /activities.
func (s *ManagementService) Activities(ctx context.Context, f ActivityFilter, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	return s.client.scopedPages(ctx, "list activities", "/activities", "activities", f.Filter(), opts, false)
}

// ActivityTypes returns GET /activities/types: the console's activity types.
func (s *ManagementService) ActivityTypes(ctx context.Context) ([]json.RawMessage, error) {
	resp, err := s.client.call(ctx, &request{method: http.MethodGet, endpoint: "/activities/types", path: "activities/types"})
	if err != nil {
		return nil, fmt.Errorf("list activity types: %w", err)
	}
	items := []json.RawMessage{}
	if err := json.Unmarshal(resp.Data, &items); err != nil {
		return nil, fmt.Errorf("list activity types: decode answer: %w", err)
	}
	return items, nil
}

// narrowList confines *given (with more ids, if any) to allowed: ids outside it are a
// *ScopeError under key, and an empty list becomes allowed.
func narrowList(given *[]string, allowed []string, key string, sc Pin, more ...string) error {
	*given = append(*given, more...)
	if len(*given) == 0 {
		*given = slices.Clone(allowed)
		return nil
	}
	var outside []string
	for _, id := range *given {
		if !slices.Contains(allowed, id) {
			outside = append(outside, id)
		}
	}
	if len(outside) > 0 {
		return &ScopeError{Key: key, IDs: outside, Scope: sc}
	}
	return nil
}

func itemID(raw json.RawMessage) (string, error) {
	var o struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &o); err != nil || o.ID == "" {
		return "", errors.New("item has no id")
	}
	return o.ID, nil
}

// MoveToSite moves the agents matching f to site siteID: POST
// /agents/actions/move-to-site with data {"targetSiteId"}. Under a pinned scope the target
// site must lie inside it. It returns data.affected.
func (s *AgentsService) MoveToSite(ctx context.Context, f Filter, siteID string) (int, error) {
	if siteID == "" {
		return 0, errors.New("move agents to site: empty site id")
	}
	if s.client.scope.Pinned() {
		found := false
		for page, err := range s.client.Management.Sites(ctx, SiteFilter{IDs: []string{siteID}}, ListOptions{Limit: 1}) {
			if err != nil {
				return 0, fmt.Errorf("move agents to site: confirm the target site lies in the pinned scope: %w", err)
			}
			found = len(page) > 0
		}
		if !found {
			return 0, fmt.Errorf("move agents to site: %w", &ScopeError{Key: "siteIds", IDs: []string{siteID}, Scope: s.client.scope})
		}
	}
	return s.Action(ctx, ActionMoveToSite, f, map[string]any{"targetSiteId": siteID})
}

// MoveToGroup moves the agents matching f to group groupID: PUT
// /groups/{id}/move-agents with body {"filter": f}. Under a pinned scope the group must lie
// inside it. It returns data.agentsMoved.
func (s *AgentsService) MoveToGroup(ctx context.Context, f Filter, groupID string) (int, error) {
	if groupID == "" {
		return 0, errors.New("move agents to group: empty group id")
	}
	if s.client.scope.Pinned() {
		found := false
		for page, err := range s.client.Management.Groups(ctx, GroupFilter{IDs: []string{groupID}}, ListOptions{Limit: 1}) {
			if err != nil {
				return 0, fmt.Errorf("move agents to group: confirm the group lies in the pinned scope: %w", err)
			}
			found = len(page) > 0
		}
		if !found {
			return 0, fmt.Errorf("move agents to group: %w", &ScopeError{Key: "groupIds", IDs: []string{groupID}, Scope: s.client.scope})
		}
	}
	f, err := s.client.confine(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("move agents to group: %w", err)
	}
	body, err := f.body(nil)
	if err != nil {
		return 0, fmt.Errorf("move agents to group: %w", err)
	}
	delete(body, "data")
	resp, err := s.client.call(ctx, &request{method: http.MethodPut, endpoint: "/groups/{id}/move-agents",
		path: "groups/" + url.PathEscape(groupID) + "/move-agents", body: body})
	if err != nil {
		return 0, fmt.Errorf("move agents to group: %w", err)
	}
	var data struct {
		AgentsMoved *int `json:"agentsMoved"`
	}
	if err := json.Unmarshal(resp.Data, &data); err != nil || data.AgentsMoved == nil {
		return 0, errors.New("move agents to group: answer has no data.agentsMoved")
	}
	return *data.AgentsMoved, nil
}
