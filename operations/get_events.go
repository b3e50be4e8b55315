package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetEvents lists the events of a finished Deep Visibility query.
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
	return map[string]any{"query_id": id, "count": len(evs), "events": nonNil(evs)}, nil
}

var getEventsSpec = spec{name: GetEvents, run: getEvents}

// GetEventsByType lists the events of one type (process, file, ip, dns, …) of a finished
// Deep Visibility query.
const GetEventsByType = "get_events_by_type"

var getEventsByTypeSpec = spec{name: GetEventsByType, run: getEvents}
