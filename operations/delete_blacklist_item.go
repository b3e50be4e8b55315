package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// DeleteBlacklistItem deletes the blocklist entries of a hash, or the given entry ids,
// within a scope.
const DeleteBlacklistItem = "delete_blacklist_item"

func deleteBlacklistItem(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	hash := strings.ToLower(strings.TrimSpace(args.String("hash")))
	given := idList(args, "entry_id")
	if hash == "" && len(given) == 0 {
		return nil, connector.InvalidParam("hash", "give the hash or the entry_id of the blocklist entries to delete")
	}
	oses, err := osTypesOf(args)
	if err != nil {
		return nil, err
	}
	sc, err := requiredScope(args)
	if err != nil {
		return nil, err
	}
	f := sentinelone.ListFilter{Type: sentinelone.TypeBlackHash, ValueContains: hash, Scope: sc}
	if len(oses) == 1 {
		f.OSTypes = oses
	}
	return deleteEntries(ctx, call, client.Blocklist(), "blocklist entry", f, given)
}

var deleteBlacklistItemSpec = spec{name: DeleteBlacklistItem, run: deleteBlacklistItem, destructive: true,
	narrowing: []string{"hash", "entry_id"}, labels: map[string][]string{"os_type": labels(entryOSes), "scope": scopeOptions}}
