package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"time"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// FetchThreats delivers the threats changed since a checkpoint, each change exactly once.
const FetchThreats = "fetch_threats"

func fetchThreats(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	p, err := readFeedParams(args, "threats", time.Now())
	if err != nil {
		return nil, err
	}
	f := sentinelone.ThreatFeedFilter{
		SiteIDs: idList(args, "site_ids"), AccountIDs: idList(args, "account_ids"), GroupIDs: idList(args, "group_ids"),
		Classifications: idList(args, "classification"), ConfidenceLevels: idList(args, "confidence"),
		IncidentStatuses: idList(args, "incident_status"), AnalystVerdicts: idList(args, "verdict"),
	}
	walk := func(ctx context.Context, low time.Time, pageSize int) iter.Seq2[[]json.RawMessage, error] {
		g := f
		if !low.IsZero() {
			g.UpdatedAtGTE = low.UTC().Format(time.RFC3339Nano)
		}
		return client.Threats.Changed(ctx, g, pageSize)
	}
	ans, err := runFeed(ctx, call, p, walk, decodeThreatChange)
	if err != nil {
		return nil, fmt.Errorf("fetch threats: %w", err)
	}
	return ans, nil
}

// decodeThreatChange reads a threat's id and stamps: under threatInfo on 2.1, at the top
// on 2.0.
func decodeThreatChange(raw json.RawMessage) (change, error) {
	var t struct {
		ID         string `json:"id"`
		CreatedAt  string `json:"createdAt"`
		UpdatedAt  string `json:"updatedAt"`
		ThreatInfo *struct {
			CreatedAt string `json:"createdAt"`
			UpdatedAt string `json:"updatedAt"`
		} `json:"threatInfo"`
	}
	if err := json.Unmarshal(raw, &t); err != nil || t.ID == "" {
		return change{}, fmt.Errorf("decode threat: not a threat object with an id")
	}
	c := change{ID: t.ID, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if t.ThreatInfo != nil && t.ThreatInfo.UpdatedAt != "" {
		c.CreatedAt, c.UpdatedAt = t.ThreatInfo.CreatedAt, t.ThreatInfo.UpdatedAt
	}
	if c.UpdatedAt == "" {
		return change{}, fmt.Errorf("decode threat %s: it has no updatedAt", t.ID)
	}
	return c, nil
}

var fetchThreatsSpec = spec{name: FetchThreats, run: fetchThreats}
