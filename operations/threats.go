package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// threatFilterParams are the params of the threat filter; list_all_threats declares all
// but threat_id.
var threatFilterParams = []string{"threat_id", "agent_id", "contentHash", "threatName", "fromScan", "isHidden", "skip", "limit",
	"siteIds", "accountIds", "groupIds"}

// threatFilterNarrowing are the params that narrow a threat selection.
var threatFilterNarrowing = []string{"threat_id", "contentHash", "threatName", "agent_id", "siteIds", "accountIds", "groupIds"}

// scanInitiators are the 2.1 initiatedBy values of threats found by a scan.
var scanInitiators = []string{"full_disk_scan", "on_demand_scan"}

// threatSelection is the threat filter of a call. On API 2.1, "from scan" is SentinelOne's
// initiatedBy filter; on 2.0 no fromScan filter is confirmed, so the connector reads the
// threat's own fromScan field. SentinelOne offers no hidden-threat filter at all.
type threatSelection struct {
	filter   sentinelone.ThreatFilter
	given    []string // the threat_id param, for reporting ids that select nothing
	fromScan *bool    // applied by the connector (2.0)
	skip     int
	limit    int
}

func newThreatSelection(args connector.Args, version string) (*threatSelection, error) {
	p := declaredOnly{args, threatFilterParams}
	if v, ok := p.triState("isHidden"); ok {
		return nil, &connector.ParamError{Param: "isHidden", Message: fmt.Sprintf(
			"SentinelOne's threats API has no hidden-threat filter, so %q cannot be honoured; leave Is Hidden as Any", fmt.Sprint(v))}
	}
	sel := &threatSelection{given: p.list("threat_id")}
	f := &sel.filter
	f.IDs, f.AgentIDs = sel.given, p.list("agent_id")
	f.SiteIDs, f.AccountIDs, f.GroupIDs = p.list("siteIds"), p.list("accountIds"), p.list("groupIds")
	if h := strings.TrimSpace(p.string("contentHash")); h != "" {
		f.ContentHashes = []string{strings.ToLower(h)}
	}
	if name := strings.TrimSpace(p.string("threatName")); name != "" {
		if version == sentinelone.APIVersion20 {
			f.DisplayNameLike = name
		} else {
			f.DisplayName = name
		}
	}
	if v, ok := p.triState("fromScan"); ok {
		switch {
		case version == sentinelone.APIVersion20:
			sel.fromScan = &v
		case v:
			f.InitiatedBy = scanInitiators
		default:
			f.InitiatedByNin = scanInitiators
		}
	}
	if n, ok := p.int("skip"); ok {
		sel.skip = int(n)
	}
	if n, ok := p.int("limit"); ok {
		sel.limit = int(n)
	}
	return sel, nil
}

// walk calls fn with each selected threat, in SentinelOne's order.
func (s *threatSelection) walk(ctx context.Context, client *sentinelone.Client, fn func(raw json.RawMessage) error) error {
	// The walk goes on to its limit or its end, so the next page is read while one is consumed.
	opts := sentinelone.ListOptions{Skip: s.skip, Limit: s.limit, ReadAhead: sentinelone.ToTheEnd}
	var keep func(raw json.RawMessage) (bool, error)
	if s.fromScan != nil {
		// Filtered here, the walk stops at a limit the client cannot see: no read-ahead.
		opts = sentinelone.ListOptions{}
		keep = func(raw json.RawMessage) (bool, error) {
			var t struct {
				ID       string `json:"id"`
				FromScan bool   `json:"fromScan"`
			}
			if err := json.Unmarshal(raw, &t); err != nil {
				return false, fmt.Errorf("list threats: decode threat %s: %w", t.ID, err)
			}
			return t.FromScan == *s.fromScan, nil
		}
	}
	pages, split, err := splitPages(s.filter.Filter(), opts, func(f sentinelone.Filter, o sentinelone.ListOptions) iterPages {
		return client.Threats.Pages(ctx, f, o)
	})
	if err != nil {
		return fmt.Errorf("list threats: %w", err)
	}
	return walkPages(pages, keep, split, s.skip, s.limit, fn)
}

// population counts every threat of the console: the population a threat selection draws from.
func (s *threatSelection) population(ctx context.Context, client *sentinelone.Client) (int, error) {
	n, err := client.Threats.Count(ctx, sentinelone.ThreatFilter{}.Filter())
	if err != nil {
		return 0, fmt.Errorf("count the threats the selection draws from: %w", err)
	}
	return n, nil
}

// threatName reads a threat's name: threatInfo.threatName on 2.1, threatName on 2.0.
func decodeThreat(raw json.RawMessage) (target, error) {
	var t struct {
		ThreatName string `json:"threatName"`
		ThreatInfo *struct {
			ThreatName string `json:"threatName"`
		} `json:"threatInfo"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return target{}, fmt.Errorf("decode threat: %w", err)
	}
	id, err := objectID(raw)
	if err != nil {
		return target{}, err
	}
	name := t.ThreatName
	if t.ThreatInfo != nil && t.ThreatInfo.ThreatName != "" {
		name = t.ThreatInfo.ThreatName
	}
	return target{ID: id, Name: name}, nil
}

// resolve lists the selected threats.
func (s *threatSelection) resolve(ctx context.Context, client *sentinelone.Client) ([]target, error) {
	var out []target
	err := s.walk(ctx, client, func(raw json.RawMessage) error {
		t, err := decodeThreat(raw)
		if err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("resolve the selected threats: %w", err)
	}
	return out, nil
}

// explain sorts the given threat ids that the selection left out into not found and
// filtered out by the other params.
func (s *threatSelection) explain(ctx context.Context, client *sentinelone.Client, resolved []target) (missing, error) {
	var m missing
	left := leftOut(s.given, resolved)
	if len(left) == 0 {
		return m, nil
	}
	found := map[string]bool{}
	pages, _, err := splitPages(sentinelone.ThreatFilter{IDs: left}.Filter(), sentinelone.ListOptions{},
		func(f sentinelone.Filter, o sentinelone.ListOptions) iterPages {
			return client.Threats.Pages(ctx, f, o)
		})
	if err != nil {
		return m, err
	}
	err = walkPages(pages, nil, false, 0, 0, func(raw json.RawMessage) error {
		id, err := objectID(raw)
		found[id] = err == nil
		return err
	})
	if err != nil {
		return m, fmt.Errorf("look up the given threat ids that selected nothing: %w", err)
	}
	for _, id := range left {
		if found[id] {
			m.FilteredOut = append(m.FilteredOut, id)
		} else {
			m.NotFound = append(m.NotFound, id)
		}
	}
	return m, nil
}
