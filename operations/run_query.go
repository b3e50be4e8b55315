package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// RunQuery starts a Deep Visibility query, waits for it with backoff and returns its events
// up to limit. When wait_seconds passes first it fails naming the query id, so a playbook
// resumes with get_query_status and get_events.
const RunQuery = "run_query"

func runQuery(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	id, err := startQuery(ctx, client, dvQuery(args))
	if err != nil {
		return nil, err
	}
	var st sentinelone.QueryStatus
	bound := waitBound(args)
	err = poll(ctx, bound, func() (bool, error) {
		st, err = client.Hunt.QueryStatus(ctx, id)
		return err == nil && st.Done(), err
	})
	switch {
	case err == errNotDone:
		return nil, stillRunning("Deep Visibility query", "query", id, "get_query_status and get_events", bound)
	case err != nil:
		return nil, describe("query "+id, err)
	case st.ResponseState != sentinelone.QueryFinished:
		return nil, connector.Errorf(connector.KindOperation, "Deep Visibility query %s ended %s, not FINISHED", id, st.ResponseState)
	}
	out, err := events(ctx, client, id, "", eventLimit(args))
	if err != nil {
		return nil, err
	}
	out["response_state"] = st.ResponseState
	return out, nil
}

var runQuerySpec = spec{name: RunQuery, run: runQuery}
