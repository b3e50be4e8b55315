package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"regexp"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// agentSelection is the agent filter of a call, split into what SentinelOne filters itself
// and what the connector applies: the id exclusion (no confirmed SentinelOne filter) and,
// when there is an exclusion, skip and limit.
type agentSelection struct {
	filter  sentinelone.Filter
	exclude map[string]bool
	skip    int
	limit   int // 0: no limit
}

// narrowingAgentParams are the params that narrow an agent selection; skip, limit,
// excludeIds and includeDecommissioned alone still select (nearly) every agent.
var narrowingAgentParams = []string{
	"ids", "groupIds", "computerName__like", "agentVersions", "osTypes", "networkStatuses",
	"totalMemoryGB__lt", "totalMemoryGB__gt", "coreCount__lt", "coreCount__gt",
	"isActive", "infected", "isDecommissioned", "isUninstalled",
}

var numericID = regexp.MustCompile(`^\d{1,24}$`)

// idList parses a comma-separated id list; spaces are allowed, anything else non-numeric is
// refused by name.
func idList(p connector.Params, name string) ([]string, error) {
	raw := p.String(name)
	if raw == "" {
		return nil, nil
	}
	var ids []string
	seen := map[string]bool{}
	for _, part := range strings.Split(raw, ",") {
		id := strings.TrimSpace(part)
		if id == "" {
			continue
		}
		if !numericID.MatchString(id) {
			return nil, connector.InvalidParam(name, "%q is not a numeric SentinelOne id", id)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, connector.InvalidParam(name, "holds no id")
	}
	return ids, nil
}

// triState maps an Any/true/false select to a filter value; ok is false for Any.
func triState(p connector.Params, name string) (value, ok bool) {
	switch p.String(name) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// csvList splits a comma-separated text param.
func csvList(p connector.Params, name string) []string {
	var out []string
	for _, part := range strings.Split(p.String(name), ",") {
		if s := strings.TrimSpace(part); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// newAgentSelection maps the agent filter params to SentinelOne's filter. Memory is given in
// GB and SentinelOne counts MB: "less than x GB" becomes totalMemory__lt ceil(x*1024) and
// "greater than" totalMemory__gt floor(x*1024), exact for SentinelOne's whole-MB values.
// Decommissioned agents are left out unless includeDecommissioned or isDecommissioned asks.
func newAgentSelection(p connector.Params) (*agentSelection, error) {
	f := sentinelone.Filter{}
	var errs connector.ParamErrors
	for _, name := range []string{"ids", "groupIds"} {
		ids, err := idList(p, name)
		if err != nil {
			errs = append(errs, err.(*connector.ParamError))
		} else if ids != nil {
			f[name] = ids
		}
	}
	excluded, err := idList(p, "excludeIds")
	if err != nil {
		errs = append(errs, err.(*connector.ParamError))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if gb, ok := p.Float("totalMemoryGB__lt"); ok {
		f["totalMemory__lt"] = int64(math.Ceil(gb * 1024))
	}
	if gb, ok := p.Float("totalMemoryGB__gt"); ok {
		f["totalMemory__gt"] = int64(math.Floor(gb * 1024))
	}
	for _, name := range []string{"coreCount__lt", "coreCount__gt"} {
		if n, ok := p.Int(name); ok {
			f[name] = n
		}
	}
	for _, name := range []string{"isActive", "infected"} {
		if v, ok := triState(p, name); ok {
			f[name] = v
		}
	}
	if v, ok := triState(p, "isDecommissioned"); ok {
		f["isDecommissioned"] = []bool{v}
	} else if !p.Bool("includeDecommissioned") {
		f["isDecommissioned"] = []bool{false}
	}
	if v, ok := triState(p, "isUninstalled"); ok {
		f["isUninstalled"] = []bool{v}
	}
	if s := p.String("computerName__like"); s != "" {
		f["computerName__like"] = strings.TrimSpace(s)
	}
	if v := csvList(p, "agentVersions"); len(v) > 0 {
		f["agentVersions"] = v
	}
	for _, name := range []string{"osTypes", "networkStatuses"} {
		if v := p.Strings(name); len(v) > 0 {
			f[name] = v
		}
	}
	sel := &agentSelection{filter: f}
	if len(excluded) > 0 {
		sel.exclude = map[string]bool{}
		for _, id := range excluded {
			sel.exclude[id] = true
		}
	}
	if n, ok := p.Int("skip"); ok {
		sel.skip = int(n)
	}
	if n, ok := p.Int("limit"); ok {
		sel.limit = int(n)
	}
	return sel, nil
}

// requireNarrowing refuses a destructive call whose params would select every agent.
func requireNarrowing(p connector.Params, op *connector.Operation, noun string, candidates []string) error {
	var declared []string
	for _, name := range candidates {
		param := op.Param(name)
		if param == nil {
			continue
		}
		declared = append(declared, name)
		switch param.Type {
		case "select":
			if v := p.String(name); v != "" && v != "Any" {
				return nil
			}
		default:
			if p.Has(name) {
				return nil
			}
		}
	}
	return &connector.ParamError{Param: "params", Message: fmt.Sprintf(
		"refusing to run %s on every %s: narrow the selection with at least one of %s (skip, limit and exclusions alone do not narrow it)",
		op.Name, noun, strings.Join(declared, ", "))}
}

// walk calls fn with each selected agent's raw object, in SentinelOne's order.
func (s *agentSelection) walk(ctx context.Context, client *sentinelone.Client, fn func(raw json.RawMessage) error) error {
	if s.exclude == nil {
		pages := client.Agents.Pages(ctx, s.filter, sentinelone.ListOptions{Skip: s.skip, Limit: s.limit})
		return walkPages(pages, nil, 0, 0, fn)
	}
	keep := func(raw json.RawMessage) (bool, error) {
		id, err := objectID(raw)
		if err != nil {
			return false, fmt.Errorf("list agents: %w", err)
		}
		return !s.exclude[id], nil
	}
	return walkPages(client.Agents.Pages(ctx, s.filter, sentinelone.ListOptions{}), keep, s.skip, s.limit, fn)
}

// walkPages calls fn with every item of SentinelOne's pages, in order. When keep is not nil
// the connector applies part of the selection itself: keep drops items, and skip and limit
// count only the items it keeps (otherwise SentinelOne applied them already). Items are
// passed on undecoded: a plain listing never pays for decoding them.
func walkPages(pages iter.Seq2[[]json.RawMessage, error], keep func(raw json.RawMessage) (bool, error),
	skip, limit int, fn func(raw json.RawMessage) error) error {
	taken := 0
	for page, err := range pages {
		if err != nil {
			return err
		}
		for _, raw := range page {
			if keep != nil {
				ok, err := keep(raw)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				if skip > 0 {
					skip--
					continue
				}
				if limit > 0 && taken == limit {
					return nil
				}
			}
			taken++
			if err := fn(raw); err != nil {
				return err
			}
		}
	}
	return nil
}

// resolve lists the selected agents' ids (and objects when keep is true).
func (s *agentSelection) resolve(ctx context.Context, client *sentinelone.Client, keep bool) ([]string, []json.RawMessage, error) {
	var ids []string
	var objs []json.RawMessage
	err := s.walk(ctx, client, func(raw json.RawMessage) error {
		id, err := objectID(raw)
		if err != nil {
			return err
		}
		ids = append(ids, id)
		if keep {
			objs = append(objs, raw)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("resolve the selected agents: %w", err)
	}
	return ids, objs, nil
}

// objectID reads the "id" of a SentinelOne object.
func objectID(raw json.RawMessage) (string, error) {
	var obj struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", fmt.Errorf("decode object: %w", err)
	}
	var id string
	if err := json.Unmarshal(obj.ID, &id); err != nil {
		var n json.Number
		if err := json.Unmarshal(obj.ID, &n); err != nil {
			return "", fmt.Errorf("object has no id")
		}
		id = n.String()
	}
	return id, nil
}

// batchSize is the number of ids sent in one action request.
const batchSize = 1000

// actOnIDs runs act on ids in batches. A failure after some batches succeeded is reported
// with what was already done, never as a silent partial success.
func actOnIDs(ids []string, act func(batch []string) (int, error)) (int, error) {
	affected := 0
	for start := 0; start < len(ids); start += batchSize {
		batch := ids[start:min(start+batchSize, len(ids))]
		n, err := act(batch)
		if err != nil {
			if start == 0 {
				return 0, err
			}
			return affected, fmt.Errorf("partial failure: the action was applied to the first %d of %d ids (SentinelOne reported %d affected: %s) and then failed: %w",
				start, len(ids), affected, strings.Join(ids[:start], ","), err)
		}
		affected += n
	}
	return affected, nil
}

// agentActionResult is the data of an action on agents.
type agentActionResult struct {
	AffectedAgents int                `json:"affected_agents"`
	AgentIDs       []string           `json:"agent_ids"`
	Agents         *[]json.RawMessage `json:"agents,omitempty"` // agent_action only: the agents as they were before the action
	Message        string             `json:"message,omitempty"`
}

// runAgentAction resolves the selection, then applies action to exactly the resolved ids.
func runAgentAction(ctx context.Context, client *sentinelone.Client, sel *agentSelection, action string, data map[string]any, keep bool) (*agentActionResult, error) {
	ids, objs, err := sel.resolve(ctx, client, keep)
	if err != nil {
		return nil, err
	}
	res := &agentActionResult{AgentIDs: ids}
	if res.AgentIDs == nil {
		res.AgentIDs = []string{}
	}
	if keep {
		if objs == nil {
			objs = []json.RawMessage{}
		}
		res.Agents = &objs
	}
	if len(ids) == 0 {
		res.Message = "no agent matched the selection; nothing was done"
		return res, nil
	}
	res.AffectedAgents, err = actOnIDs(ids, func(batch []string) (int, error) {
		return client.Agents.Action(ctx, action, sentinelone.Filter{"ids": batch}, data)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
