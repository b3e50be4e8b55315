package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// UpdateAnalystVerdict sets the analyst verdict of the selected threats (API 2.1).
const UpdateAnalystVerdict = "update_analyst_verdict"

// analystVerdicts maps the verdict option to SentinelOne's value.
var analystVerdicts = map[string]string{
	"true_positive":  sentinelone.VerdictTruePositive,
	"false_positive": sentinelone.VerdictFalsePositive,
	"suspicious":     sentinelone.VerdictSuspicious,
	"undefined":      sentinelone.VerdictUndefined,
}

// needs21 refuses, before any request, an operation whose endpoint API 2.0 does not have.
func needs21(call *connector.Call, client *sentinelone.Client, endpoint, instead string) error {
	if client.APIVersion() != sentinelone.APIVersion20 {
		return nil
	}
	msg := call.Operation.Name + " needs SentinelOne API 2.1: " + endpoint + " does not exist in API 2.0"
	if instead != "" {
		msg += "; " + instead
	}
	return connector.Errorf(connector.KindInvalid, "%s", msg)
}

func updateAnalystVerdict(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	label := call.Args().String("verdict")
	verdict, ok := analystVerdicts[label]
	if !ok {
		return nil, connector.InvalidParam("verdict", "unknown verdict %q", label)
	}
	if err := needs21(call, client, "POST /threats/analyst-verdict", "on 2.0 use mark_threat_as_benign for a false positive"); err != nil {
		return nil, err
	}
	return threatAction(ctx, call, client, "set the analyst verdict "+verdict+" on", func(f sentinelone.Filter) (int, error) {
		res, err := client.Threats.SetAnalystVerdict(ctx, f, verdict)
		return res.Affected, err
	})
}

var updateAnalystVerdictSpec = spec{name: UpdateAnalystVerdict, run: updateAnalystVerdict, destructive: true,
	narrowing: threatFilterNarrowing, labels: map[string][]string{"verdict": labels(analystVerdicts)}}
