package sentinelone

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
)

// Pin pins a client to sites and/or accounts: every agent, threat, activity, site and
// group request the client sends is confined to them, and every object SentinelOne returns
// is checked to lie inside them. A zero Pin pins nothing.
type Pin struct {
	SiteIDs    []string
	AccountIDs []string
}

// Pinned reports whether s confines anything.
func (s Pin) Pinned() bool { return len(s.SiteIDs)+len(s.AccountIDs) > 0 }

// String describes s for messages.
func (s Pin) String() string {
	var parts []string
	if len(s.SiteIDs) > 0 {
		parts = append(parts, "sites "+strings.Join(s.SiteIDs, ", "))
	}
	if len(s.AccountIDs) > 0 {
		parts = append(parts, "accounts "+strings.Join(s.AccountIDs, ", "))
	}
	if len(parts) == 0 {
		return "no scope"
	}
	return strings.Join(parts, "; ")
}

// ScopeError is a request or an answer outside the client's pinned scope. Key is the
// filter's wire name that asked outside it ("siteIds", "accountIds"), or "" when
// SentinelOne returned an object outside it.
type ScopeError struct {
	Key    string
	IDs    []string // the ids outside the scope
	Object string   // what was returned outside it, when Key is ""
	Scope  Pin
}

func (e *ScopeError) Error() string {
	switch e.Key {
	case "":
		return fmt.Sprintf("SentinelOne returned %s outside the pinned scope (%s); refusing to use it", e.Object, e.Scope)
	case "ids":
		return fmt.Sprintf("agent(s) %s not found inside the pinned scope (%s)", strings.Join(e.IDs, ", "), e.Scope)
	case "tenant":
		return fmt.Sprintf("a tenant-wide scope reaches outside the pinned scope (%s): name sites, accounts or groups inside it", e.Scope)
	case "entryIds":
		return fmt.Sprintf("entries %s not found inside the pinned scope (%s)", strings.Join(e.IDs, ", "), e.Scope)
	case "threatIds":
		return fmt.Sprintf("threat(s) %s not found inside the pinned scope (%s)", strings.Join(e.IDs, ", "), e.Scope)
	}
	return fmt.Sprintf("%s %s outside the pinned scope (%s): a call may narrow the scope, never widen it",
		strings.Join(e.IDs, ", "), map[bool]string{true: "is", false: "are"}[len(e.IDs) == 1], e.Scope)
}

// PinnedScope returns the client's pinned scope.
func (c *Client) PinnedScope() Pin {
	return Pin{SiteIDs: slices.Clone(c.scope.SiteIDs), AccountIDs: slices.Clone(c.scope.AccountIDs)}
}

// narrow returns f confined to s: a site or account list f already has must lie inside s's
// (else a *ScopeError naming the key), and one it lacks is set to s's. SentinelOne ANDs the
// keys, so sites of another account select nothing when only accounts are pinned.
func (s Pin) narrow(f Filter) (Filter, error) {
	if !s.Pinned() {
		return f, nil
	}
	out := maps.Clone(f)
	if out == nil {
		out = Filter{}
	}
	for _, k := range []struct {
		key    string
		pinned []string
	}{{"siteIds", s.SiteIDs}, {"accountIds", s.AccountIDs}} {
		if len(k.pinned) == 0 {
			continue
		}
		given, err := filterList(f, k.key)
		if err != nil {
			return nil, err
		}
		if len(given) == 0 {
			out[k.key] = slices.Clone(k.pinned)
			continue
		}
		var outside []string
		for _, id := range given {
			if !slices.Contains(k.pinned, id) {
				outside = append(outside, id)
			}
		}
		if len(outside) > 0 {
			return nil, &ScopeError{Key: k.key, IDs: outside, Scope: s}
		}
	}
	return out, nil
}

// confine is narrow plus the one check narrow cannot make alone: when only accounts are
// pinned, sites a call names must belong to them (read from GET /sites), so a site of
// another account is refused rather than silently selecting nothing.
func (c *Client) confine(ctx context.Context, f Filter) (Filter, error) {
	out, err := c.scope.narrow(f)
	if err != nil || len(c.scope.SiteIDs) > 0 || len(c.scope.AccountIDs) == 0 {
		return out, err
	}
	given, err := filterList(f, "siteIds")
	if err != nil || len(given) == 0 {
		return out, err
	}
	found := map[string]bool{}
	for page, err := range c.Management.Sites(ctx, SiteFilter{IDs: given}, ListOptions{}) {
		if err != nil {
			return nil, fmt.Errorf("confirm the given sites belong to the pinned accounts: %w", err)
		}
		for _, raw := range page {
			if id, err := itemID(raw); err == nil {
				found[id] = true
			}
		}
	}
	var outside []string
	for _, id := range given {
		if !found[id] {
			outside = append(outside, id)
		}
	}
	if len(outside) > 0 {
		return nil, &ScopeError{Key: "siteIds", IDs: outside, Scope: c.scope}
	}
	return out, nil
}

// filterList reads a list key of f, given as a list or a comma-separated string.
func filterList(f Filter, key string) ([]string, error) {
	switch v := f[key].(type) {
	case nil:
		return nil, nil
	case []string:
		return v, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return nil, nil
		}
		return strings.Split(v, ","), nil
	default:
		return nil, fmt.Errorf("filter key %q: a list of ids is expected, not %T", key, v)
	}
}

// scopeFields are where an object names its site and account: the top level (agents,
// activities, groups, 2.0 threats) or agentRealtimeInfo (2.1 threats).
type scopeFields struct {
	SiteID            string `json:"siteId"`
	AccountID         string `json:"accountId"`
	AgentRealtimeInfo *struct {
		SiteID    string `json:"siteId"`
		AccountID string `json:"accountId"`
	} `json:"agentRealtimeInfo"`
}

// check refuses an object that names a site or account outside s, or that names neither
// where s pins it (its place cannot be confirmed). siteIsID says the object is a site
// itself, so its own id is its site.
func (s Pin) check(what string, raw json.RawMessage, siteIsID bool) error {
	if !s.Pinned() {
		return nil
	}
	var o scopeFields
	if err := json.Unmarshal(raw, &o); err != nil {
		return fmt.Errorf("%s: decode item: %w", what, err)
	}
	if o.AgentRealtimeInfo != nil {
		o.SiteID = cmpOr(o.SiteID, o.AgentRealtimeInfo.SiteID)
		o.AccountID = cmpOr(o.AccountID, o.AgentRealtimeInfo.AccountID)
	}
	if siteIsID {
		var id struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &id) // a missing id fails the site check below
		o.SiteID = id.ID
	}
	if len(s.SiteIDs) > 0 && !slices.Contains(s.SiteIDs, o.SiteID) {
		return &ScopeError{Object: fmt.Sprintf("an item of %s in site %q", what, o.SiteID), Scope: s}
	}
	if len(s.AccountIDs) > 0 && !slices.Contains(s.AccountIDs, o.AccountID) {
		return &ScopeError{Object: fmt.Sprintf("an item of %s in account %q", what, o.AccountID), Scope: s}
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// scopedPages walks a list endpoint with f confined to the client's scope, refusing any
// returned item outside it.
func (c *Client) scopedPages(ctx context.Context, what, endpoint, path string, f Filter, opts ListOptions, siteIsID bool) iter.Seq2[[]json.RawMessage, error] {
	return func(yield func([]json.RawMessage, error) bool) {
		sf, err := c.confine(ctx, f)
		for page, err := range c.checkedPages(ctx, what, endpoint, path, "", sf, err, opts, func(raw json.RawMessage) error {
			return c.scope.check(what, raw, siteIsID)
		}) {
			if !yield(page, err) || err != nil {
				return
			}
		}
	}
}

// checkedPages walks a list endpoint with an already confined filter (or the error of
// confining it), running check on every returned item.
func (c *Client) checkedPages(ctx context.Context, what, endpoint, path, nested string, f Filter, ferr error, opts ListOptions,
	check func(json.RawMessage) error) iter.Seq2[[]json.RawMessage, error] {
	return func(yield func([]json.RawMessage, error) bool) {
		if ferr != nil {
			yield(nil, fmt.Errorf("%s: %w", what, ferr))
			return
		}
		for page, err := range c.nestedPages(ctx, what, endpoint, path, nested, f, opts) {
			if err == nil && c.scope.Pinned() {
				for _, raw := range page {
					if err = check(raw); err != nil {
						break
					}
				}
			}
			if !yield(page, err) || err != nil {
				return
			}
		}
	}
}

// inScope confirms that every agent of ids lies inside the pinned scope, for the endpoints
// that take bare ids and no filter. It sends nothing when no scope is pinned.
func (s *AgentsService) inScope(ctx context.Context, what string, ids []string) error {
	if !s.client.scope.Pinned() {
		return nil
	}
	f, err := s.client.scope.narrow(Filter{"ids": ids, "isDecommissioned": []bool{false, true}})
	if err != nil {
		return err
	}
	found := map[string]bool{}
	for page, err := range s.client.pages(ctx, what, "/agents", "agents", f, ListOptions{}) {
		if err != nil {
			return fmt.Errorf("%s: confirm the agents lie in the pinned scope: %w", what, err)
		}
		for _, raw := range page {
			if err := s.client.scope.check(what, raw, false); err != nil {
				return err
			}
			var a struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(raw, &a) == nil {
				found[a.ID] = true
			}
		}
	}
	var outside []string
	for _, id := range ids {
		if !found[id] {
			outside = append(outside, id)
		}
	}
	if len(outside) > 0 {
		return fmt.Errorf("%s: %w", what, &ScopeError{Key: "ids", IDs: outside, Scope: s.client.scope})
	}
	return nil
}

// inScope confirms that every threat of ids lies inside the pinned scope, for endpoints that
// name threats in their path or body without a filter (a timeline, a note by id). It sends
// nothing when no scope is pinned.
func (s *ThreatsService) inScope(ctx context.Context, what string, ids []string) error {
	if !s.client.scope.Pinned() {
		return nil
	}
	found := map[string]bool{}
	if err := collectIDs(found, s.Pages(ctx, Filter{"ids": ids}, ListOptions{})); err != nil {
		return fmt.Errorf("%s: confirm the threats lie in the pinned scope: %w", what, err)
	}
	if outside := missingFrom(ids, found); len(outside) > 0 {
		return fmt.Errorf("%s: %w", what, &ScopeError{Key: "threatIds", IDs: outside, Scope: s.client.scope})
	}
	return nil
}

// collectIDs marks found the id of every item pages yields.
func collectIDs(found map[string]bool, pages iter.Seq2[[]json.RawMessage, error]) error {
	for page, err := range pages {
		if err != nil {
			return err
		}
		for _, raw := range page {
			if id, err := itemID(raw); err == nil {
				found[id] = true
			}
		}
	}
	return nil
}

// missingFrom returns the ids that found lacks, in their order.
func missingFrom(ids []string, found map[string]bool) []string {
	var out []string
	for _, id := range ids {
		if !found[id] {
			out = append(out, id)
		}
	}
	return out
}
