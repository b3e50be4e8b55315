package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetHashDetails returns SentinelOne's reputation of a SHA-1 hash.
const GetHashDetails = "get_hash_details"

// hashResult is get_hash_details' data; Rank is nil when SentinelOne has no record.
type hashResult struct {
	Hash string  `json:"hash"`
	Rank *string `json:"rank"`
}

func getHashDetails(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	hash := strings.ToLower(strings.TrimSpace(call.Args().String("hash")))
	raw, err := client.Hashes.Reputation(ctx, hash)
	if err != nil {
		return nil, err
	}
	var rep struct {
		Rank json.RawMessage `json:"rank"`
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		return nil, fmt.Errorf("decode reputation of %s: %w", hash, err)
	}
	res := hashResult{Hash: hash}
	if len(rep.Rank) > 0 && string(rep.Rank) != "null" {
		var rank string
		if err := json.Unmarshal(rep.Rank, &rank); err != nil {
			rank = string(rep.Rank) // a numeric rank
		}
		res.Rank = &rank
	}
	return res, nil
}

var getHashDetailsSpec = spec{name: GetHashDetails, run: getHashDetails}
