package operations

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetRemoteScriptResults returns the result links of finished remote-script tasks and, with
// download, the files themselves.
const GetRemoteScriptResults = "get_remote_script_results"

func getRemoteScriptResults(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	if err := needs21(call, client, "POST /remote-scripts/fetch-files", ""); err != nil {
		return nil, err
	}
	args := call.Args()
	links, err := client.Scripts.ResultLinks(ctx, idList(args, "task_ids"))
	if err != nil {
		return nil, err
	}
	files := []fileResult{}
	if args.Bool("download") {
		for _, l := range links {
			f, err := download(ctx, args, client, l.DownloadURL, l.FileName, "")
			if err != nil {
				return nil, describe("task "+l.TaskID, err)
			}
			files = append(files, f)
		}
	}
	return map[string]any{"count": len(links), "download_links": nonNil(links), "files": files}, nil
}

var getRemoteScriptResultsSpec = spec{name: GetRemoteScriptResults, run: getRemoteScriptResults}
