package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// The blocklist and the exclusions are scoped lists of entries, one entry per OS. Their
// operations share the scope params, the OS option and the create and delete flows here.

// scopeOptions are the scope select's options; "Any" only on the list reads.
var scopeOptions = []string{"Tenant", "Account", "Site", "Group"}

// entryOSes maps the os_type option to the OS types it stands for.
var entryOSes = map[string][]string{
	"windows": {"windows"}, "macos": {"macos"}, "linux": {"linux"}, "all": {"windows", "macos", "linux"},
}

// scopeOf reads the scope and scope_ids params. A read may give scope Any (ok false);
// every write names its scope: there is no silent global default.
func scopeOf(args connector.Args) (sc sentinelone.Scope, ok bool, err error) {
	label, ids := args.String("scope"), idList(args, "scope_ids")
	switch label {
	case "", "Any":
		if len(ids) > 0 {
			return sc, false, connector.InvalidParam("scope_ids", "given without a scope: choose Account, Site or Group")
		}
		return sc, false, nil
	case "Tenant":
		if len(ids) > 0 {
			return sc, false, connector.InvalidParam("scope_ids", "must be empty for the Tenant scope (the whole console)")
		}
		sc.Tenant = true
		return sc, true, nil
	}
	if len(ids) == 0 {
		return sc, false, connector.InvalidParam("scope_ids", "is required for the %s scope: give the %s ids", label, strings.ToLower(label))
	}
	switch label {
	case "Account":
		sc.AccountIDs = ids
	case "Site":
		sc.SiteIDs = ids
	case "Group":
		sc.GroupIDs = ids
	default:
		return sc, false, connector.InvalidParam("scope", "unknown scope %q", label)
	}
	return sc, true, nil
}

// requiredScope is scopeOf for a write, which must name its scope.
func requiredScope(args connector.Args) (sentinelone.Scope, error) {
	sc, ok, err := scopeOf(args)
	if err == nil && !ok {
		err = connector.InvalidParam("scope", "is required: choose Tenant, Account, Site or Group (there is no default scope)")
	}
	return sc, err
}

// describeScope names a scope for messages.
func describeScope(sc sentinelone.Scope) string {
	switch {
	case sc.Tenant:
		return "the tenant"
	case len(sc.AccountIDs) > 0:
		return "accounts " + strings.Join(sc.AccountIDs, ", ")
	case len(sc.SiteIDs) > 0:
		return "sites " + strings.Join(sc.SiteIDs, ", ")
	}
	return "groups " + strings.Join(sc.GroupIDs, ", ")
}

// osTypesOf reads the os_type option.
func osTypesOf(args connector.Args) ([]string, error) {
	label := args.String("os_type")
	oses, ok := entryOSes[label]
	if !ok {
		return nil, connector.InvalidParam("os_type", "unknown OS %q", label)
	}
	return oses, nil
}

// createResult is the data of create_blacklist_item and create_exclusion.
type createResult struct {
	Value   string            `json:"value"`
	Type    string            `json:"type"`
	OSTypes []string          `json:"os_types"`
	Created []json.RawMessage `json:"created"`
	Count   int               `json:"count"` // entries created
	// AlreadyPresent is true when every requested entry existed already (nothing created).
	AlreadyPresent bool `json:"already_present"`
	// Existing are the OS types whose entry existed already.
	Existing []string `json:"existing_os_types"`
	DryRun   bool     `json:"dry_run"`
	Message  string   `json:"message"`
}

// createEntries adds one entry per OS in scope; an entry SentinelOne says exists already
// (code 4000030) is reported in existing_os_types, not as a failure.
func createEntries(ctx context.Context, call *connector.Call, list *sentinelone.ListService, noun string, sc sentinelone.Scope, e sentinelone.Entry, oses []string) (any, error) {
	res := &createResult{Value: e.Value, Type: e.Type, OSTypes: oses, Created: []json.RawMessage{}, Existing: []string{},
		DryRun: call.Args().Bool("dry_run")}
	lim := blastLimit(call)
	if err := lim.above("add", noun, len(oses)); err != nil {
		return nil, err
	}
	call.SetTargets(oses)
	if res.DryRun {
		res.Message = fmt.Sprintf("dry run: would add %d %s(s) for %s (%s) in %s; nothing was sent to SentinelOne",
			len(oses), noun, e.Value, strings.Join(oses, ", "), describeScope(sc))
		return res, nil
	}
	for i, os := range oses {
		e.OSType = os
		raw, err := list.Create(ctx, sc, e)
		switch {
		case sentinelone.IsAlreadyExists(err):
			res.Existing = append(res.Existing, os)
		case err != nil:
			if i > 0 {
				return nil, fmt.Errorf("partial failure: %d %s(s) were added (%s) before: %w", len(res.Created), noun, strings.Join(oses[:i], ", "), err)
			}
			return nil, err
		default:
			res.Created = append(res.Created, raw)
		}
	}
	res.Count = len(res.Created)
	res.AlreadyPresent = res.Count == 0
	res.Message = fmt.Sprintf("added %d %s(s) for %s in %s", res.Count, noun, e.Value, describeScope(sc))
	if len(res.Existing) > 0 {
		res.Message += fmt.Sprintf("; already present for %s", strings.Join(res.Existing, ", "))
	}
	return res, nil
}

// entryTarget reads an entry's id and names it by value and OS.
func entryTarget(raw json.RawMessage) (target, string, string, error) {
	var e struct {
		ID     string `json:"id"`
		Value  string `json:"value"`
		OSType string `json:"osType"`
		Type   string `json:"type"`
	}
	if err := json.Unmarshal(raw, &e); err != nil || e.ID == "" {
		return target{}, "", "", fmt.Errorf("decode list entry: no id")
	}
	return target{ID: e.ID, Name: e.Value + " (" + e.OSType + ")"}, e.Value, e.Type, nil
}

// deleteEntries deletes, within a scope, the entries of one value (matched exactly, without
// case) or the given entry ids, after looking them up: ids that match nothing are reported,
// and a call that matches nothing fails. max_targets and dry_run apply as to every write.
func deleteEntries(ctx context.Context, call *connector.Call, list *sentinelone.ListService, noun string, f sentinelone.ListFilter, given []string) (any, error) {
	value := f.ValueContains
	f.IDs = given
	var targets []target
	for page, err := range list.Pages(ctx, f, sentinelone.ListOptions{}) {
		if err != nil {
			return nil, fmt.Errorf("look up the %ss to delete: %w", noun, err)
		}
		for _, raw := range page {
			t, v, _, err := entryTarget(raw)
			if err != nil {
				return nil, err
			}
			if value == "" || strings.EqualFold(v, value) {
				targets = append(targets, t)
			}
		}
	}
	o := &outcome{targets: targets, ids: make([]string, len(targets)), dryRun: call.Args().Bool("dry_run")}
	for i, t := range targets {
		o.ids[i] = t.ID
	}
	o.missing.NotFound = leftOut(given, targets)
	call.SetTargets(o.ids)
	what := fmt.Sprintf("%s in %s", value, describeScope(f.Scope))
	if value == "" {
		what = fmt.Sprintf("ids %s in %s", strings.Join(given, ", "), describeScope(f.Scope))
	}
	if len(targets) == 0 {
		return nil, connector.Errorf(connector.KindNotFound, "no %s matches %s; nothing was deleted", noun, what)
	}
	lim := blastLimit(call)
	if err := lim.above("delete", noun, len(targets)); err != nil {
		return nil, err
	}
	if o.dryRun {
		o.message = fmt.Sprintf("dry run: would delete %d %s(s) of %s; nothing was sent to SentinelOne%s", len(targets), noun, what, o.missing.describe())
		return newActionResult(o), nil
	}
	var err error
	if o.affected, err = actOnIDs(o.ids, func(batch []string) (int, error) { return list.Delete(ctx, f.Type, batch) }); err != nil {
		return nil, err
	}
	o.message = fmt.Sprintf("deleted %d of %d %s(s) of %s%s", o.affected, len(targets), noun, what, o.missing.describe())
	return newActionResult(o), nil
}

// listEntries returns the entries a list read selects.
func listEntries(ctx context.Context, call *connector.Call, list *sentinelone.ListService, f sentinelone.ListFilter) (any, error) {
	opts := sentinelone.ListOptions{}
	if n, ok := call.Args().Int("limit"); ok {
		opts.Limit = int(n)
	}
	items, err := sentinelone.Collect(list.Pages(ctx, f, opts))
	if err != nil {
		return nil, err
	}
	return map[string]any{"count": len(items), "entries": nonNil(items)}, nil
}

// osAndScope narrows a list filter of blocklist entries or exclusions by the call's os_type
// (unless Any) and scope.
func osAndScope(args connector.Args, f *sentinelone.ListFilter) error {
	if args.String("os_type") != "Any" {
		oses, err := osTypesOf(args)
		if err != nil {
			return err
		}
		f.OSTypes = oses
	}
	sc, _, err := scopeOf(args)
	if err != nil {
		return err
	}
	f.Scope = sc
	return nil
}
