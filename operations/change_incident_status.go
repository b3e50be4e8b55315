package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// ChangeIncidentStatus sets the incident status, and optionally the analyst verdict, of the
// selected threats (API 2.1).
const ChangeIncidentStatus = "change_incident_status"

// incidentStatuses maps the status option to SentinelOne's value.
var incidentStatuses = map[string]string{
	"unresolved":  sentinelone.IncidentUnresolved,
	"in_progress": sentinelone.IncidentInProgress,
	"resolved":    sentinelone.IncidentResolved,
}

// verdictUnchanged is the verdict option that leaves the analyst verdict as it is.
const verdictUnchanged = "unchanged"

func changeIncidentStatus(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	status, ok := incidentStatuses[args.String("status")]
	if !ok {
		return nil, connector.InvalidParam("status", "unknown status %q", args.String("status"))
	}
	verdict := ""
	if label := args.String("verdict"); label != "" && label != verdictUnchanged {
		if verdict, ok = analystVerdicts[label]; !ok {
			return nil, connector.InvalidParam("verdict", "unknown verdict %q", label)
		}
	}
	if err := needs21(call, client, "POST /threats/incident", ""); err != nil {
		return nil, err
	}
	verb := "set the incident status " + status + " on"
	if verdict != "" {
		verb = "set the incident status " + status + " and the analyst verdict " + verdict + " on"
	}
	return threatAction(ctx, call, client, verb, func(f sentinelone.Filter) (int, error) {
		res, err := client.Threats.SetIncidentStatus(ctx, f, status, verdict)
		return res.Affected, err
	})
}

var changeIncidentStatusSpec = spec{name: ChangeIncidentStatus, run: changeIncidentStatus, destructive: true,
	narrowing: threatFilterNarrowing, labels: map[string][]string{
		"status":  labels(incidentStatuses),
		"verdict": append(labels(analystVerdicts), verdictUnchanged),
	}}
