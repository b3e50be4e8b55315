package operations

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetEvents lists the events of a finished Deep Visibility query and the distinct agents
// they came from (agent_ids, for a following action on those hosts).
const GetEvents = "get_events"

// defaultEventLimit bounds the events returned when limit is not given.
const defaultEventLimit = 1000

func getEvents(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	typ := ""
	if args.Declares("event_type") {
		typ = strings.TrimSpace(args.String("event_type"))
	}
	return events(ctx, client, strings.TrimSpace(args.String("query_id")), typ, eventLimit(args))
}

func eventLimit(args connector.Args) int {
	if n, ok := args.Int("limit"); ok {
		return int(n)
	}
	return defaultEventLimit
}

func events(ctx context.Context, client *sentinelone.Client, id, typ string, limit int) (map[string]any, error) {
	evs, err := sentinelone.Collect(client.Hunt.EventPages(ctx, id, typ, sentinelone.ListOptions{Limit: limit}))
	if err != nil {
		return nil, err
	}
	agents := []string{}
	seen := map[string]bool{}
	for _, raw := range evs {
		var e struct {
			AgentID string `json:"agentId"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, describe("decode event", err)
		}
		if e.AgentID != "" && !seen[e.AgentID] {
			seen[e.AgentID] = true
			agents = append(agents, e.AgentID)
		}
	}
	return map[string]any{"query_id": id, "count": len(evs), "events": nonNil(evs), "agent_ids": agents}, nil
}

var getEventsSpec = spec{name: GetEvents, run: getEvents}

// GetEventsByType lists the events of one type (process, file, ip, dns, …) of a finished
// Deep Visibility query.
const GetEventsByType = "get_events_by_type"

var getEventsByTypeSpec = spec{name: GetEventsByType, run: getEvents}
