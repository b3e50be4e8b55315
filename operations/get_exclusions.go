package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetExclusions lists exclusions by type, value, OS and scope, walking all pages.
const GetExclusions = "get_exclusions"

func getExclusions(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	f := sentinelone.ListFilter{ValueContains: strings.TrimSpace(args.String("value"))}
	if label := args.String("type"); label != "Any" {
		typ, ok := exclusionTypes[label]
		if !ok {
			return nil, connector.InvalidParam("type", "unknown exclusion type %q", label)
		}
		f.Type = typ
	}
	if err := osAndScope(args, &f); err != nil {
		return nil, err
	}
	return listEntries(ctx, call, client.Exclusions(), f)
}

var getExclusionsSpec = spec{name: GetExclusions, run: getExclusions, labels: map[string][]string{
	"type": append(labels(exclusionTypes), "Any"), "os_type": append(labels(entryOSes), "Any"), "scope": append([]string{"Any"}, scopeOptions...)}}
