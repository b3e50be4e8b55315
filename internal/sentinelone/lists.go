package sentinelone

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
)

// ListService calls one of SentinelOne's scoped lists of entries: the blocklist
// (/restrictions) or the exclusions (/exclusions).
type ListService struct {
	client   *Client
	what     string // "blocklist", "exclusion"
	endpoint string // "/restrictions"
}

// Blocklist returns the service of the blocklist, /restrictions.
func (c *Client) Blocklist() *ListService {
	return &ListService{client: c, what: "blocklist", endpoint: "/restrictions"}
}

// Exclusions returns the service of the exclusions (allow list), /exclusions.
func (c *Client) Exclusions() *ListService {
	return &ListService{client: c, what: "exclusion", endpoint: "/exclusions"}
}

// Scope is where an entry applies. Exactly one of its fields is set: Tenant for the whole
// console, or account, site or group ids.
type Scope struct {
	Tenant     bool
	AccountIDs []string
	SiteIDs    []string
	GroupIDs   []string
}

// Filter returns the scope's wire filter.
func (s Scope) Filter() Filter {
	f := Filter{}
	switch {
	case s.Tenant:
		f["tenant"] = true
	case len(s.AccountIDs) > 0:
		f["accountIds"] = s.AccountIDs
	case len(s.SiteIDs) > 0:
		f["siteIds"] = s.SiteIDs
	case len(s.GroupIDs) > 0:
		f["groupIds"] = s.GroupIDs
	}
	return f
}

func (s Scope) valid() bool {
	n := 0
	if s.Tenant {
		n++
	}
	for _, l := range [][]string{s.AccountIDs, s.SiteIDs, s.GroupIDs} {
		if len(l) > 0 {
			n++
		}
	}
	return n == 1
}

// Entry is the data of a new blocklist entry or exclusion. Wire names: type, value,
// osType, description, source, mode (exclusions), pathExclusionType (path exclusions).
type Entry struct {
	Type              string
	Value             string
	OSType            string
	Description       string
	Source            string
	Mode              string
	PathExclusionType string
}

func (e Entry) data() map[string]any {
	d := map[string]any{"type": e.Type, "value": e.Value, "osType": e.OSType}
	for k, v := range map[string]string{"description": e.Description, "source": e.Source, "mode": e.Mode, "pathExclusionType": e.PathExclusionType} {
		if v != "" {
			d[k] = v
		}
	}
	return d
}

// ListFilter selects entries of a list: GET's query. Wire names live here only.
type ListFilter struct {
	Type          string
	Value         string
	ValueContains string
	OSTypes       []string
	IDs           []string
	Scope         Scope
}

// Filter returns the wire filter.
func (f ListFilter) Filter() Filter {
	out := f.Scope.Filter()
	for k, v := range map[string]string{"type": f.Type, "value": f.Value, "value__contains": f.ValueContains} {
		if v != "" {
			out[k] = v
		}
	}
	if len(f.OSTypes) > 0 {
		out["osTypes"] = f.OSTypes
	}
	if len(f.IDs) > 0 {
		out["ids"] = f.IDs
	}
	return out
}

// Pages iterates over GET <list> page by page.
// Under a pinned scope the list is read at the pin's sites (or accounts) unless f names a
// scope inside it.
func (s *ListService) Pages(ctx context.Context, f ListFilter, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	what := "list " + s.what + " entries"
	return func(yield func([]json.RawMessage, error) bool) {
		var err error
		if f.Scope, err = s.client.confineEntries(ctx, f.Scope, true); err != nil {
			yield(nil, fmt.Errorf("%s: %w", what, err))
			return
		}
		for page, err := range s.client.pages(ctx, what, s.endpoint, s.endpoint[1:], f.Filter(), opts) {
			if !yield(page, err) || err != nil {
				return
			}
		}
	}
}

// Create adds one entry in scope: POST <list> {filter: scope, data: entry}. It returns the
// created entry (data[0] or data). An entry that exists fails with an error for which
// IsAlreadyExists is true.
func (s *ListService) Create(ctx context.Context, scope Scope, e Entry) (json.RawMessage, error) {
	what := "add " + s.what + " entry"
	if !scope.valid() {
		return nil, fmt.Errorf("%s: give exactly one scope: tenant, account, site or group ids", what)
	}
	if _, err := s.client.confineEntries(ctx, scope, false); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	body, err := scope.Filter().body(e.data())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	resp, err := s.client.call(ctx, &request{method: http.MethodPost, endpoint: s.endpoint, path: s.endpoint[1:], body: body})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var list []json.RawMessage
	if json.Unmarshal(resp.Data, &list) == nil {
		if len(list) == 0 {
			return nil, fmt.Errorf("%s: answer has no entry", what)
		}
		return list[0], nil
	}
	return dataObject(resp), nil
}

// Delete removes entries by id: DELETE <list> {data: {ids, type}} (type left out when empty). It returns data.affected.
func (s *ListService) Delete(ctx context.Context, typ string, ids []string) (int, error) {
	what := "delete " + s.what + " entries"
	if len(ids) == 0 {
		return 0, fmt.Errorf("%s: no ids", what)
	}
	if err := s.pinnedEntries(ctx, what, ids); err != nil {
		return 0, err
	}
	data := map[string]any{"ids": ids}
	if typ != "" {
		data["type"] = typ
	}
	body := map[string]any{"data": data}
	resp, err := s.client.call(ctx, &request{method: http.MethodDelete, endpoint: s.endpoint, path: s.endpoint[1:], body: body})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	var out struct {
		Affected *int `json:"affected"`
	}
	if err := json.Unmarshal(resp.Data, &out); err != nil || out.Affected == nil {
		return 0, fmt.Errorf("%s: answer has no data.affected", what)
	}
	return *out.Affected, nil
}

// Entry types: the blocklist's one and the exclusions'.
const (
	TypeBlackHash         = "black_hash"
	TypeExclusionHash     = "white_hash"
	TypeExclusionPath     = "path"
	TypeExclusionCert     = "certificate"
	TypeExclusionBrowser  = "browser"
	TypeExclusionFileType = "file_type"
)

// pinnedEntries confirms, under a pinned scope, that the entries of ids are visible inside
// it (read at the pin's scope) before they are deleted.
func (s *ListService) pinnedEntries(ctx context.Context, what string, ids []string) error {
	if !s.client.scope.Pinned() {
		return nil
	}
	levels, err := s.client.pinLevels(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	found := map[string]bool{}
	for _, level := range levels {
		if err := collectIDs(found, s.Pages(ctx, ListFilter{IDs: ids, Scope: level}, ListOptions{})); err != nil {
			return fmt.Errorf("%s: confirm the entries lie in the pinned scope: %w", what, err)
		}
	}
	if outside := missingFrom(ids, found); len(outside) > 0 {
		return fmt.Errorf("%s: %w", what, &ScopeError{Key: "entryIds", IDs: outside, Scope: s.client.scope})
	}
	return nil
}
