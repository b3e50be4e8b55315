package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetRemoteScriptStatus lists the tasks of a remote-script run and whether all finished.
const GetRemoteScriptStatus = "get_remote_script_status"

func getRemoteScriptStatus(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	if err := needs21(call, client, "GET /remote-scripts/status", ""); err != nil {
		return nil, err
	}
	id := strings.TrimSpace(call.Args().String("parent_task_id"))
	tasks, done, err := scriptTasks(ctx, client, []string{id})
	if err != nil {
		return nil, err
	}
	return map[string]any{"parent_task_id": id, "count": len(tasks), "finished": done, "tasks": tasks}, nil
}

var getRemoteScriptStatusSpec = spec{name: GetRemoteScriptStatus, run: getRemoteScriptStatus}
