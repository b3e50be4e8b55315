package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// DeleteExclusion deletes the exclusions of a type and value, or the given entry ids,
// within a scope.
const DeleteExclusion = "delete_exclusion"

func deleteExclusion(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	typ, value, err := exclusionValue(args)
	given := idList(args, "entry_id")
	switch {
	case err != nil && (args.String("value") != "" || len(given) == 0):
		return nil, err
	case value == "" && len(given) == 0:
		return nil, connector.InvalidParam("value", "give the value or the entry_id of the exclusions to delete")
	}
	oses, err := osTypesOf(args)
	if err != nil {
		return nil, err
	}
	sc, err := requiredScope(args)
	if err != nil {
		return nil, err
	}
	f := sentinelone.ListFilter{Type: typ, ValueContains: value, Scope: sc}
	if len(oses) == 1 {
		f.OSTypes = oses
	}
	return deleteEntries(ctx, call, client.Exclusions(), "exclusion", f, given)
}

var deleteExclusionSpec = spec{name: DeleteExclusion, run: deleteExclusion, destructive: true, narrowing: []string{"value", "entry_id"},
	labels: map[string][]string{"type": labels(exclusionTypes), "os_type": labels(entryOSes), "scope": scopeOptions}}
