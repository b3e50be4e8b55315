package sentinelone

import (
	"context"
	"fmt"
	"slices"
)

// confineEntries checks that a blocklist or exclusion scope lies inside the pinned scope,
// and gives a list read with no scope the pin's: a tenant-wide entry, an account under a
// site pin, and sites, accounts or groups outside the pin are refused (*ScopeError) before
// any write. Nothing is checked when no scope is pinned.
func (c *Client) confineEntries(ctx context.Context, sc Scope, read bool) (Scope, error) {
	pin := c.scope
	if !pin.Pinned() {
		return sc, nil
	}
	if read && !sc.valid() {
		if len(pin.SiteIDs) > 0 {
			return Scope{SiteIDs: slices.Clone(pin.SiteIDs)}, nil
		}
		return Scope{AccountIDs: slices.Clone(pin.AccountIDs)}, nil
	}
	switch {
	case sc.Tenant:
		return sc, &ScopeError{Key: "tenant", Scope: pin}
	case len(sc.AccountIDs) > 0:
		if len(pin.AccountIDs) == 0 {
			return sc, &ScopeError{Key: "accountIds", IDs: sc.AccountIDs, Scope: pin}
		}
		return sc, narrowList(&[]string{}, pin.AccountIDs, "accountIds", pin, sc.AccountIDs...)
	case len(sc.SiteIDs) > 0:
		_, err := c.confine(ctx, Filter{"siteIds": sc.SiteIDs})
		return sc, err
	case len(sc.GroupIDs) > 0:
		found := map[string]bool{}
		for page, err := range c.Management.Groups(ctx, GroupFilter{IDs: sc.GroupIDs}, ListOptions{}) {
			if err != nil {
				return sc, fmt.Errorf("confirm the groups lie in the pinned scope: %w", err)
			}
			for _, raw := range page {
				if id, err := itemID(raw); err == nil {
					found[id] = true
				}
			}
		}
		var outside []string
		for _, id := range sc.GroupIDs {
			if !found[id] {
				outside = append(outside, id)
			}
		}
		if len(outside) > 0 {
			return sc, &ScopeError{Key: "groupIds", IDs: outside, Scope: pin}
		}
	}
	return sc, nil
}

// pinLevels are the entry scopes inside the pin, one per level an entry can be made at: the
// pinned accounts, the sites the pin allows, and their groups.
func (c *Client) pinLevels(ctx context.Context) ([]Scope, error) {
	var out []Scope
	if len(c.scope.AccountIDs) > 0 {
		out = append(out, Scope{AccountIDs: slices.Clone(c.scope.AccountIDs)})
	}
	sites, err := c.Management.allowedSites(ctx)
	if err != nil {
		return nil, err
	}
	if len(sites) > 0 {
		out = append(out, Scope{SiteIDs: sites})
	}
	var groups []string
	for page, err := range c.Management.Groups(ctx, GroupFilter{}, ListOptions{}) {
		if err != nil {
			return nil, fmt.Errorf("read the groups of the pinned scope: %w", err)
		}
		for _, raw := range page {
			if id, err := itemID(raw); err == nil {
				groups = append(groups, id)
			}
		}
	}
	if len(groups) > 0 {
		out = append(out, Scope{GroupIDs: groups})
	}
	return out, nil
}
