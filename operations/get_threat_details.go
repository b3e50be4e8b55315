package operations

import (
	"context"
	"fmt"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetThreatDetails returns one threat by id.
const GetThreatDetails = "get_threat_details"

func getThreatDetails(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	id := strings.TrimSpace(call.Params.String("threat_id"))
	for page, err := range client.Threats.Pages(ctx, sentinelone.ThreatFilter{IDs: []string{id}}.Filter(), sentinelone.ListOptions{Limit: 1}) {
		if err != nil {
			return nil, err
		}
		return page[0], nil
	}
	return nil, fmt.Errorf("threat %s not found", id)
}
