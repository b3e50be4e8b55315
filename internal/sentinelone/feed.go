package sentinelone

import (
	"context"
	"encoding/json"
	"iter"
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
// every threat list it is confined to the pinned scope.
func (s *ThreatsService) Changed(ctx context.Context, f ThreatFeedFilter, pageSize int) iter.Seq2[[]json.RawMessage, error] {
	w := f.Filter()
	w["sortBy"], w["sortOrder"] = "updatedAt", "asc"
	return s.client.scopedPages(ctx, "walk changed threats", "/threats", "threats", w, ListOptions{PageSize: pageSize}, false)
}
