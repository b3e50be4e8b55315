package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// RunRemoteScript runs a RemoteOps script on the selected agents (API 2.1), through the
// shared agent selection and runAction's guard; with wait_seconds it waits for the tasks and
// returns their status and result links.
const RunRemoteScript = "run_remote_script"

// runScriptResult is the action vocabulary plus the script run.
type runScriptResult struct {
	agentActionResult
	ParentTaskIDs []string          `json:"parent_task_ids"`
	Tasks         []json.RawMessage `json:"tasks"`
	Finished      bool              `json:"finished"`
}

func runRemoteScript(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	run := sentinelone.ScriptRun{ScriptID: strings.TrimSpace(args.String("script_id")), OutputDestination: args.String("output_destination"),
		TaskDescription: strings.TrimSpace(args.String("task_description")), InputParams: args.String("input_params")}
	if run.OutputDestination == "" {
		run.OutputDestination = "SentinelCloud"
	}
	if run.TaskDescription == "" {
		run.TaskDescription = "Run from FortiSOAR"
	}
	if n, ok := args.Int("runtime_timeout"); ok {
		run.RuntimeTimeout = int(n)
	}
	if err := needs21(call, client, "POST /remote-scripts/execute", ""); err != nil {
		return nil, err
	}
	var parents []string
	act := action{noun: "agent", verb: "run a remote script on", apply: func(batch []string) (int, error) {
		t, err := client.Scripts.Execute(ctx, sentinelone.AgentFilter{IDs: batch}.Filter(), run)
		if err != nil {
			return 0, err
		}
		parents = append(parents, t.ParentTaskID)
		return t.Affected, nil
	}}
	o, err := runAction(ctx, call, client, newAgentSelection(args), act)
	if err != nil {
		return nil, err
	}
	r := &runScriptResult{agentActionResult: *newAgentActionResult(o), ParentTaskIDs: nonNil(parents), Tasks: []json.RawMessage{}}
	n, _ := args.Int("wait_seconds")
	if o.dryRun || len(parents) == 0 || n == 0 {
		return r, nil
	}
	bound := waitBound(args)
	err = poll(ctx, bound, func() (bool, error) {
		tasks, done, err := scriptTasks(ctx, client, parents)
		r.Tasks, r.Finished = tasks, done
		return done, err
	})
	if err == errNotDone {
		return nil, stillRunning("Remote script", "parent task", strings.Join(parents, ","), "get_remote_script_status", bound)
	}
	if err != nil {
		return nil, fmt.Errorf("the script started (parent task %s) but its status could not be read: %w", strings.Join(parents, ","), err)
	}
	return r, nil
}

// scriptTasks reads every task of the runs; done when none is pending or in progress.
func scriptTasks(ctx context.Context, client *sentinelone.Client, parents []string) ([]json.RawMessage, bool, error) {
	var all []json.RawMessage
	done := true
	for _, p := range parents {
		tasks, err := sentinelone.Collect(client.Scripts.StatusPages(ctx, p, sentinelone.ListOptions{}))
		if err != nil {
			return nil, false, err
		}
		for _, raw := range tasks {
			var t struct {
				Status string `json:"status"`
			}
			if err := json.Unmarshal(raw, &t); err != nil {
				return nil, false, fmt.Errorf("decode remote script task: %w", err)
			}
			if t.Status == "pending" || t.Status == "in_progress" || t.Status == "created" {
				done = false
			}
		}
		all = append(all, tasks...)
	}
	return nonNil(all), done, nil
}

var runRemoteScriptSpec = spec{name: RunRemoteScript, run: runRemoteScript, destructive: true, narrowing: agentFilterNarrowing}
