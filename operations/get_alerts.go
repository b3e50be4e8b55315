package operations

import (
	"context"
	"encoding/json"
	"time"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetAlerts lists STAR / cloud-detection alerts, newest first.
const GetAlerts = "get_alerts"

// defaultAlertLimit is how many alerts get_alerts returns when no limit is given.
const defaultAlertLimit = 100

func getAlerts(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	f := sentinelone.AlertFilter{
		IDs: idList(args, "ids"), SiteIDs: idList(args, "site_ids"), AccountIDs: idList(args, "account_ids"),
		IncidentStatuses: idList(args, "incident_status"), AnalystVerdicts: idList(args, "verdict"),
		RuleNameContains: idList(args, "rule_name"),
	}
	now := time.Now()
	var from, until time.Time
	for _, b := range []struct {
		param string
		dst   *string
		t     *time.Time
	}{{"created_from", &f.CreatedAtGTE, &from}, {"created_until", &f.CreatedAtLTE, &until}} {
		s := args.String(b.param)
		if s == "" {
			continue
		}
		t, err := parseStart(s, now)
		if err != nil {
			return nil, connector.InvalidParam(b.param, "%v", err)
		}
		*b.t, *b.dst = t, t.UTC().Format(time.RFC3339Nano)
	}
	if !from.IsZero() && !until.IsZero() && until.Before(from) {
		return nil, connector.InvalidParam("created_until", "is before created_from")
	}
	limit := defaultAlertLimit
	if n, ok := args.Int("limit"); ok {
		limit = int(n)
	}
	if err := needs21(call, client, "GET /cloud-detection/alerts", ""); err != nil {
		return nil, err
	}
	return connector.NewItemStream(func(ctx context.Context, yield func(json.RawMessage) error) error {
		for page, err := range client.Alerts.List(ctx, f, sentinelone.ListOptions{Limit: limit, ReadAhead: sentinelone.ToTheEnd}) {
			if err != nil {
				return err
			}
			for _, raw := range page {
				if err := yield(raw); err != nil {
					return err
				}
			}
		}
		return nil
	}), nil
}

var getAlertsSpec = spec{name: GetAlerts, run: getAlerts}
