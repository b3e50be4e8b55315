package operations

import (
	"context"
	"encoding/json"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetOutputSchemaThreats returns one threat as fetch_threats delivers it, for FortiSOAR's
// data ingestion wizard to build its field mapping from.
const GetOutputSchemaThreats = "get_output_schema_threats"

func getOutputSchemaThreats(ctx context.Context, _ *connector.Call, client *sentinelone.Client) (any, error) {
	// The newest change: a real threat of this console, with every field it carries.
	f := sentinelone.ThreatFeedFilter{}.Filter()
	f["sortBy"], f["sortOrder"] = "updatedAt", "desc"
	for page, err := range client.Threats.Pages(ctx, f, sentinelone.ListOptions{Limit: 1}) {
		if err != nil {
			return nil, err
		}
		return map[string]any{"data": []json.RawMessage{page[0]}, "sample": true}, nil
	}
	return map[string]any{"data": []json.RawMessage{}, "sample": false}, nil
}

var getOutputSchemaThreatsSpec = spec{name: GetOutputSchemaThreats, run: getOutputSchemaThreats}
