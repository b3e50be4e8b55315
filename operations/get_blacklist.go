package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetBlacklist lists blocklist entries by value, OS and scope, walking all pages.
const GetBlacklist = "get_blacklist"

func getBlacklist(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	f := sentinelone.ListFilter{Type: sentinelone.TypeBlackHash, ValueContains: strings.ToLower(strings.TrimSpace(args.String("hash")))}
	if err := osAndScope(args, &f); err != nil {
		return nil, err
	}
	return listEntries(ctx, call, client.Blocklist(), f)
}

var getBlacklistSpec = spec{name: GetBlacklist, run: getBlacklist, labels: map[string][]string{
	"os_type": append(labels(entryOSes), "Any"), "scope": append([]string{"Any"}, scopeOptions...)}}
