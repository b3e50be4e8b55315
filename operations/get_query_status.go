package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetQueryStatus reads the state and progress of a Deep Visibility query.
const GetQueryStatus = "get_query_status"

func getQueryStatus(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	id := strings.TrimSpace(call.Args().String("query_id"))
	st, err := client.Hunt.QueryStatus(ctx, id)
	if err != nil {
		return nil, err
	}
	return queryStatusResult(id, st), nil
}

func queryStatusResult(id string, st sentinelone.QueryStatus) map[string]any {
	return map[string]any{"query_id": id, "response_state": st.ResponseState, "progress": st.ProgressStatus,
		"finished": st.ResponseState == sentinelone.QueryFinished, "done": st.Done(), "status": st.Raw}
}

var getQueryStatusSpec = spec{name: GetQueryStatus, run: getQueryStatus}
