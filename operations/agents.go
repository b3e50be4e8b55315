package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// agentSelection is the agent filter of a call, split into what SentinelOne filters itself
// and what the connector applies: the id exclusion (no confirmed SentinelOne filter) and,
// when there is an exclusion or the filter is split over several requests, skip and limit.
type agentSelection struct {
	filter  sentinelone.AgentFilter
	given   []string // the ids param and the resolved endpoints, for reporting ids that select nothing
	exclude map[string]bool
	skip    int
	limit   int // 0: no limit
	// endpoints are the hostnames, addresses, MACs and UUIDs of the call; prepare resolves
	// them into resolved and adds their agents to the ids.
	endpoints []string
	resolved  []resolution
	prepared  bool
}

// agentFilterParams are the params of the agent filter. Operations declare different subsets
// of them (agent_action only ids, groupIds and the decommission selects; get_agents no
// osTypes), so the shared selection reads each one only where it is declared, and reads no
// name outside this list.
var agentFilterParams = []string{
	"ids", "endpoints", "groupIds", "siteIds", "accountIds", "excludeIds", "computerName__like", "agentVersions", "osTypes", "networkStatuses",
	"totalMemoryGB__lt", "totalMemoryGB__gt", "coreCount__lt", "coreCount__gt",
	"isActive", "infected", "includeDecommissioned", "isDecommissioned", "isUninstalled", "skip", "limit",
}

// agentFilterNarrowing are the narrowing params of the operations that take the whole agent
// filter; skip, limit, excludeIds and includeDecommissioned alone still select (nearly)
// every agent.
var agentFilterNarrowing = []string{
	"ids", "computerName__like", "agentVersions", "osTypes", "networkStatuses",
	"totalMemoryGB__lt", "totalMemoryGB__gt", "coreCount__lt", "coreCount__gt",
	"isActive", "infected", "isDecommissioned", "endpoints", "groupIds", "siteIds", "accountIds",
}

// newAgentSelection maps the agent filter params to SentinelOne's filter. Memory is given in
// GB and SentinelOne counts MB: "less than x GB" becomes totalMemory__lt ceil(x*1024) and
// "greater than" totalMemory__gt floor(x*1024), exact for SentinelOne's whole-MB values (the
// manifest bounds x, so the product always fits). Decommissioned agents are left out unless
// includeDecommissioned or isDecommissioned asks.
func newAgentSelection(args connector.Args) *agentSelection {
	p := declaredOnly{args, agentFilterParams}
	sel := &agentSelection{given: p.list("ids")}
	f := &sel.filter
	f.IDs, f.GroupIDs = sel.given, p.list("groupIds")
	f.SiteIDs, f.AccountIDs = p.list("siteIds"), p.list("accountIds")
	sel.endpoints = p.list("endpoints")
	if gb, ok := p.float("totalMemoryGB__lt"); ok {
		f.TotalMemoryLT = ptr(int64(math.Ceil(gb * 1024)))
	}
	if gb, ok := p.float("totalMemoryGB__gt"); ok {
		f.TotalMemoryGT = ptr(int64(math.Floor(gb * 1024)))
	}
	if n, ok := p.int("coreCount__lt"); ok {
		f.CoreCountLT = &n
	}
	if n, ok := p.int("coreCount__gt"); ok {
		f.CoreCountGT = &n
	}
	if v, ok := p.triState("isActive"); ok {
		f.IsActive = &v
	}
	if v, ok := p.triState("infected"); ok {
		f.Infected = &v
	}
	if v, ok := p.triState("isDecommissioned"); ok {
		f.IsDecommissioned = []bool{v}
	} else if !p.bool("includeDecommissioned") {
		f.IsDecommissioned = []bool{false}
	}
	if v, ok := p.triState("isUninstalled"); ok {
		f.IsUninstalled = []bool{v}
	}
	f.ComputerNameLike = strings.TrimSpace(p.string("computerName__like"))
	f.AgentVersions = p.list("agentVersions")
	f.OSTypes, f.NetworkStatuses = p.strings("osTypes"), p.strings("networkStatuses")
	if excluded := p.list("excludeIds"); len(excluded) > 0 {
		sel.exclude = map[string]bool{}
		for _, id := range excluded {
			sel.exclude[id] = true
		}
	}
	if n, ok := p.int("skip"); ok {
		sel.skip = int(n)
	}
	if n, ok := p.int("limit"); ok {
		sel.limit = int(n)
	}
	return sel
}

func ptr[T any](v T) *T { return &v }

// prepare resolves the endpoints of the call, once, and selects their agents beside the
// given ids. Decommissioned agents are candidates when the selection may select them.
func (s *agentSelection) prepare(ctx context.Context, client *sentinelone.Client) error {
	if s.prepared || len(s.endpoints) == 0 {
		s.prepared = true
		return nil
	}
	base := sentinelone.AgentFilter{GroupIDs: s.filter.GroupIDs, SiteIDs: s.filter.SiteIDs, AccountIDs: s.filter.AccountIDs}
	resolved, err := resolveEndpoints(ctx, client, s.endpoints, base, func(decommissioned bool) bool {
		return len(s.filter.IsDecommissioned) == 0 || slices.Contains(s.filter.IsDecommissioned, decommissioned)
	})
	if err != nil {
		return err
	}
	s.resolved, s.prepared = resolved, true
	for _, r := range resolved {
		if !slices.Contains(s.given, r.AgentID) {
			s.given = append(s.given, r.AgentID)
		}
	}
	s.filter.IDs = s.given
	return nil
}

// resolutions returns how each endpoint resolved (after prepare).
func (s *agentSelection) resolutions() []resolution { return s.resolved }

// walk calls fn with each selected agent's raw object, in SentinelOne's order.
func (s *agentSelection) walk(ctx context.Context, client *sentinelone.Client, fn func(raw json.RawMessage) error) error {
	if err := s.prepare(ctx, client); err != nil {
		return err
	}
	// The walk goes on to its limit or its end, so the next page is read while one is consumed.
	opts := sentinelone.ListOptions{Skip: s.skip, Limit: s.limit, ReadAhead: sentinelone.ToTheEnd}
	var keep func(raw json.RawMessage) (bool, error)
	if s.exclude != nil {
		// Filtered here, the walk stops at a limit the client cannot see: no read-ahead.
		opts = sentinelone.ListOptions{}
		keep = func(raw json.RawMessage) (bool, error) {
			id, err := objectID(raw)
			if err != nil {
				return false, fmt.Errorf("list agents: %w", err)
			}
			return !s.exclude[id], nil
		}
	}
	pages, split, err := splitPages(s.filter.Filter(), opts, func(f sentinelone.Filter, o sentinelone.ListOptions) iterPages {
		return client.Agents.Pages(ctx, f, o)
	})
	if err != nil {
		return fmt.Errorf("list agents: %w", err)
	}
	return walkPages(pages, keep, split, s.skip, s.limit, fn)
}

// population counts the agents a selection draws from: every agent of the console, or only
// the live (or only the decommissioned) ones when the selection is confined to them.
func (s *agentSelection) population(ctx context.Context, client *sentinelone.Client) (int, error) {
	f := sentinelone.AgentFilter{IsDecommissioned: s.filter.IsDecommissioned}
	n, err := client.Agents.Count(ctx, f.Filter())
	if err != nil {
		return 0, fmt.Errorf("count the agents the selection draws from: %w", err)
	}
	return n, nil
}

// agentTarget is one resolved agent.
type agentTarget struct {
	ID               string `json:"id"`
	ComputerName     string `json:"computerName"`
	IsDecommissioned bool   `json:"isDecommissioned"`
}

func decodeAgent(raw json.RawMessage) (agentTarget, error) {
	var a struct {
		agentTarget
		RawID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return agentTarget{}, fmt.Errorf("decode agent: %w", err)
	}
	id, err := objectID(raw)
	if err != nil {
		return agentTarget{}, err
	}
	a.agentTarget.ID = id
	return a.agentTarget, nil
}

// resolve lists the selected agents.
func (s *agentSelection) resolve(ctx context.Context, client *sentinelone.Client) ([]target, error) {
	if err := s.prepare(ctx, client); err != nil {
		return nil, err // a refused endpoint speaks for itself
	}
	var out []target
	err := s.walk(ctx, client, func(raw json.RawMessage) error {
		a, err := decodeAgent(raw)
		if err != nil {
			return err
		}
		out = append(out, target{ID: a.ID, Name: a.ComputerName})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("resolve the selected agents: %w", err)
	}
	return out, nil
}

// explain sorts the given ids that the selection left out by why: excluded by excludeIds,
// decommissioned (left out by default), not found at all, or filtered out by the other
// params (or skip and limit).
func (s *agentSelection) explain(ctx context.Context, client *sentinelone.Client, resolved []target) (missing, error) {
	var m missing
	left := leftOut(s.given, resolved)
	var lookup []string
	for _, id := range left {
		if s.exclude[id] {
			m.Excluded = append(m.Excluded, id)
		} else {
			lookup = append(lookup, id)
		}
	}
	if len(lookup) == 0 {
		return m, nil
	}
	found := map[string]agentTarget{}
	pages, _, err := splitPages(sentinelone.AgentFilter{IDs: lookup, IsDecommissioned: anyDecommission}.Filter(), sentinelone.ListOptions{},
		func(f sentinelone.Filter, o sentinelone.ListOptions) iterPages { return client.Agents.Pages(ctx, f, o) })
	if err != nil {
		return m, err
	}
	err = walkPages(pages, nil, false, 0, 0, func(raw json.RawMessage) error {
		a, err := decodeAgent(raw)
		if err == nil {
			found[a.ID] = a
		}
		return err
	})
	if err != nil {
		return m, fmt.Errorf("look up the given agent ids that selected nothing: %w", err)
	}
	excludesDecommissioned := slices.Equal(s.filter.IsDecommissioned, []bool{false})
	for _, id := range lookup {
		a, ok := found[id]
		switch {
		case !ok:
			m.NotFound = append(m.NotFound, id)
		case a.IsDecommissioned && excludesDecommissioned:
			m.Decommissioned = append(m.Decommissioned, id)
		default:
			m.FilteredOut = append(m.FilteredOut, id)
		}
	}
	return m, nil
}
