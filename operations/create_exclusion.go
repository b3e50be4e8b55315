package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// CreateExclusion adds an exclusion (allow-list entry) in a scope: one entry per OS.
const CreateExclusion = "create_exclusion"

// exclusionTypes maps the type option to SentinelOne's exclusion type.
var exclusionTypes = map[string]string{
	"Path":        sentinelone.TypeExclusionPath,
	"Hash":        sentinelone.TypeExclusionHash,
	"Certificate": sentinelone.TypeExclusionCert,
	"Browser":     sentinelone.TypeExclusionBrowser,
	"File Type":   sentinelone.TypeExclusionFileType,
}

// exclusionModes are the modes of a path exclusion (what the agent stops doing there).
var exclusionModes = []string{"suppress", "disable_in_process_monitor", "disable_in_process_monitor_deep",
	"disable_all_monitors", "disable_all_monitors_deep"}

// exclusionValue reads the type and value params, checking a hash value.
func exclusionValue(args connector.Args) (typ, value string, err error) {
	label := args.String("type")
	typ, ok := exclusionTypes[label]
	if !ok {
		return "", "", connector.InvalidParam("type", "unknown exclusion type %q", label)
	}
	value = strings.TrimSpace(args.String("value"))
	if typ == sentinelone.TypeExclusionHash {
		value = strings.ToLower(value)
		if !isHash(value) {
			return "", "", connector.InvalidParam("value", "a Hash exclusion's value is a SHA-1 or SHA-256 (40 or 64 hexadecimal characters)")
		}
	}
	return typ, value, nil
}

// isHash reports whether s is 40 or 64 lower-case hex digits.
func isHash(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	return strings.Trim(s, "0123456789abcdef") == ""
}

func createExclusion(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	typ, value, err := exclusionValue(args)
	if err != nil {
		return nil, err
	}
	if value == "" {
		return nil, connector.InvalidParam("value", "is blank: give the path, hash, certificate, browser or file type to exclude")
	}
	oses, err := osTypesOf(args)
	if err != nil {
		return nil, err
	}
	sc, err := requiredScope(args)
	if err != nil {
		return nil, err
	}
	e := sentinelone.Entry{Type: typ, Value: value, Description: args.String("description")}
	if typ == sentinelone.TypeExclusionPath {
		e.Mode = args.String("mode")
	}
	return createEntries(ctx, call, client.Exclusions(), "exclusion", sc, e, oses)
}

var createExclusionSpec = spec{name: CreateExclusion, run: createExclusion, destructive: true, narrowing: []string{"value"},
	labels: map[string][]string{"type": labels(exclusionTypes), "os_type": labels(entryOSes), "scope": scopeOptions, "mode": exclusionModes}}
