package playbook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
	"github.com/fortisoar-connectors/sentinelone/internal/server"
)

// call is one operation call a recording handler saw.
type call struct {
	Operation string
	Config    string
	Params    connector.Params
}

// recorder is a connector whose every operation records its validated call and answers
// with reply (or fails with fail[operation]).
type recorder struct {
	mu    sync.Mutex
	calls []call
	fail  map[string]error
	reply func(c call) any
}

func (r *recorder) Calls() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

type agent struct {
	ID           string `json:"id"`
	ComputerName string `json:"computerName"`
}

func defaultReply(c call) any {
	switch c.Operation {
	case "get_agents":
		return []agent{{ID: "900", ComputerName: "FIN-LAPTOP-0042"}, {ID: "901", ComputerName: "FIN-LAPTOP-0043"}}
	case "agent_action", "broadcast_message_to_agent":
		return map[string]any{"affected_agents": len(strings.Split(c.Params.String("ids"), ","))}
	}
	return map[string]any{"operation": c.Operation}
}

func newConnector(t *testing.T, rec *recorder) *connector.Connector {
	t.Helper()
	m := manifest(t)
	reg := connector.NewRegistry()
	for _, op := range m.Operations {
		require.NoError(t, reg.Register(op.Name, connector.HandlerFunc(func(_ context.Context, c *connector.Call) (any, error) {
			rec.mu.Lock()
			rec.calls = append(rec.calls, call{Operation: c.Operation.Name, Config: c.Config.Name, Params: c.Params})
			rec.mu.Unlock()
			if err := rec.fail[c.Operation.Name]; err != nil {
				return nil, err
			}
			reply := rec.reply
			if reply == nil {
				reply = defaultReply
			}
			return reply(call{Operation: c.Operation.Name, Params: c.Params}), nil
		})))
	}
	conn, err := connector.New(m, reg, connector.NewStaticConfigs(
		&connector.Config{ID: "00000000-0000-4000-8000-00000000000a", Name: "lab", Default: true, Values: map[string]any{}},
		&connector.Config{ID: "00000000-0000-4000-8000-00000000000b", Name: "prod", Values: map[string]any{}},
	))
	require.NoError(t, err)
	return conn
}

// serve starts the connector's HTTP server; every request passes through inspect first.
func serve(t *testing.T, conn *connector.Connector, inspect func(r *http.Request)) *httptest.Server {
	t.Helper()
	h := server.New(conn, server.Options{}).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if inspect != nil {
			inspect(r)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// stepSpec describes one step of a test workflow.
type stepSpec struct {
	name, stepType string
	args           map[string]any
}

func connectorStep(name, operation, title string, params map[string]any) stepSpec {
	return stepSpec{name: name, stepType: playbook.StepTypeConnector, args: map[string]any{
		"connector": "sentinelone", "version": "1.0.0", "operation": operation, "operationTitle": title,
		"config": "", "params": params,
	}}
}

// chain builds a workflow: a manual start step with inputs, then steps joined in order.
func chain(t *testing.T, inputs []map[string]any, specs ...stepSpec) *playbook.Workflow {
	t.Helper()
	all := append([]stepSpec{{name: "Start", stepType: playbook.StepTypeManualStart, args: map[string]any{"inputVariables": inputs}}}, specs...)
	var steps, routes []any
	for i, s := range all {
		steps = append(steps, map[string]any{
			"@type": "WorkflowStep", "uuid": fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1),
			"name": s.name, "stepType": s.stepType, "arguments": s.args,
		})
		if i > 0 {
			routes = append(routes, map[string]any{
				"@type": "WorkflowRoute", "uuid": fmt.Sprintf("00000000-0000-4000-9000-%012d", i),
				"name":       all[i-1].name + " -> " + s.name,
				"sourceStep": fmt.Sprintf("%s00000000-0000-4000-8000-%012d", playbook.StepIRIPrefix, i),
				"targetStep": fmt.Sprintf("%s00000000-0000-4000-8000-%012d", playbook.StepIRIPrefix, i+1),
			})
		}
	}
	raw, err := json.Marshal(map[string]any{
		"@type": "Workflow", "uuid": "00000000-0000-4000-a000-000000000001", "name": "Test Chain",
		"triggerStep": playbook.StepIRIPrefix + "00000000-0000-4000-8000-000000000001",
		"steps":       steps, "routes": routes,
	})
	require.NoError(t, err)
	w, err := playbook.Parse(raw)
	require.NoError(t, err)
	return w
}

func input(name string, required bool) map[string]any {
	return map[string]any{"name": name, "label": name, "type": "string", "required": required}
}

// isolateChain finds agents by name, isolates the first and tells the others.
func isolateChain(t *testing.T) *playbook.Workflow {
	return chain(t, []map[string]any{input("host", true), input("limit", false)},
		connectorStep("Get Agents", "get_agents", "Get Agents", map[string]any{
			"computerName__like": "{{vars.input.params.host}}",
			"limit":              "{{vars.input.params.limit | default(5)}}",
		}),
		stepSpec{name: "Pick", stepType: playbook.StepTypeSetVariable, args: map[string]any{
			"first_id": "{{vars.steps.Get_Agents.data[0].id}}",
			"others":   "{{vars.steps.Get_Agents.data[1].id}}",
		}},
		stepSpec{name: "Isolate", stepType: playbook.StepTypeConnector, args: map[string]any{
			"connector": "sentinelone", "version": "1.0.0", "operation": "agent_action",
			"params":         map[string]any{"action": "Isolate Agent Network", "ids": "{{vars.first_id}}"},
			"step_variables": map[string]any{"isolated": "{{vars.result.data.affected_agents}}"},
		}},
		connectorStep("Tell", "broadcast_message_to_agent", "Broadcast Message to Agent", map[string]any{
			"message": "Isolated {{vars.isolated}} agent(s) like {{vars.input.params.host}}; first {{vars.steps.Pick.first_id}}",
			"ids":     "{{vars.others}}",
		}),
	)
}

// executors returns an in-process and an HTTP executor over the same recording connector.
func executors(t *testing.T, rec *recorder) map[string]playbook.Executor {
	conn := newConnector(t, rec)
	srv := serve(t, conn, nil)
	httpExec, err := playbook.NewHTTPExecutor(srv.URL)
	require.NoError(t, err)
	return map[string]playbook.Executor{"in-process": conn, "http": httpExec}
}

func TestRunChain(t *testing.T) {
	for _, name := range []string{"in-process", "http"} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			exec := executors(t, rec)[name]
			var seen []string
			r := &playbook.Runner{Exec: exec, OnStep: func(res playbook.StepResult) error {
				seen = append(seen, res.Step)
				return nil
			}}
			results, err := r.Run(context.Background(), isolateChain(t), map[string]string{"host": "FIN"})
			require.NoError(t, err)
			assert.Equal(t, []string{"Start", "Get Agents", "Pick", "Isolate", "Tell"}, seen)
			require.Len(t, results, 5)

			calls := rec.Calls()
			require.Len(t, calls, 3)
			assert.Equal(t, "get_agents", calls[0].Operation)
			assert.Equal(t, "FIN", calls[0].Params["computerName__like"])
			assert.Equal(t, int64(5), calls[0].Params["limit"], "default(5) filled the optional input")
			assert.Equal(t, "agent_action", calls[1].Operation)
			assert.Equal(t, "900", calls[1].Params["ids"])
			assert.Equal(t, "Isolate Agent Network", calls[1].Params["action"])
			assert.Equal(t, "broadcast_message_to_agent", calls[2].Operation)
			assert.Equal(t, "Isolated 1 agent(s) like FIN; first 900", calls[2].Params["message"])
			assert.Equal(t, "901", calls[2].Params["ids"])
			for _, c := range calls {
				assert.Equal(t, "lab", c.Config, "the default configuration")
			}

			assert.Equal(t, map[string]any{"params": map[string]any{"host": "FIN"}, "records": []any{}}, results[0].Output)
			assert.Equal(t, map[string]any{"first_id": "900", "others": "901"}, results[2].Output)
			isolate := results[3].Output.(map[string]any)
			assert.Equal(t, "Success", isolate["status"])
			assert.Equal(t, map[string]any{"affected_agents": json.Number("1")}, isolate["data"])
			assert.Equal(t, "agent_action", results[3].Operation)
		})
	}
}

func TestRunConfigOverride(t *testing.T) {
	rec := &recorder{}
	r := &playbook.Runner{Exec: newConnector(t, rec), Config: "prod"}
	_, err := r.Run(context.Background(), isolateChain(t), map[string]string{"host": "FIN", "limit": "2"})
	require.NoError(t, err)
	calls := rec.Calls()
	require.Len(t, calls, 3)
	assert.Equal(t, int64(2), calls[0].Params["limit"])
	for _, c := range calls {
		assert.Equal(t, "prod", c.Config)
	}
}

func TestRunChecksInputsBeforeRunning(t *testing.T) {
	tests := []struct {
		name    string
		give    map[string]string
		wantErr string
	}{
		{"missing required", map[string]string{"limit": "3"}, `workflow "Test Chain": missing required input(s): host`},
		{"unknown", map[string]string{"host": "FIN", "hots": "x"}, `workflow "Test Chain": unknown input(s): hots`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			r := &playbook.Runner{Exec: newConnector(t, rec)}
			results, err := r.Run(context.Background(), isolateChain(t), tt.give)
			var ie *playbook.InputError
			require.ErrorAs(t, err, &ie)
			assert.EqualError(t, err, tt.wantErr)
			assert.Empty(t, results)
			assert.Empty(t, rec.Calls(), "nothing runs when inputs are wrong")
		})
	}
}

func TestRunInputDefaultValue(t *testing.T) {
	rec := &recorder{}
	in := input("limit", true)
	in["defaultValue"] = 7
	w := chain(t, []map[string]any{in}, connectorStep("Get Agents", "get_agents", "Get Agents", map[string]any{"limit": "{{vars.input.params.limit}}"}))
	_, err := (&playbook.Runner{Exec: newConnector(t, rec)}).Run(context.Background(), w, nil)
	require.NoError(t, err, "a default value satisfies a required input")
	require.Len(t, rec.Calls(), 1)
	assert.Equal(t, int64(7), rec.Calls()[0].Params["limit"])
}

func TestRunRejectsUnsupportedBeforeRunning(t *testing.T) {
	get := connectorStep("Get Agents", "get_agents", "Get Agents", map[string]any{})
	tests := []struct {
		name    string
		give    func(t *testing.T) *playbook.Workflow
		wantErr string
	}{
		{"code snippet step", func(t *testing.T) *playbook.Workflow {
			return chain(t, nil, get, stepSpec{name: "Strip HTML", stepType: playbook.StepTypeIRIPrefix + "1fdd14cc-d6b4-4335-a3af-ab49c8ed2fd8", args: map[string]any{}})
		}, `step "Strip HTML": step type /api/3/workflow_step_types/1fdd14cc-d6b4-4335-a3af-ab49c8ed2fd8 is not supported`},
		{"statement in a later step", func(t *testing.T) *playbook.Workflow {
			return chain(t, nil, get, connectorStep("Count", "get_agent_count", "Get Agent Count", map[string]any{
				"computerName__like": "{% for a in vars.steps.Get_Agents.data %}{{a.computerName}}{% endfor %}",
			}))
		}, `step "Count": params.computerName__like: expression "{% for a in vars.steps.Get_Agents.data %}": statements ({% … %}) are not supported`},
		{"operator in step_variables", func(t *testing.T) *playbook.Workflow {
			s := connectorStep("Count", "get_agent_count", "Get Agent Count", map[string]any{})
			s.args["step_variables"] = map[string]any{"many": "{{vars.result.data.count > 10}}"}
			return chain(t, nil, get, s)
		}, `step "Count": many: expression "{{vars.result.data.count > 10}}": unsupported syntax at "> 10"`},
		{"for_each", func(t *testing.T) *playbook.Workflow {
			s := connectorStep("Count", "get_agent_count", "Get Agent Count", map[string]any{})
			s.args["for_each"] = map[string]any{"item": "{{vars.steps.Get_Agents.data}}", "condition": "{{vars.item.id}}"}
			return chain(t, nil, get, s)
		}, `step "Count": a for_each condition is not supported`},
		{"parallel routes", func(t *testing.T) *playbook.Workflow {
			w := chain(t, nil, get, connectorStep("Count", "get_agent_count", "Get Agent Count", map[string]any{}))
			w.Routes = append(w.Routes, &playbook.Route{Name: "Start -> Count", SourceStep: w.Steps[0].IRI(), TargetStep: w.Steps[2].IRI()})
			return w
		}, `step "Start": 2 routes leave this step; parallel branches are not supported`},
		{"loop", func(t *testing.T) *playbook.Workflow {
			w := chain(t, nil, get)
			w.Routes = append(w.Routes, &playbook.Route{Name: "back", SourceStep: w.Steps[1].IRI(), TargetStep: w.Steps[1].IRI()})
			return w
		}, `step "Get Agents": routes loop back to this step`},
		{"trigger is not a start step", func(t *testing.T) *playbook.Workflow {
			w := chain(t, nil, get)
			w.TriggerStep = w.Steps[1].IRI()
			return w
		}, `step "Get Agents": trigger step has type ` + playbook.StepTypeConnector + `, not a start step`},
		{"route to nowhere", func(t *testing.T) *playbook.Workflow {
			w := chain(t, nil, get)
			w.Routes[0].TargetStep = playbook.StepIRIPrefix + otherUUID
			return w
		}, `route "Start -> Get Agents": targetStep "/api/3/workflow_steps/` + otherUUID + `" names no step`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			_, err := (&playbook.Runner{Exec: newConnector(t, rec)}).Run(context.Background(), tt.give(t), nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Empty(t, rec.Calls(), "nothing runs when a step is unsupported")
		})
	}
}

func TestRunStopsAtFailingStep(t *testing.T) {
	for _, name := range []string{"in-process", "http"} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{fail: map[string]error{"agent_action": errors.New("agent 900 is offline")}}
			exec := executors(t, rec)[name]
			results, err := (&playbook.Runner{Exec: exec}).Run(context.Background(), isolateChain(t), map[string]string{"host": "FIN"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), `step "Isolate": agent_action: `)
			assert.Contains(t, err.Error(), "agent 900 is offline")
			assert.Len(t, results, 3, "the steps before the failure ran")
			assert.Len(t, rec.Calls(), 2, "nothing runs after the failure")
		})
	}
}

func TestRunIgnoreErrors(t *testing.T) {
	rec := &recorder{fail: map[string]error{"agent_action": errors.New("agent 900 is offline")}}
	w := isolateChain(t)
	w.Steps[3].Arguments["ignore_errors"] = true
	w.Steps[3].Arguments["step_variables"] = map[string]any{"isolated": "{{vars.result.data | default(0)}}"}
	results, err := (&playbook.Runner{Exec: newConnector(t, rec)}).Run(context.Background(), w, map[string]string{"host": "FIN"})
	require.NoError(t, err)
	require.Len(t, results, 5)
	out := results[3].Output.(map[string]any)
	assert.Equal(t, "failed", out["status"])
	assert.Contains(t, out["message"], "agent 900 is offline")
	calls := rec.Calls()
	require.Len(t, calls, 3)
	assert.Equal(t, "Isolated None agent(s) like FIN; first 900", calls[2].Params["message"])
}

func TestRunWithoutExecutor(t *testing.T) {
	_, err := (&playbook.Runner{}).Run(context.Background(), isolateChain(t), map[string]string{"host": "FIN"})
	require.ErrorIs(t, err, playbook.ErrNoExecutor)
}

func TestHTTPExecutorSendsBearerToken(t *testing.T) {
	const token = "s3cr3t-connector-token"
	rec := &recorder{}
	var mu sync.Mutex
	var auths []string
	srv := serve(t, newConnector(t, rec), func(r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
	})
	exec, err := playbook.NewHTTPExecutor(srv.URL+"/", playbook.WithBearerToken(token))
	require.NoError(t, err)
	data, err := exec.Execute(context.Background(), connector.ExecuteRequest{Connector: "sentinelone", Operation: "get_agent_count", Params: map[string]any{"ids": "1"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"operation": "get_agent_count"}, data)
	assert.Equal(t, []string{"Bearer " + token}, auths)

	_, err = exec.Execute(context.Background(), connector.ExecuteRequest{Connector: "sentinelone", Operation: "get_agent_count", Params: map[string]any{"limit": "many"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "HTTP 400, status failed")
	assert.Contains(t, err.Error(), "limit")
	assert.NotContains(t, err.Error(), token)
}

func TestHTTPExecutorErrors(t *testing.T) {
	const token = "s3cr3t-connector-token"
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr string
	}{
		{"failure envelope", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"data":null,"message":"CS-INTEGRATION-5: Error occurred while executing the connector action ERROR :: no agent matches","operation":"agent_action","status":"failed"}`)
		}, "HTTP 400, status failed: CS-INTEGRATION-5: Error occurred while executing the connector action ERROR :: no agent matches"},
		{"failed status on 200", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"data":null,"message":"disabled","status":"failed"}`)
		}, "HTTP 200, status failed: disabled"},
		{"not an envelope", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html>Bad Gateway</html>")
		}, "HTTP 502 from http://"},
		{"unauthorized", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"message":"missing or invalid bearer token","status":"failed"}`)
		}, "HTTP 401, status failed: missing or invalid bearer token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			exec, err := playbook.NewHTTPExecutor(srv.URL, playbook.WithBearerToken(token))
			require.NoError(t, err)
			_, err = exec.Execute(context.Background(), connector.ExecuteRequest{Connector: "sentinelone", Operation: "agent_action"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, err.Error(), token)
			assert.NotContains(t, err.Error(), "agent_action:", "the runner names the operation; the executor does not repeat it")
		})
	}
}

func TestNewHTTPExecutorRejectsBadURLs(t *testing.T) {
	for _, give := range []string{"", "127.0.0.1:8787", "ftp://127.0.0.1", "http://user:pw@127.0.0.1:8787", "http://127.0.0.1:8787/?x=1"} {
		_, err := playbook.NewHTTPExecutor(give)
		assert.Error(t, err, give)
		if err != nil {
			assert.NotContains(t, err.Error(), "pw@", "credentials are redacted")
		}
	}
}
