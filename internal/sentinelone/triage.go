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

// Incident statuses accepted by SetIncidentStatus.
const (
	IncidentUnresolved = "unresolved"
	IncidentInProgress = "in_progress"
	IncidentResolved   = "resolved"
)

var incidentStatuses = map[string]bool{IncidentUnresolved: true, IncidentInProgress: true, IncidentResolved: true}

// CodeAlreadyExists is the error code SentinelOne answers (HTTP 400) when a blocklist entry
// or exclusion being added already exists.
const CodeAlreadyExists = 4000030

// IsAlreadyExists reports whether err is SentinelOne's "Already Exists Error".
func IsAlreadyExists(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	for _, d := range e.Errors {
		if d.Code == CodeAlreadyExists {
			return true
		}
	}
	return false
}

// only21 is the error of a call that exists only in API 2.1.
func (c *Client) only21(what, endpoint string) error {
	if c.version == APIVersion21 {
		return nil
	}
	return fmt.Errorf("%s: %w: %s exists only in API 2.1, this configuration uses %s", what, ErrVersionUnsupported, endpoint, c.version)
}

// SetIncidentStatus sets the incident status (one of the Incident* constants) of the threats
// matching f and, when verdict is not empty, their analyst verdict in the same call:
// POST /threats/incident. The call exists only in API 2.1.
func (s *ThreatsService) SetIncidentStatus(ctx context.Context, f Filter, status, verdict string) (MitigationResult, error) {
	const what = "set incident status"
	if err := s.client.only21(what, "/threats/incident"); err != nil {
		return MitigationResult{}, err
	}
	if !incidentStatuses[status] {
		return MitigationResult{}, fmt.Errorf("%s: status %q is unknown", what, status)
	}
	data := map[string]any{"incidentStatus": status}
	if verdict != "" {
		if !verdicts[verdict] {
			return MitigationResult{}, fmt.Errorf("%s: verdict %q is unknown", what, verdict)
		}
		data["analystVerdict"] = verdict
	}
	return s.post(ctx, what, "/threats/incident", "threats/incident", f, data)
}

// AddNote adds a note with text to each threat matching f: POST /threats/notes.
func (s *ThreatsService) AddNote(ctx context.Context, f Filter, text string) (MitigationResult, error) {
	if strings.TrimSpace(text) == "" {
		return MitigationResult{}, errors.New("add threat note: the text is empty")
	}
	return s.post(ctx, "add threat note", "/threats/notes", "threats/notes", f, map[string]any{"text": text})
}

// NotePages iterates over GET /threats/{id}/notes page by page.
func (s *ThreatsService) NotePages(ctx context.Context, threatID string, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	return s.pinned(ctx, "list threat notes", threatID,
		s.client.pages(ctx, "list threat notes", "/threats/{id}/notes", "threats/"+url.PathEscape(threatID)+"/notes", nil, opts))
}

// pinned walks pages only after confirming, under a pinned scope, that the threat they
// belong to lies inside it.
func (s *ThreatsService) pinned(ctx context.Context, what, threatID string, pages iter.Seq2[[]json.RawMessage, error]) iter.Seq2[[]json.RawMessage, error] {
	return func(yield func([]json.RawMessage, error) bool) {
		if err := s.inScope(ctx, what, []string{threatID}); err != nil {
			yield(nil, err)
			return
		}
		for page, err := range pages {
			if !yield(page, err) || err != nil {
				return
			}
		}
	}
}

// TimelinePages iterates over GET /threats/{id}/timeline page by page; sortOrder is "asc",
// "desc" or "" (SentinelOne's default).
func (s *ThreatsService) TimelinePages(ctx context.Context, threatID, sortOrder string, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	var f Filter
	switch sortOrder {
	case "":
	case "asc", "desc":
		f = Filter{"sortOrder": sortOrder}
	default:
		return func(yield func([]json.RawMessage, error) bool) {
			yield(nil, fmt.Errorf("list threat timeline: sort order %q is not asc or desc", sortOrder))
		}
	}
	return s.pinned(ctx, "list threat timeline", threatID,
		s.client.pages(ctx, "list threat timeline", "/threats/{id}/timeline", "threats/"+url.PathEscape(threatID)+"/timeline", f, opts))
}

// Verdict returns data.verdict of GET /hashes/{hash}/verdict for a SHA-1 or SHA-256:
// malicious, non-malicious or unknown. The call exists only in API 2.1.
func (s *HashesService) Verdict(ctx context.Context, hash string) (string, error) {
	const what = "hash verdict"
	if err := s.client.only21(what, "/hashes/{hash}/verdict"); err != nil {
		return "", err
	}
	h := strings.ToLower(hash)
	if !isHex(h) || len(h) != 40 && len(h) != 64 {
		return "", fmt.Errorf("%s: %q is not a SHA-1 or SHA-256 (40 or 64 hex digits)", what, hash)
	}
	resp, err := s.client.call(ctx, &request{method: http.MethodGet, endpoint: "/hashes/{hash}/verdict", path: "hashes/" + h + "/verdict"})
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	var out struct {
		Verdict *string `json:"verdict"`
	}
	if err := json.Unmarshal(dataObject(resp), &out); err != nil || out.Verdict == nil {
		return "", fmt.Errorf("%s: answer has no data.verdict", what)
	}
	return *out.Verdict, nil
}

func isHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return s != ""
}
