package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// MoveAgentsToSite moves the selected agents to a site (its default group).
const MoveAgentsToSite = "move_agents_to_site"

var moveAgentsToSiteSpec = spec{name: MoveAgentsToSite, destructive: true, narrowing: moveNarrowing,
	run: moveAction("site_id", "move to site", func(ctx context.Context, c *sentinelone.Client, to string) iterPages {
		return c.Management.Sites(ctx, sentinelone.SiteFilter{IDs: []string{to}}, sentinelone.ListOptions{Limit: 1})
	}, func(ctx context.Context, c *sentinelone.Client, f sentinelone.Filter, to string) (int, error) {
		return c.Agents.MoveToSite(ctx, f, to)
	})}
