package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetRemoteScripts lists the RemoteOps script library (API 2.1).
const GetRemoteScripts = "get_remote_scripts"

func getRemoteScripts(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	if err := needs21(call, client, "GET /remote-scripts", ""); err != nil {
		return nil, err
	}
	opts := sentinelone.ListOptions{}
	if n, ok := call.Args().Int("limit"); ok {
		opts.Limit = int(n)
	}
	scripts, err := sentinelone.Collect(client.Scripts.ScriptPages(ctx, nil, opts))
	if err != nil {
		return nil, err
	}
	return map[string]any{"count": len(scripts), "scripts": nonNil(scripts)}, nil
}

var getRemoteScriptsSpec = spec{name: GetRemoteScripts, run: getRemoteScripts}
