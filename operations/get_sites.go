package operations

import (
	"context"
	"encoding/json"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetSites lists the console's sites (within the configuration's scope).
const GetSites = "get_sites"

// listLimit reads the optional limit param of a list operation.
func listLimit(p connector.Args) sentinelone.ListOptions {
	n, _ := p.Int("limit")
	return sentinelone.ListOptions{Limit: int(n)}
}

// streamPages streams every item of pages.
func streamPages(pages func(ctx context.Context) iterPages) *connector.ItemStream {
	return connector.NewItemStream(func(ctx context.Context, yield func(json.RawMessage) error) error {
		return walkPages(pages(ctx), nil, false, 0, 0, yield)
	})
}

func getSites(_ context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	p := call.Args()
	f := sentinelone.SiteFilter{IDs: idList(p, "siteIds"), AccountIDs: idList(p, "accountIds")}
	return streamPages(func(ctx context.Context) iterPages { return client.Management.Sites(ctx, f, listLimit(p)) }), nil
}

var getSitesSpec = spec{name: GetSites, run: getSites}
