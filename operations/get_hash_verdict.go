package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetHashVerdict returns SentinelOne's verdict on a SHA-1 or SHA-256 (API 2.1).
const GetHashVerdict = "get_hash_verdict"

func getHashVerdict(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	hash := strings.ToLower(strings.TrimSpace(call.Args().String("hash")))
	if err := needs21(call, client, "GET /hashes/{hash}/verdict", "on 2.0 use get_hash_details (reputation)"); err != nil {
		return nil, err
	}
	verdict, err := client.Hashes.Verdict(ctx, hash)
	if err != nil {
		return nil, err
	}
	return map[string]string{"hash": hash, "verdict": verdict}, nil
}

var getHashVerdictSpec = spec{name: GetHashVerdict, run: getHashVerdict}
