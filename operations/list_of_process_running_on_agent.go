package operations

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// ListProcesses lists the processes running on an agent. SentinelOne 2.1 marks the endpoint
// obsolete and answers an empty list; the connector returns what SentinelOne returns.
const ListProcesses = "list_of_process_running_on_agent"

// process is one running process, in connector 1.0.0's field names.
type process struct {
	ProcessName    string  `json:"process_name"`
	PID            int64   `json:"pid"`
	CPUUsage       float64 `json:"cpu_usage"`
	MemoryUsage    float64 `json:"memory_usage"`
	ExecutablePath string  `json:"executable_path"`
	StartTime      string  `json:"start_time"`
}

func listProcesses(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	id, err := oneAgentID(ctx, call, client)
	if err != nil {
		return nil, err
	}
	raw, err := client.Agents.Processes(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		if err := agentExists(ctx, client, id); err != nil {
			return nil, err
		}
	}
	out := make([]process, 0, len(raw))
	for _, r := range raw {
		var p struct {
			ProcessName    string  `json:"processName"`
			PID            int64   `json:"pid"`
			CPUUsage       float64 `json:"cpuUsage"`
			MemoryUsage    float64 `json:"memoryUsage"`
			ExecutablePath string  `json:"executablePath"`
			StartTime      string  `json:"startTime"`
		}
		if err := json.Unmarshal(r, &p); err != nil {
			return nil, fmt.Errorf("decode process of agent %s: %w", id, err)
		}
		out = append(out, process(p))
	}
	return out, nil
}

var listProcessesSpec = spec{name: ListProcesses, run: listProcesses}
