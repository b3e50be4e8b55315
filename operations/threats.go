package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// narrowingThreatParams are the params that narrow a threat selection.
var narrowingThreatParams = []string{"threat_id", "contentHash", "threatName", "agent_id"}

// scanInitiators are the 2.1 initiatedBy values of threats found by a scan.
var scanInitiators = []string{"full_disk_scan", "on_demand_scan"}

// threatSelection is the threat filter of a call. On API 2.1, "from scan" is SentinelOne's
// initiatedBy filter; on 2.0 no fromScan filter is confirmed, so the connector reads the
// threat's own fromScan field. SentinelOne offers no hidden-threat filter at all.
type threatSelection struct {
	filter   sentinelone.Filter
	fromScan *bool // applied by the connector (2.0)
	skip     int
	limit    int
}

func newThreatSelection(p connector.Params, version string) (*threatSelection, error) {
	f := sentinelone.Filter{}
	var errs connector.ParamErrors
	for param, key := range map[string]string{"threat_id": "ids", "agent_id": "agentIds"} {
		ids, err := idList(p, param)
		if err != nil {
			errs = append(errs, err.(*connector.ParamError))
		} else if ids != nil {
			f[key] = ids
		}
	}
	if v, ok := triState(p, "isHidden"); ok {
		errs = append(errs, &connector.ParamError{Param: "isHidden", Message: fmt.Sprintf(
			"SentinelOne's threats API has no hidden-threat filter, so %q cannot be honoured; leave Is Hidden as Any", fmt.Sprint(v))})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if h := strings.TrimSpace(p.String("contentHash")); h != "" {
		f["contentHashes"] = []string{strings.ToLower(h)}
	}
	if name := strings.TrimSpace(p.String("threatName")); name != "" {
		if version == sentinelone.APIVersion20 {
			f["displayName__like"] = name
		} else {
			f["displayName"] = name
		}
	}
	sel := &threatSelection{filter: f}
	if v, ok := triState(p, "fromScan"); ok {
		switch {
		case version == sentinelone.APIVersion20:
			sel.fromScan = &v
		case v:
			f["initiatedBy"] = scanInitiators
		default:
			f["initiatedByNin"] = scanInitiators
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

// walk calls fn with each selected threat, in SentinelOne's order.
func (s *threatSelection) walk(ctx context.Context, client *sentinelone.Client, fn func(raw json.RawMessage) error) error {
	if s.fromScan == nil {
		pages := client.Threats.Pages(ctx, s.filter, sentinelone.ListOptions{Skip: s.skip, Limit: s.limit})
		return walkPages(pages, nil, 0, 0, fn)
	}
	keep := func(raw json.RawMessage) (bool, error) {
		var t struct {
			ID       string `json:"id"`
			FromScan bool   `json:"fromScan"`
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return false, fmt.Errorf("list threats: decode threat %s: %w", t.ID, err)
		}
		return t.FromScan == *s.fromScan, nil
	}
	return walkPages(client.Threats.Pages(ctx, s.filter, sentinelone.ListOptions{}), keep, s.skip, s.limit, fn)
}

// threatActionResult is the data of an action on threats.
type threatActionResult struct {
	Affected  int      `json:"affected"`
	Message   string   `json:"message"`
	ThreatIDs []string `json:"threat_ids"`
}

// runThreatAction resolves the selection, then applies act to exactly the resolved ids.
func runThreatAction(ctx context.Context, client *sentinelone.Client, sel *threatSelection, what string, act func(f sentinelone.Filter) (int, error)) (*threatActionResult, error) {
	ids := []string{}
	err := sel.walk(ctx, client, func(raw json.RawMessage) error {
		id, err := objectID(raw)
		if err != nil {
			return fmt.Errorf("list threats: %w", err)
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("resolve the selected threats: %w", err)
	}
	if len(ids) == 0 {
		return &threatActionResult{Message: "no threat matched the selection; nothing was done", ThreatIDs: ids}, nil
	}
	n, err := actOnIDs(ids, func(batch []string) (int, error) {
		return act(sentinelone.Filter{"ids": batch})
	})
	if err != nil {
		return nil, err
	}
	return &threatActionResult{Affected: n, ThreatIDs: ids,
		Message: fmt.Sprintf("%s: SentinelOne reports %d of %d selected threat(s) affected", what, n, len(ids))}, nil
}
