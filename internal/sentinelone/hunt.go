package sentinelone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
)

// HuntService calls the Deep Visibility and PowerQuery endpoints (/dv).
type HuntService struct {
	service
	pacer *Pacer
}

// Query states of GET /dv/query-status data.responseState.
const (
	QueryRunning   = "RUNNING"
	QueryFinished  = "FINISHED"
	QueryFailed    = "FAILED"
	QueryCanceled  = "QUERY_CANCELLED"
	QueryTimedOut  = "TIMED_OUT"
	QueryEmpty     = "EMPTY_RESULTS"
	PowerQueryDone = "FINISHED"
)

// DVQuery is the body of POST /dv/init-query.
type DVQuery struct {
	Query      string   `json:"query"`
	FromDate   string   `json:"fromDate"`
	ToDate     string   `json:"toDate"`
	QueryType  []string `json:"queryType,omitempty"`
	SiteIDs    []string `json:"siteIds,omitempty"`
	AccountIDs []string `json:"accountIds,omitempty"`
	GroupIDs   []string `json:"groupIds,omitempty"`
	Tenant     *bool    `json:"tenant,omitempty"`
}

// InitQuery starts a Deep Visibility query and returns its id. The start waits its turn in
// the client's pacer (one start per DefaultQueryStartInterval unless configured otherwise),
// so a burst of starts is queued rather than refused by SentinelOne.
func (s *HuntService) InitQuery(ctx context.Context, q DVQuery) (string, error) {
	const what = "start deep visibility query"
	if strings.TrimSpace(q.Query) == "" {
		return "", errors.New(what + ": the query is empty")
	}
	if pin := s.client.scope; pin.Pinned() && len(q.SiteIDs)+len(q.AccountIDs) == 0 {
		q.SiteIDs, q.AccountIDs = pin.SiteIDs, pin.AccountIDs // the query searches the pinned scope only
	}
	if err := s.pacer.Wait(ctx); err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	resp, err := s.client.call(ctx, &request{method: http.MethodPost, endpoint: "/dv/init-query", path: "dv/init-query", body: q})
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	var out struct {
		QueryID string `json:"queryId"`
	}
	if err := json.Unmarshal(dataObject(resp), &out); err != nil || out.QueryID == "" {
		return "", fmt.Errorf("%s: answer has no data.queryId", what)
	}
	return out.QueryID, nil
}

// QueryStatus is data of GET /dv/query-status.
type QueryStatus struct {
	ResponseState  string          `json:"responseState"`
	ProgressStatus int             `json:"progressStatus"`
	ResponseError  *string         `json:"responseError"`
	Raw            json.RawMessage `json:"-"`
}

// Done reports whether the query will not change any more.
func (q QueryStatus) Done() bool { return q.ResponseState != QueryRunning && q.ResponseState != "" }

// QueryStatus reads the state of a Deep Visibility query.
func (s *HuntService) QueryStatus(ctx context.Context, queryID string) (QueryStatus, error) {
	const what = "deep visibility query status"
	resp, err := s.client.call(ctx, &request{method: http.MethodGet, endpoint: "/dv/query-status", path: "dv/query-status",
		query: url.Values{"queryId": {queryID}}})
	if err != nil {
		return QueryStatus{}, fmt.Errorf("%s: %w", what, err)
	}
	var st QueryStatus
	if err := json.Unmarshal(dataObject(resp), &st); err != nil || st.ResponseState == "" {
		return QueryStatus{}, fmt.Errorf("%s: answer has no data.responseState", what)
	}
	st.Raw = dataObject(resp)
	return st, nil
}

// EventPages iterates over the events of a finished query: GET /dv/events, or
// GET /dv/events/{type} when eventType is given (process, file, ip, dns, …).
func (s *HuntService) EventPages(ctx context.Context, queryID, eventType string, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	endpoint, path := "/dv/events", "dv/events"
	if eventType != "" {
		endpoint, path = "/dv/events/{type}", "dv/events/"+url.PathEscape(eventType)
	}
	return s.client.pages(ctx, "list deep visibility events", endpoint, path, Filter{"queryId": queryID}, opts)
}

// CancelQuery stops a running query: POST /dv/cancel-query.
func (s *HuntService) CancelQuery(ctx context.Context, queryID string) error {
	_, err := s.client.call(ctx, &request{method: http.MethodPost, endpoint: "/dv/cancel-query", path: "dv/cancel-query",
		body: map[string]any{"queryId": queryID}})
	if err != nil {
		return fmt.Errorf("cancel deep visibility query: %w", err)
	}
	return nil
}

// PowerQuery is the body of POST /dv/events/pq.
type PowerQuery struct {
	Query      string   `json:"query"`
	FromDate   string   `json:"fromDate"`
	ToDate     string   `json:"toDate"`
	Limit      int      `json:"limit,omitempty"`
	SiteIDs    []string `json:"siteIds,omitempty"`
	AccountIDs []string `json:"accountIds,omitempty"`
}

// PowerQueryResult is data of POST /dv/events/pq and GET /dv/events/pq-ping.
type PowerQueryResult struct {
	QueryID  string              `json:"queryId"`
	Status   string              `json:"status"`
	Progress int                 `json:"progress"`
	Columns  []map[string]any    `json:"columns"`
	Data     [][]json.RawMessage `json:"data"`
}

// Done reports whether the PowerQuery has its whole answer.
func (r PowerQueryResult) Done() bool { return r.Status == PowerQueryDone && r.Progress >= 100 }

// StartPowerQuery starts a PowerQuery (2.1 only).
func (s *HuntService) StartPowerQuery(ctx context.Context, q PowerQuery) (PowerQueryResult, error) {
	const what = "start powerquery"
	if err := s.client.only21(what, "/dv/events/pq"); err != nil {
		return PowerQueryResult{}, err
	}
	if pin := s.client.scope; pin.Pinned() && len(q.SiteIDs)+len(q.AccountIDs) == 0 {
		q.SiteIDs, q.AccountIDs = pin.SiteIDs, pin.AccountIDs
	}
	return s.pq(ctx, what, &request{method: http.MethodPost, endpoint: "/dv/events/pq", path: "dv/events/pq", body: q})
}

// PingPowerQuery reads a running PowerQuery's progress and, once done, its rows.
func (s *HuntService) PingPowerQuery(ctx context.Context, queryID string) (PowerQueryResult, error) {
	return s.pq(ctx, "powerquery progress", &request{method: http.MethodGet, endpoint: "/dv/events/pq-ping", path: "dv/events/pq-ping",
		query: url.Values{"queryId": {queryID}}})
}

func (s *HuntService) pq(ctx context.Context, what string, req *request) (PowerQueryResult, error) {
	resp, err := s.client.call(ctx, req)
	if err != nil {
		return PowerQueryResult{}, fmt.Errorf("%s: %w", what, err)
	}
	var out PowerQueryResult
	if err := json.Unmarshal(dataObject(resp), &out); err != nil || out.Status == "" {
		return PowerQueryResult{}, fmt.Errorf("%s: answer has no data.status", what)
	}
	return out, nil
}
