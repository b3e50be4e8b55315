package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetAccounts lists the console's accounts (within the configuration's scope).
const GetAccounts = "get_accounts"

func getAccounts(_ context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	p := call.Args()
	f := sentinelone.AccountFilter{IDs: idList(p, "accountIds")}
	return streamPages(func(ctx context.Context) iterPages { return client.Management.Accounts(ctx, f, listLimit(p)) }), nil
}

var getAccountsSpec = spec{name: GetAccounts, run: getAccounts}
