package sentinelone

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
)

// Threat mitigation actions: the {action} of POST /threats/mitigate/{action}.
const (
	MitigateKill         = "kill"
	MitigateQuarantine   = "quarantine"
	MitigateUnquarantine = "un-quarantine"
	MitigateRemediate    = "remediate"
	MitigateRollback     = "rollback-remediation"
)

var mitigations = map[string]bool{
	MitigateKill: true, MitigateQuarantine: true, MitigateUnquarantine: true,
	MitigateRemediate: true, MitigateRollback: true,
}

// Analyst verdicts accepted by SetAnalystVerdict.
const (
	VerdictTruePositive  = "true_positive"
	VerdictFalsePositive = "false_positive"
	VerdictSuspicious    = "suspicious"
	VerdictUndefined     = "undefined"
)

var verdicts = map[string]bool{
	VerdictTruePositive: true, VerdictFalsePositive: true, VerdictSuspicious: true, VerdictUndefined: true,
}

// MitigationResult is the answer of a threat action.
type MitigationResult struct {
	// Affected is the number of threats acted on.
	Affected int
	// Details is data.details as SentinelOne sent it (may be empty).
	Details json.RawMessage
}

// ThreatsService calls the /threats endpoints.
type ThreatsService service

// Pages iterates over GET /threats page by page. Threat objects are nested
// on 2.1 and flat on 2.0; they are returned as SentinelOne sent them.
func (s *ThreatsService) Pages(ctx context.Context, f Filter, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	return s.client.scopedPages(ctx, "list threats", "/threats", "threats", f, opts, false)
}

// Count returns the number of threats matching f: the totalItems of a one-item page of
// GET /threats (there is no threat count endpoint).
func (s *ThreatsService) Count(ctx context.Context, f Filter) (int, error) {
	f, err := s.client.confine(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("count threats: %w", err)
	}
	q, err := pageQuery(f, ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("count threats: %w", err)
	}
	q.Set("limit", "1")
	resp, err := s.client.call(ctx, &request{method: http.MethodGet, endpoint: "/threats", path: "threats", query: q, list: true})
	if err != nil {
		return 0, fmt.Errorf("count threats: %w", err)
	}
	return resp.TotalItems, nil
}

// Mitigate applies a mitigation (one of the Mitigate* constants) to the
// threats matching f: POST /threats/mitigate/{action}.
func (s *ThreatsService) Mitigate(ctx context.Context, action string, f Filter) (MitigationResult, error) {
	if !mitigations[action] {
		return MitigationResult{}, fmt.Errorf("mitigate threats: action %q is unknown", action)
	}
	return s.post(ctx, "mitigate threats ("+action+")", "/threats/mitigate/{action}", "threats/mitigate/"+action, f, nil)
}

// MarkAsBenign marks the threats matching f as benign for their site:
// POST /threats/mark-as-benign with data {"targetScope":"site"}. The call
// exists only in API 2.0; on a 2.1 client it returns an error wrapping
// ErrVersionUnsupported (use SetAnalystVerdict with VerdictFalsePositive).
func (s *ThreatsService) MarkAsBenign(ctx context.Context, f Filter) (int, error) {
	if s.client.version != APIVersion20 {
		return 0, fmt.Errorf("mark threats as benign: %w: mark-as-benign exists only in API 2.0; in %s set the analyst verdict %q instead",
			ErrVersionUnsupported, s.client.version, VerdictFalsePositive)
	}
	res, err := s.post(ctx, "mark threats as benign", "/threats/mark-as-benign", "threats/mark-as-benign", f,
		map[string]any{"targetScope": "site"})
	return res.Affected, err
}

// SetAnalystVerdict sets the analyst verdict (one of the Verdict* constants)
// of the threats matching f: POST /threats/analyst-verdict. The call exists
// only in API 2.1; on a 2.0 client it returns an error wrapping
// ErrVersionUnsupported.
func (s *ThreatsService) SetAnalystVerdict(ctx context.Context, f Filter, verdict string) (MitigationResult, error) {
	if s.client.version != APIVersion21 {
		return MitigationResult{}, fmt.Errorf("set analyst verdict: %w: analyst-verdict exists only in API 2.1; in %s use mark-as-benign",
			ErrVersionUnsupported, s.client.version)
	}
	if !verdicts[verdict] {
		return MitigationResult{}, fmt.Errorf("set analyst verdict: verdict %q is unknown", verdict)
	}
	return s.post(ctx, "set analyst verdict", "/threats/analyst-verdict", "threats/analyst-verdict", f,
		map[string]any{"analystVerdict": verdict})
}

func (s *ThreatsService) post(ctx context.Context, what, endpoint, path string, f Filter, data map[string]any) (MitigationResult, error) {
	f, err := s.client.confine(ctx, f)
	if err != nil {
		return MitigationResult{}, fmt.Errorf("%s: %w", what, err)
	}
	body, err := f.body(data)
	if err != nil {
		return MitigationResult{}, fmt.Errorf("%s: %w", what, err)
	}
	resp, err := s.client.call(ctx, &request{method: http.MethodPost, endpoint: endpoint, path: path, body: body})
	if err != nil {
		return MitigationResult{}, fmt.Errorf("%s: %w", what, err)
	}
	var out struct {
		Affected *int            `json:"affected"`
		Details  json.RawMessage `json:"details"`
	}
	if err := json.Unmarshal(resp.Data, &out); err != nil || out.Affected == nil {
		return MitigationResult{}, fmt.Errorf("%s: answer has no data.affected", what)
	}
	return MitigationResult{Affected: *out.Affected, Details: out.Details}, nil
}
