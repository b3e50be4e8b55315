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
	p, err := readFeedParams(ctx, call, "threats", time.Now())
	if err != nil {
		return nil, err
	}
	f := sentinelone.ThreatFeedFilter{
		SiteIDs: idList(args, "site_ids"), AccountIDs: idList(args, "account_ids"), GroupIDs: idList(args, "group_ids"),
		Classifications: idList(args, "classification"), ConfidenceLevels: idList(args, "confidence"),
		IncidentStatuses: idList(args, "incident_status"), AnalystVerdicts: idList(args, "verdict"),
	}
	walk := func(ctx context.Context, low time.Time, pageSize int, readAhead func(int) bool) iter.Seq2[[]json.RawMessage, error] {
		g := f
		if !low.IsZero() {
			g.UpdatedAtGTE = low.UTC().Format(time.RFC3339Nano)
		}
		return client.Threats.Changed(ctx, g, pageSize, readAhead)
	}
	return feedStream(call, p, walk, decodeThreatChange, "fetch threats"), nil
}

// decodeThreatChange reads a threat's id and stamps (sentinelone.ThreatStamps).
func decodeThreatChange(raw json.RawMessage) (change, error) {
	t, err := sentinelone.ThreatStamps(raw)
	if err != nil || t.ID == "" {
		return change{}, fmt.Errorf("decode threat: not a threat object with an id")
	}
	if t.UpdatedAt == "" {
		return change{}, fmt.Errorf("decode threat %s: it has no updatedAt", t.ID)
	}
	return change{ID: t.ID, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}, nil
}

var fetchThreatsSpec = spec{name: FetchThreats, run: fetchThreats}
