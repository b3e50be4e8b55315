package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// CreateBlacklistItem blocks a hash in a scope: one blocklist entry per OS.
const CreateBlacklistItem = "create_blacklist_item"

func createBlacklistItem(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	hash := strings.ToLower(strings.TrimSpace(args.String("hash")))
	oses, err := osTypesOf(args)
	if err != nil {
		return nil, err
	}
	sc, err := requiredScope(args)
	if err != nil {
		return nil, err
	}
	e := sentinelone.Entry{Type: sentinelone.TypeBlackHash, Value: hash, Description: args.String("description")}
	return createEntries(ctx, call, client.Blocklist(), "blocklist entry", sc, e, oses)
}

var createBlacklistItemSpec = spec{name: CreateBlacklistItem, run: createBlacklistItem, destructive: true,
	narrowing: []string{"hash"}, labels: map[string][]string{"os_type": labels(entryOSes), "scope": scopeOptions}}
