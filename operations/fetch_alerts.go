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

// FetchAlerts delivers the STAR alerts created since a checkpoint, each exactly once.
// SentinelOne offers no updatedAt filter or sort on alerts, so later changes of an alert
// (its verdict, its status) are not delivered again: updated is always empty.
const FetchAlerts = "fetch_alerts"

func fetchAlerts(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	p, err := readFeedParams(ctx, call, "alerts", time.Now())
	if err != nil {
		return nil, err
	}
	f := sentinelone.AlertFilter{
		SiteIDs: idList(args, "site_ids"), AccountIDs: idList(args, "account_ids"),
		IncidentStatuses: idList(args, "incident_status"), AnalystVerdicts: idList(args, "verdict"),
		RuleNameContains: idList(args, "rule_name"),
	}
	if err := needs21(call, client, "GET /cloud-detection/alerts", ""); err != nil {
		return nil, err
	}
	walk := func(ctx context.Context, low time.Time, pageSize int, readAhead func(int) bool) iter.Seq2[[]json.RawMessage, error] {
		g := f
		if !low.IsZero() {
			g.CreatedAtGTE = low.UTC().Format(time.RFC3339Nano)
		}
		return client.Alerts.Created(ctx, g, pageSize, readAhead)
	}
	return feedStream(call, p, walk, decodeAlertChange, "fetch alerts"), nil
}

// decodeAlertChange reads an alert's id and createdAt, under alertInfo. The feed orders
// alerts by createdAt, so createdAt is also the change's stamp: an alert has one change,
// its creation.
func decodeAlertChange(raw json.RawMessage) (change, error) {
	a, err := sentinelone.AlertStamps(raw)
	if err != nil || a.ID == "" {
		return change{}, fmt.Errorf("decode alert: not an alert object with alertInfo.alertId")
	}
	if a.CreatedAt == "" {
		return change{}, fmt.Errorf("decode alert %s: it has no alertInfo.createdAt", a.ID)
	}
	return change{ID: a.ID, UpdatedAt: a.CreatedAt, CreatedAt: a.CreatedAt}, nil
}

var fetchAlertsSpec = spec{name: FetchAlerts, run: fetchAlerts}
