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
	if client.APIVersion() == sentinelone.APIVersion20 {
		return threatAction(ctx, call, client, "mark as benign", func(f sentinelone.Filter) (int, error) {
			return client.Threats.MarkAsBenign(ctx, f)
		})
	}
	return threatAction(ctx, call, client, "set the analyst verdict false_positive on", func(f sentinelone.Filter) (int, error) {
		res, err := client.Threats.SetAnalystVerdict(ctx, f, sentinelone.VerdictFalsePositive)
		return res.Affected, err
	})
}
