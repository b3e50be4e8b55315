package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// MitigateThreats kills, quarantines, un-quarantines, remediates or rolls back threats.
const MitigateThreats = "mitigate_threats"

// mitigations maps the action option to SentinelOne's mitigation path.
var mitigations = map[string]string{
	"Kill":                 sentinelone.MitigateKill,
	"Quarantine":           sentinelone.MitigateQuarantine,
	"Un-Quarantine":        sentinelone.MitigateUnquarantine,
	"Remediate":            sentinelone.MitigateRemediate,
	"Rollback-Remediation": sentinelone.MitigateRollback,
}

func mitigateThreats(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	label := call.Params.String("action")
	mitigation, ok := mitigations[label]
	if !ok {
		return nil, connector.InvalidParam("action", "unknown action %q", label)
	}
	return threatAction(ctx, call, client, "mitigate ("+label+")", func(f sentinelone.Filter) (int, error) {
		res, err := client.Threats.Mitigate(ctx, mitigation, f)
		return res.Affected, err
	})
}

// threatAction runs a destructive threat operation: the threat filter of the call, the
// narrowing rule, then runAction with apply on each batch of resolved ids.
func threatAction(ctx context.Context, call *connector.Call, client *sentinelone.Client, verb string, apply func(sentinelone.Filter) (int, error)) (any, error) {
	sel, err := newThreatSelection(call.Params, client.APIVersion())
	if err != nil {
		return nil, err
	}
	if err := requireNarrowing(call.Params, call.Operation, "threat", narrowingThreatParams); err != nil {
		return nil, err
	}
	o, err := runAction(ctx, call, client, sel, action{noun: "threat", verb: verb, apply: func(batch []string) (int, error) {
		return apply(sentinelone.ThreatFilter{IDs: batch}.Filter())
	}})
	if err != nil {
		return nil, err
	}
	return newThreatActionResult(o), nil
}
