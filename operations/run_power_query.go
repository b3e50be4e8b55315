package operations

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// RunPowerQuery runs a PowerQuery and waits for its columns and rows (API 2.1).
const RunPowerQuery = "run_power_query"

func runPowerQuery(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	if err := needs21(call, client, "POST /dv/events/pq", ""); err != nil {
		return nil, err
	}
	args := call.Args()
	q := sentinelone.PowerQuery{Query: strings.TrimSpace(args.String("query")), FromDate: strings.TrimSpace(args.String("from_date")),
		ToDate: strings.TrimSpace(args.String("to_date")), Limit: eventLimit(args)}
	r, err := client.Hunt.StartPowerQuery(ctx, q)
	if err != nil {
		return nil, err
	}
	bound := waitBound(args)
	err = poll(ctx, bound, func() (bool, error) {
		if r.Done() {
			return true, nil
		}
		r, err = client.Hunt.PingPowerQuery(ctx, r.QueryID)
		return err == nil && r.Done(), err
	})
	if err == errNotDone {
		return nil, stillRunning("PowerQuery", "query", r.QueryID, "a new run_power_query with a narrower query or a longer wait_seconds", bound)
	}
	if err != nil {
		return nil, err
	}
	cols := make([]string, 0, len(r.Columns))
	for _, c := range r.Columns {
		name, _ := c["name"].(string)
		cols = append(cols, name)
	}
	rows := r.Data
	if rows == nil {
		rows = [][]json.RawMessage{}
	}
	return map[string]any{"query_id": r.QueryID, "status": r.Status, "columns": cols, "rows": rows, "count": len(rows)}, nil
}

var runPowerQuerySpec = spec{name: RunPowerQuery, run: runPowerQuery}
