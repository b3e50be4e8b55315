package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// MarkThreatAsBenign marks threats as benign: mark-as-benign on API 2.0, the analyst verdict
// false_positive on 2.1 (where mark-as-benign no longer exists).
const MarkThreatAsBenign = "mark_threat_as_benign"

func markThreatAsBenign(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	sel, err := newThreatSelection(call.Params, client.APIVersion())
	if err != nil {
		return nil, err
	}
	if err := requireNarrowing(call.Params, call.Operation, "threat", narrowingThreatParams); err != nil {
		return nil, err
	}
	if client.APIVersion() == sentinelone.APIVersion20 {
		return runThreatAction(ctx, client, sel, "marked as benign", func(f sentinelone.Filter) (int, error) {
			return client.Threats.MarkAsBenign(ctx, f)
		})
	}
	return runThreatAction(ctx, client, sel, "analyst verdict set to false_positive", func(f sentinelone.Filter) (int, error) {
		res, err := client.Threats.SetAnalystVerdict(ctx, f, "false_positive")
		return res.Affected, err
	})
}
