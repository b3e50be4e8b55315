package operations

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// FetchFilesFromAgent asks the selected agents to upload files as password-protected zips,
// through the shared agent selection and runAction's guard, and with download waits for each
// zip and returns it whole (name, size, SHA-256, base64 content and its password).
const FetchFilesFromAgent = "fetch_files_from_agent"

type fetchFilesResult struct {
	agentActionResult
	Files []agentFile `json:"files"`
}

type agentFile struct {
	AgentID string `json:"agent_id"`
	fileResult
}

func fetchFilesFromAgent(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	paths := strings.Split(args.String("files"), ",")
	password := args.String("password")
	if err := sentinelone.CheckZipPassword(password); err != nil {
		return nil, connector.InvalidParam("password", "%v", err)
	}
	seen := map[string][]string{} // agent → upload links before the request
	act := action{noun: "agent", verb: "fetch files from", apply: func(batch []string) (int, error) {
		for i, id := range batch {
			before, err := client.Scripts.UploadLinks(ctx, id)
			if err != nil {
				return i, err
			}
			seen[id] = before
			if err := client.Scripts.FetchFiles(ctx, id, paths, password); err != nil {
				return i, err
			}
		}
		return len(batch), nil
	}}
	o, err := runAction(ctx, call, client, newAgentSelection(args), act)
	if err != nil {
		return nil, err
	}
	r := &fetchFilesResult{agentActionResult: *newAgentActionResult(o), Files: []agentFile{}}
	if o.dryRun || !args.Bool("download") {
		return r, nil
	}
	bound := waitBound(args)
	for _, id := range o.ids {
		var link string
		err := poll(ctx, bound, func() (bool, error) {
			links, err := client.Scripts.UploadLinks(ctx, id)
			for _, l := range links {
				if !slices.Contains(seen[id], l) {
					link = l
					return true, nil
				}
			}
			return false, err
		})
		if err == errNotDone {
			return nil, stillRunning("The upload of agent "+id, "agent", id, "a later fetch_files_from_agent or the console's activities", bound)
		}
		if err != nil {
			return nil, fmt.Errorf("the files were requested but the upload of agent %s could not be found: %w", id, err)
		}
		f, err := download(ctx, args, client, link, "", password)
		if err != nil {
			return nil, describe("agent "+id, err)
		}
		r.Files = append(r.Files, agentFile{AgentID: id, fileResult: f})
	}
	return r, nil
}

var fetchFilesFromAgentSpec = spec{name: FetchFilesFromAgent, run: fetchFilesFromAgent, destructive: true, narrowing: agentFilterNarrowing}
