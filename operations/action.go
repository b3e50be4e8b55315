package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// iterPages is a walk over SentinelOne list pages.
type iterPages = iter.Seq2[[]json.RawMessage, error]

// target is one object a destructive call acts on.
type target struct {
	ID   string `json:"id"`
	Name string `json:"name"` // the agent's computer name or the threat's name
}

// missing sorts the given ids that a selection left out.
type missing struct {
	NotFound       []string // no such object is visible to the configuration
	Decommissioned []string // left out because decommissioned agents were not asked for
	Excluded       []string // also named by excludeIds
	FilteredOut    []string // exists, but the other params (or skip and limit) left it out
}

// leftOut returns the given ids that are not among resolved, in the order given.
func leftOut(given []string, resolved []target) []string {
	if len(given) == 0 {
		return nil
	}
	in := make(map[string]bool, len(resolved))
	for _, t := range resolved {
		in[t.ID] = true
	}
	var out []string
	for _, id := range given {
		if !in[id] {
			out = append(out, id)
		}
	}
	return out
}

// selector is what a destructive operation selects from.
type selector interface {
	resolve(ctx context.Context, client *sentinelone.Client) ([]target, error)
	explain(ctx context.Context, client *sentinelone.Client, resolved []target) (missing, error)
	population(ctx context.Context, client *sentinelone.Client) (int, error)
}

// action is what a destructive operation does to its resolved ids.
type action struct {
	noun  string // "agent" or "threat"
	verb  string // for messages: "isolate", "mitigate (kill)"
	apply func(batch []string) (int, error)
}

// outcome is the result of runAction, before it takes its operation's shape.
type outcome struct {
	targets  []target
	ids      []string
	missing  missing
	affected int
	dryRun   bool
	message  string
	resolved []resolution // how each endpoint resolved, for selections by endpoint
}

// runAction is the one path of every destructive operation: resolve the selection, report
// the given ids it left out, refuse by result (limit.check), then act on exactly the resolved
// ids, in batches, or in a dry run only say what it would act on. No action request is sent
// before every check has passed.
func runAction(ctx context.Context, call *connector.Call, client *sentinelone.Client, sel selector, act action) (*outcome, error) {
	targets, err := sel.resolve(ctx, client)
	if err != nil {
		return nil, err
	}
	o := &outcome{targets: targets, ids: make([]string, len(targets)), dryRun: call.Args().Bool("dry_run")}
	for i, t := range targets {
		o.ids[i] = t.ID
	}
	call.SetTargets(o.ids)
	if r, ok := sel.(interface{ resolutions() []resolution }); ok {
		o.resolved = r.resolutions()
	}
	if o.missing, err = sel.explain(ctx, client, targets); err != nil {
		return nil, err
	}
	if sc := client.PinnedScope(); sc.Pinned() && len(o.missing.NotFound) > 0 {
		return nil, connector.Errorf(connector.KindInvalid,
			"refusing to %s: the given %s ids %s are not inside configuration %q's scope (%s), or do not exist; nothing was done",
			act.verb, act.noun, strings.Join(o.missing.NotFound, ", "), call.Config.Name, sc)
	}
	if len(targets) == 0 {
		if m := o.missing; len(m.NotFound) > 0 && len(m.Decommissioned)+len(m.Excluded)+len(m.FilteredOut) == 0 {
			return nil, connector.Errorf(connector.KindNotFound, "none of the given %s ids exists: %s; nothing was done",
				act.noun, strings.Join(o.missing.NotFound, ", "))
		}
		o.message = fmt.Sprintf("no %s matched the selection; nothing was done%s", act.noun, o.missing.describe())
		return o, nil
	}
	lim := blastLimit(call)
	if err := lim.above(act.verb, act.noun, len(targets)); err != nil {
		return nil, err
	}
	population, err := sel.population(ctx, client)
	if err != nil {
		return nil, err
	}
	if err := lim.check(act.verb, act.noun, len(targets), population); err != nil {
		return nil, err
	}
	if o.dryRun {
		o.message = fmt.Sprintf("dry run: would %s %d %s(s); no action was sent to SentinelOne%s", act.verb, len(targets), act.noun, o.missing.describe())
		return o, nil
	}
	if o.affected, err = actOnIDs(o.ids, act.apply); err != nil {
		return nil, err
	}
	o.message = fmt.Sprintf("%s: SentinelOne reports %d of %d selected %s(s) affected%s", act.verb, o.affected, len(targets), act.noun, o.missing.describe())
	return o, nil
}

// describe lists the left-out ids for a result message.
func (m missing) describe() string {
	var parts []string
	for _, p := range []struct {
		what string
		ids  []string
	}{
		{"not found", m.NotFound},
		{"decommissioned (give includeDecommissioned to act on them)", m.Decommissioned},
		{"excluded by excludeIds", m.Excluded},
		{"not selected by the other params", m.FilteredOut},
	} {
		if len(p.ids) > 0 {
			parts = append(parts, p.what+": "+strings.Join(p.ids, ", "))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; given ids left out: " + strings.Join(parts, "; ")
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

// actionResult is the vocabulary every destructive operation answers in.
type actionResult struct {
	Affected int      `json:"affected"`
	IDs      []string `json:"ids"`
	Count    int      `json:"count"` // the number of resolved targets
	Targets  []target `json:"targets"`
	NotFound []string `json:"not_found"`
	// FilteredOut are given ids that exist but that the other params left out.
	FilteredOut []string `json:"filtered_out"`
	DryRun      bool     `json:"dry_run"`
	Message     string   `json:"message"`
}

func newActionResult(o *outcome) actionResult {
	r := actionResult{Affected: o.affected, IDs: o.ids, Count: len(o.ids), Targets: o.targets,
		NotFound: o.missing.NotFound, FilteredOut: o.missing.FilteredOut, DryRun: o.dryRun, Message: o.message}
	r.Targets = nonNil(r.Targets)
	r.NotFound, r.FilteredOut = nonNil(r.NotFound), nonNil(r.FilteredOut)
	return r
}

// agentActionResult is the data of an action on agents; affected_agents and agent_ids are
// 1.0.0's names, kept so 1.0.0 playbooks read them unchanged.
type agentActionResult struct {
	actionResult
	AffectedAgents int      `json:"affected_agents"`
	AgentIDs       []string `json:"agent_ids"`
	Decommissioned []string `json:"decommissioned"`
	Excluded       []string `json:"excluded"`
	// Endpoints shows how each given endpoint resolved (empty when none were given).
	Endpoints []resolution `json:"endpoints"`
	// Agents (agent_action only) are the agents as SentinelOne reports them after the action.
	Agents *[]json.RawMessage `json:"agents,omitempty"`
}

func newAgentActionResult(o *outcome) *agentActionResult {
	return &agentActionResult{actionResult: newActionResult(o), AffectedAgents: o.affected, AgentIDs: o.ids,
		Decommissioned: nonNil(o.missing.Decommissioned), Excluded: nonNil(o.missing.Excluded), Endpoints: nonNil(o.resolved)}
}

// threatActionResult is the data of an action on threats; threat_ids is 1.0.0's name.
type threatActionResult struct {
	actionResult
	ThreatIDs []string `json:"threat_ids"`
}

func newThreatActionResult(o *outcome) *threatActionResult {
	return &threatActionResult{actionResult: newActionResult(o), ThreatIDs: o.ids}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
