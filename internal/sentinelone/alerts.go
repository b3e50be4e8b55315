package sentinelone

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"
)

// AlertsService calls the STAR / cloud-detection alert endpoints, which exist only in API
// 2.1.
type AlertsService service

// AlertFilter selects STAR alerts by typed fields (see AgentFilter). IncidentStatuses and
// AnalystVerdicts take the connector's words (unresolved, true_positive); the wire form
// carries them in the console's upper case (UNRESOLVED, TRUE_POSITIVE).
type AlertFilter struct {
	IDs              []string `filter:"ids"`
	SiteIDs          []string `filter:"siteIds"`
	AccountIDs       []string `filter:"accountIds"`
	IncidentStatuses []string `filter:"incidentStatus"`
	AnalystVerdicts  []string `filter:"analystVerdict"`
	// RuleNameContains are substrings of the rule name, any of which matches.
	RuleNameContains []string `filter:"ruleName__contains"`
	// CreatedAtGTE and CreatedAtLTE are ISO times bounding alertInfo.createdAt.
	CreatedAtGTE string `filter:"createdAt__gte"`
	CreatedAtLTE string `filter:"createdAt__lte"`
}

// Filter returns f's wire form.
func (f AlertFilter) Filter() Filter {
	w := wireFilter(f)
	for _, k := range []string{"incidentStatus", "analystVerdict"} {
		if v, ok := w[k].([]string); ok {
			up := make([]string, len(v))
			for i, s := range v {
				up[i] = strings.ToUpper(s)
			}
			w[k] = up
		}
	}
	return w
}

// alertsEndpoint is the alert list, relative to the API base.
const alertsEndpoint = "/cloud-detection/alerts"

// alertCreatedSort is the sortBy a walk by creation time uses (as XSOAR's event collector
// does).
const alertCreatedSort = "alertInfoCreatedAt"

// List iterates over GET /cloud-detection/alerts page by page, newest first (by
// alertInfo.createdAt, then id), confined to the pinned scope.
func (s *AlertsService) List(ctx context.Context, f AlertFilter, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	w := f.Filter()
	w["sortBy"], w["sortOrder"] = alertCreatedSort, "desc"
	return s.walk(ctx, "list alerts", w, opts)
}

// Created walks GET /cloud-detection/alerts sorted by alertInfo.createdAt ascending (ties by
// id), page by page by cursor, from f's lower bound: the walk a checkpointed feed of new
// alerts needs. readAhead is ListOptions.ReadAhead (nil: none).
func (s *AlertsService) Created(ctx context.Context, f AlertFilter, pageSize int, readAhead func(pageLen int) bool) iter.Seq2[[]json.RawMessage, error] {
	w := f.Filter()
	w["sortBy"], w["sortOrder"] = alertCreatedSort, "asc"
	return s.walk(ctx, "walk created alerts", w, ListOptions{PageSize: pageSize, ReadAhead: readAhead})
}

func (s *AlertsService) walk(ctx context.Context, what string, w Filter, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	c := s.client
	if err := c.only21(what, alertsEndpoint); err != nil {
		return func(yield func([]json.RawMessage, error) bool) { yield(nil, err) }
	}
	return func(yield func([]json.RawMessage, error) bool) {
		sf, err := c.confine(ctx, w)
		for page, err := range c.checkedPages(ctx, what, alertsEndpoint, "cloud-detection/alerts", "", sf, err, opts,
			func(raw json.RawMessage) error { return c.scope.checkAlert(what, raw) }) {
			if !yield(page, err) || err != nil {
				return
			}
		}
	}
}

// checkAlert refuses an alert whose agent, at detection time, lies outside s:
// agentDetectionInfo names its site and account.
func (s Pin) checkAlert(what string, raw json.RawMessage) error {
	var a struct {
		Info struct {
			SiteID    string `json:"siteId"`
			AccountID string `json:"accountId"`
		} `json:"agentDetectionInfo"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return fmt.Errorf("%s: decode item: %w", what, err)
	}
	if len(s.SiteIDs) > 0 && !slices.Contains(s.SiteIDs, a.Info.SiteID) {
		return &ScopeError{Object: fmt.Sprintf("an item of %s in site %q", what, a.Info.SiteID), Scope: s}
	}
	if len(s.AccountIDs) > 0 && !slices.Contains(s.AccountIDs, a.Info.AccountID) {
		return &ScopeError{Object: fmt.Sprintf("an item of %s in account %q", what, a.Info.AccountID), Scope: s}
	}
	return nil
}

// AlertStamps reads an alert's id and creation time (alertInfo.alertId and
// alertInfo.createdAt) from an item of an alert page (valid JSON, as Created yields it),
// without decoding the rest. Keys match as encoding/json matches struct fields; ID and
// CreatedAt are left empty when absent, and UpdatedAt is always empty (alerts carry no
// change stamp a walk can follow).
func AlertStamps(raw json.RawMessage) (Stamps, error) {
	var st Stamps
	err := eachMember(raw, func(key, v []byte) error {
		if !bytes.EqualFold(key, []byte("alertInfo")) || isNull(v) {
			return nil
		}
		return eachMember(v, func(key, v []byte) error {
			switch {
			case bytes.EqualFold(key, []byte("alertId")):
				return readString(v, &st.ID)
			case bytes.EqualFold(key, []byte("createdAt")):
				return readString(v, &st.CreatedAt)
			}
			return nil
		})
	})
	if err != nil {
		return Stamps{}, err
	}
	return st, nil
}
