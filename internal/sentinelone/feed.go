package sentinelone

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"unicode/utf8"
)

// ThreatFeedFilter selects the threats a feed walks: scope and content filters plus the
// lower bound on updatedAt. Zero fields are not sent (see AgentFilter).
type ThreatFeedFilter struct {
	SiteIDs          []string `filter:"siteIds"`
	AccountIDs       []string `filter:"accountIds"`
	GroupIDs         []string `filter:"groupIds"`
	Classifications  []string `filter:"classifications"`
	ConfidenceLevels []string `filter:"confidenceLevels"`
	IncidentStatuses []string `filter:"incidentStatuses"`
	AnalystVerdicts  []string `filter:"analystVerdicts"`
	// UpdatedAtGTE is an ISO time; threats updated at or after it are walked.
	UpdatedAtGTE string `filter:"updatedAt__gte"`
}

// Filter returns f's wire form.
func (f ThreatFeedFilter) Filter() Filter { return wireFilter(f) }

// Changed walks GET /threats sorted by updatedAt ascending (ties in SentinelOne's order),
// page by page by cursor, from f's lower bound: the walk a checkpointed feed needs. Like
// every threat list it is confined to the pinned scope. readAhead is ListOptions.ReadAhead
// (nil: none).
func (s *ThreatsService) Changed(ctx context.Context, f ThreatFeedFilter, pageSize int, readAhead func(pageLen int) bool) iter.Seq2[[]json.RawMessage, error] {
	w := f.Filter()
	w["sortBy"], w["sortOrder"] = "updatedAt", "asc"
	return s.client.scopedPages(ctx, "walk changed threats", "/threats", "threats", w, ListOptions{PageSize: pageSize, ReadAhead: readAhead}, false)
}

// Stamps are a listed object's id and the times SentinelOne stamped its creation and its
// latest change.
type Stamps struct {
	ID        string
	CreatedAt string
	UpdatedAt string
}

// ThreatStamps reads a threat's id and stamps from an item of a threat page (valid JSON, as
// Changed yields it), without decoding the rest: under threatInfo on API 2.1, at the top on
// 2.0 (threatInfo's stamps win when it has an updatedAt). Keys match as encoding/json
// matches struct fields. It fails if a key holds a value of another type than a string.
func ThreatStamps(raw json.RawMessage) (Stamps, error) {
	var top, info Stamps
	err := eachMember(raw, func(key, v []byte) error {
		switch {
		case bytes.EqualFold(key, []byte("id")):
			return readString(v, &top.ID)
		case bytes.EqualFold(key, []byte("createdAt")):
			return readString(v, &top.CreatedAt)
		case bytes.EqualFold(key, []byte("updatedAt")):
			return readString(v, &top.UpdatedAt)
		case bytes.EqualFold(key, []byte("threatInfo")):
			if isNull(v) {
				info = Stamps{}
				return nil
			}
			// a repeated threatInfo adds to the first, as encoding/json fills a struct
			return eachMember(v, func(key, v []byte) error {
				switch {
				case bytes.EqualFold(key, []byte("createdAt")):
					return readString(v, &info.CreatedAt)
				case bytes.EqualFold(key, []byte("updatedAt")):
					return readString(v, &info.UpdatedAt)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return Stamps{}, err
	}
	if info.UpdatedAt != "" {
		top.CreatedAt, top.UpdatedAt = info.CreatedAt, info.UpdatedAt
	}
	return top, nil
}

// readString sets *dst to the JSON string v (null leaves it as it is, as encoding/json
// does); a plain string is sliced, one with escapes or invalid UTF-8 decoded by
// encoding/json.
func readString(v []byte, dst *string) error {
	switch {
	case isNull(v):
		return nil
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && bytes.IndexByte(v, '\\') < 0 && utf8.Valid(v):
		*dst = string(v[1 : len(v)-1])
		return nil
	case len(v) > 0 && v[0] == '"':
		return json.Unmarshal(v, dst)
	}
	return errors.New("not a string")
}
