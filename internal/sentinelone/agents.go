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

// Agent actions: the {action} of POST /agents/actions/{action}.
const (
	ActionDisconnect   = "disconnect"
	ActionConnect      = "connect"
	ActionDecommission = "decommission"
	ActionUninstall    = "uninstall"
	ActionShutdown     = "shutdown"
	ActionBroadcast    = "broadcast"
	ActionInitiateScan = "initiate-scan"
	ActionAbortScan    = "abort-scan"
	ActionFetchLogs    = "fetch-logs"
)

var agentActions = map[string]bool{
	ActionDisconnect: true, ActionConnect: true, ActionDecommission: true, ActionUninstall: true,
	ActionShutdown: true, ActionBroadcast: true, ActionInitiateScan: true, ActionAbortScan: true,
	ActionFetchLogs: true,
}

// AgentsService calls the /agents endpoints.
type AgentsService service

// Pages iterates over GET /agents page by page.
func (s *AgentsService) Pages(ctx context.Context, f Filter, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	return s.client.scopedPages(ctx, "list agents", "/agents", "agents", f, opts, false)
}

// PassphrasePages iterates over GET /agents/passphrases page by page.
func (s *AgentsService) PassphrasePages(ctx context.Context, f Filter, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	// Passphrase items name no site or account: under a pinned scope their agents are
	// confirmed inside it instead.
	return func(yield func([]json.RawMessage, error) bool) {
		const what = "list passphrases"
		sf, err := s.client.confine(ctx, f)
		for page, err := range s.client.checkedPages(ctx, what, "/agents/passphrases", "agents/passphrases", "", sf, err, opts,
			func(json.RawMessage) error { return nil }) {
			if err == nil && s.client.scope.Pinned() {
				ids := make([]string, 0, len(page))
				for _, raw := range page {
					id, ierr := itemID(raw)
					if ierr != nil {
						err = fmt.Errorf("%s: %w", what, ierr)
						break
					}
					ids = append(ids, id)
				}
				if err == nil {
					err = s.inScope(ctx, what, ids)
				}
			}
			if !yield(page, err) || err != nil {
				return
			}
		}
	}
}

// Count returns the number of agents matching f (GET /agents/count).
func (s *AgentsService) Count(ctx context.Context, f Filter) (int, error) {
	for _, k := range pagingKeys {
		if _, ok := f[k]; ok {
			return 0, fmt.Errorf("count agents: filter key %q does not apply to a count", k)
		}
	}
	f, err := s.client.confine(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("count agents: %w", err)
	}
	q, err := f.query()
	if err != nil {
		return 0, fmt.Errorf("count agents: %w", err)
	}
	resp, err := s.client.call(ctx, &request{method: http.MethodGet, endpoint: "/agents/count", path: "agents/count", query: q})
	if err != nil {
		return 0, fmt.Errorf("count agents: %w", err)
	}
	var data struct {
		Total *int `json:"total"`
	}
	if err := json.Unmarshal(resp.Data, &data); err != nil || data.Total == nil {
		return 0, fmt.Errorf("count agents: answer has no data.total")
	}
	return *data.Total, nil
}

// Action runs an agent action (one of the Action* constants) on the agents
// matching f: POST /agents/actions/{action} with body {"filter": f,
// "data": data}. It returns data.affected. A nil data is sent as {}.
func (s *AgentsService) Action(ctx context.Context, action string, f Filter, data map[string]any) (int, error) {
	if !agentActions[action] {
		return 0, fmt.Errorf("agent action %q is unknown", action)
	}
	f, err := s.client.confine(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("agent action %s: %w", action, err)
	}
	body, err := f.body(data)
	if err != nil {
		return 0, fmt.Errorf("agent action %s: %w", action, err)
	}
	resp, err := s.client.call(ctx, &request{method: http.MethodPost, endpoint: "/agents/actions/{action}",
		path: "agents/actions/" + action, body: body})
	if err != nil {
		return 0, fmt.Errorf("agent action %s: %w", action, err)
	}
	n, err := affected(resp)
	if err != nil {
		return 0, fmt.Errorf("agent action %s: %w", action, err)
	}
	return n, nil
}

// Applications lists the applications installed on the given agents
// (GET /agents/applications?ids=…).
func (s *AgentsService) Applications(ctx context.Context, ids []string) ([]json.RawMessage, error) {
	return s.byIDs(ctx, "list applications", "/agents/applications", "agents/applications", ids)
}

// Processes lists the processes running on the given agents
// (GET /agents/processes?ids=…). SentinelOne marks the endpoint obsolete;
// 2.1 consoles answer an empty list.
func (s *AgentsService) Processes(ctx context.Context, ids []string) ([]json.RawMessage, error) {
	return s.byIDs(ctx, "list processes", "/agents/processes", "agents/processes", ids)
}

func (s *AgentsService) byIDs(ctx context.Context, what, endpoint, path string, ids []string) ([]json.RawMessage, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s: no agent ids", what)
	}
	for _, id := range ids {
		if id == "" || strings.Contains(id, ",") {
			return nil, fmt.Errorf("%s: invalid agent id %q", what, id)
		}
	}
	if err := s.inScope(ctx, what, ids); err != nil {
		return nil, err
	}
	q := url.Values{"ids": {strings.Join(ids, ",")}}
	resp, err := s.client.call(ctx, &request{method: http.MethodGet, endpoint: endpoint, path: path, query: q})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	items := []json.RawMessage{}
	if len(resp.Data) > 0 && string(resp.Data) != "null" {
		if err := json.Unmarshal(resp.Data, &items); err != nil {
			return nil, fmt.Errorf("%s: decode answer: %w", what, err)
		}
	}
	return items, nil
}

// recommissionHint explains a missing recommission endpoint.
const recommissionHint = "this console has no recommission endpoint; a decommissioned agent is recommissioned automatically when it next checks in"

// Recommission calls the legacy POST /agents/{id}/recommission (no body).
// SentinelOne 2.x documents no such endpoint; when the console answers 404
// the error wraps ErrRecommissionUnsupported with an explanation, and the
// *APIError stays reachable with errors.As (its errors[] may say the agent
// itself is unknown).
func (s *AgentsService) Recommission(ctx context.Context, id string) error {
	if id == "" {
		return errors.New("recommission agent: empty agent id")
	}
	if err := s.inScope(ctx, "recommission agent", []string{id}); err != nil {
		return err
	}
	_, err := s.client.call(ctx, &request{method: http.MethodPost, endpoint: "/agents/{id}/recommission",
		path: "agents/" + url.PathEscape(id) + "/recommission"})
	if err == nil {
		return nil
	}
	var ae *APIError
	if errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound {
		return fmt.Errorf("recommission agent %s: %w: %s (%w)", id, ErrRecommissionUnsupported, recommissionHint, err)
	}
	return fmt.Errorf("recommission agent %s: %w", id, err)
}

// affected reads data.affected.
func affected(resp *response) (int, error) {
	var data struct {
		Affected *int `json:"affected"`
	}
	if err := json.Unmarshal(resp.Data, &data); err != nil || data.Affected == nil {
		return 0, errors.New("answer has no data.affected")
	}
	return *data.Affected, nil
}
