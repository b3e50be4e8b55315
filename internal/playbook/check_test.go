package playbook_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// doc is a decoded JSON document that tests mutate.
type doc = map[string]any

func loadDoc(t *testing.T, file string) doc {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(playbooksDir, file))
	require.NoError(t, err)
	var d doc
	require.NoError(t, json.Unmarshal(raw, &d))
	return d
}

func steps(d doc) []any     { return d["steps"].([]any) }
func step(d doc, i int) doc { return steps(d)[i].(doc) }
func args(d doc, i int) doc { return step(d, i)["arguments"].(doc) }
func params(d doc) doc      { return args(d, 1)["params"].(doc) }
func inputs(d doc) []any    { return args(d, 0)["inputVariables"].([]any) }
func route(d doc) doc       { return d["routes"].([]any)[0].(doc) }
func encode(t *testing.T, d doc) []byte {
	t.Helper()
	raw, err := json.Marshal(d)
	require.NoError(t, err)
	return raw
}

const otherUUID = "11111111-2222-4333-8444-555555555555"

func TestSchemaRejects(t *testing.T) {
	s, err := playbook.CompileSchema(schemaJSON(t))
	require.NoError(t, err)
	tests := []struct {
		name    string
		give    func(d doc)
		wantErr string
	}{
		{"unknown step type", func(d doc) {
			step(d, 1)["stepType"] = "/api/3/workflow_step_types/ee73e569-2188-43fe-a7f0-1964ba82a4de"
		}, "/steps/1/stepType"},
		{"step type not an IRI", func(d doc) { step(d, 0)["stepType"] = "f414d039-bb0d-4e59-9c39-a8f1e880b18a" }, "/steps/0/stepType"},
		{"route target not a step IRI", func(d doc) { route(d)["targetStep"] = "Get Agents" }, "/routes/0/targetStep"},
		{"route without target", func(d doc) { delete(route(d), "targetStep") }, "targetStep"},
		{"missing triggerStep", func(d doc) { delete(d, "triggerStep") }, "triggerStep"},
		{"collection not an IRI", func(d doc) { d["collection"] = otherUUID }, "/collection"},
		{"connector step without operation", func(d doc) { delete(args(d, 1), "operation") }, "operation"},
		{"connector step with non-object params", func(d doc) { args(d, 1)["params"] = "ids=1" }, "/steps/1/arguments/params"},
		{"input variable without name", func(d doc) { delete(inputs(d)[0].(doc), "name") }, "inputVariables/0"},
		{"wrong @type", func(d doc) { step(d, 1)["@type"] = "WorkflowRoute" }, "/steps/1/@type"},
		{"no steps", func(d doc) { d["steps"] = []any{} }, "/steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := loadDoc(t, "isolate-agent-network.json")
			tt.give(d)
			err := s.ValidateWorkflow(encode(t, d))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestSchemaAcceptsExtraKeys(t *testing.T) {
	s, err := playbook.CompileSchema(schemaJSON(t))
	require.NoError(t, err)
	d := loadDoc(t, "get-agents.json")
	d["lastModifyDate"] = 1700000000
	d["owners"] = []any{"/api/3/teams/" + otherUUID}
	step(d, 1)["group"] = nil
	step(d, 1)["x-extra"] = map[string]any{"any": "thing"}
	args(d, 1)["ignore_errors"] = true
	require.NoError(t, s.ValidateWorkflow(encode(t, d)))

	col := loadDoc(t, playbook.CollectionFile)
	col["macros"] = []any{}
	require.NoError(t, s.ValidateCollection(encode(t, col)))
	col["type"] = "workflows"
	require.Error(t, s.ValidateCollection(encode(t, col)))
}

func TestCheckWorkflowFindsProblems(t *testing.T) {
	m := manifest(t)
	tests := []struct {
		name  string
		file  string
		give  func(d doc)
		wantP string
	}{
		{"other connector", "get-agents.json", func(d doc) { args(d, 1)["connector"] = "crowd-strike-falcon" }, `connector "crowd-strike-falcon", want "sentinelone"`},
		{"other version", "get-agents.json", func(d doc) { args(d, 1)["version"] = "1.0.1" }, `connector version "1.0.1", want "1.1.0"`},
		{"unknown operation", "get-agents.json", func(d doc) { args(d, 1)["operation"] = "isolate_agent" }, `has no operation "isolate_agent"`},
		{"wrong operation title", "get-agents.json", func(d doc) { args(d, 1)["operationTitle"] = "List Agents" }, `operationTitle "List Agents", want "Get Agents"`},
		{"undeclared param", "get-agents.json", func(d doc) { params(d)["osTypes"] = "windows" }, `param "osTypes" is not declared by operation get_agents`},
		{"missing required param", "isolate-agent-network.json", func(d doc) { delete(params(d), "action") }, `required param "action" (Action) is missing`},
		{"select value not an option", "isolate-agent-network.json", func(d doc) { params(d)["action"] = "Quarantine Agent" }, `param "action": "Quarantine Agent" is not among the options`},
		{"multiselect value not an option", "get-agents.json", func(d doc) { params(d)["networkStatuses"] = "connected,offline" }, `param "networkStatuses": "offline" is not among the options`},
		{"literal of the wrong type", "get-agents.json", func(d doc) { params(d)["limit"] = "ten" }, `param limit: must be a whole number`},
		{"select expression reads no input", "mitigate-threat.json", func(d doc) { params(d)["action"] = "{{vars.result | default('Kill')}}" }, `param "action": expression "{{vars.result | default('Kill')}}" reads no input variable`},
		{"select expression reads an undeclared input", "mitigate-threat.json", func(d doc) { params(d)["action"] = "{{vars.input.params.mitigation}}" }, `reads vars.input.params.mitigation, which the start step does not declare`},
		{"input offers an option the param lacks", "mitigate-threat.json", func(d doc) {
			in := inputs(d)[0].(doc)
			in["options"] = append(in["options"].([]any), "Delete")
		}, `input "action" offers "Delete", which is not among the options`},
		{"reads an unknown step", "get-agents.json", func(d doc) { params(d)["computerName__like"] = "{{vars.steps.Find_Host.data}}" }, `reads vars.steps.Find_Host, but no step has that name`},
		{"unsupported expression", "get-agents.json", func(d doc) { params(d)["limit"] = "{{ 5 + 5 }}" }, `expression "{{ 5 + 5 }}": unsupported syntax`},
		{"route to a missing step", "get-agents.json", func(d doc) { route(d)["targetStep"] = playbook.StepIRIPrefix + otherUUID }, `targetStep "/api/3/workflow_steps/` + otherUUID + `" names no step`},
		{"unreachable step", "get-agents.json", func(d doc) { d["routes"] = []any{} }, `step Get Agents: not reachable from the trigger step`},
		{"trigger is not a start step", "get-agents.json", func(d doc) { d["triggerStep"] = playbook.StepIRIPrefix + step(d, 1)["uuid"].(string) }, `is not a start step`},
		{"trigger names no step", "get-agents.json", func(d doc) { d["triggerStep"] = playbook.StepIRIPrefix + otherUUID }, `triggerStep: "/api/3/workflow_steps/` + otherUUID + `" names no step`},
		{"duplicate step uuid", "get-agents.json", func(d doc) { step(d, 1)["uuid"] = step(d, 0)["uuid"] }, `is also used by step Start`},
		{"other collection", "get-agents.json", func(d doc) { d["collection"] = playbook.CollectionIRIPrefix + otherUUID }, `does not name collection ` + playbook.CollectionUUID},
		{"destructive action on an optional input", "isolate-agent-network.json", func(d doc) { inputs(d)[0].(doc)["required"] = false }, `destructive operation agent_action is not narrowed`},
		{"destructive action only excluding ids", "initiate-agent-scan.json", func(d doc) {
			delete(params(d), "ids")
			params(d)["excludeIds"] = "{{vars.input.params.agent_ids}}"
		}, `destructive operation initiate_agent_scan is not narrowed: bind one of ["ids" "computerName__like"`},
		{"destructive action on a step that reads no required input", "hunt-a-hash-across-the-fleet.json", func(d doc) {
			params(d)["query"] = `EventType = "Process Creation"`
		}, `destructive operation agent_action is not narrowed`},
		{"unused input", "get-agent-passphrase.json", func(d doc) {
			d2 := map[string]any{"name": "reason", "label": "Reason", "type": "string", "required": false}
			args(d, 0)["inputVariables"] = append(inputs(d), d2)
		}, `input "reason" is never used`},
		{"unsupported step type for the runner", "get-agents.json", func(d doc) {
			step(d, 1)["stepType"] = playbook.StepTypeIRIPrefix + "1fdd14cc-d6b4-4335-a3af-ab49c8ed2fd8"
		}, `the offline runner cannot execute it: step "Get Agents": step type`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := loadDoc(t, tt.file)
			w, err := playbook.Parse(encode(t, d))
			require.NoError(t, err)
			require.Empty(t, playbook.CheckWorkflow(m, operations.Destructive(), w, playbook.CollectionUUID), "unchanged playbook must pass")
			tt.give(d)
			w, err = playbook.Parse(encode(t, d))
			require.NoError(t, err)
			var msgs []string
			for _, p := range playbook.CheckWorkflow(m, operations.Destructive(), w, playbook.CollectionUUID) {
				msgs = append(msgs, p.String())
			}
			joined := strings.Join(msgs, "\n")
			assert.Contains(t, joined, tt.wantP)
			assert.Contains(t, joined, w.Name+": ", "a problem names its workflow")
		})
	}
}

func TestCheckCollectionFindsDuplicates(t *testing.T) {
	m := manifest(t)
	col := loadDoc(t, playbook.CollectionFile)
	wfs := col["data"].([]any)[0].(doc)["workflows"].([]any)
	col["data"].([]any)[0].(doc)["workflows"] = append(wfs, wfs[0])
	c, err := playbook.ParseCollection(encode(t, col))
	require.NoError(t, err)
	var msgs []string
	for _, p := range playbook.CheckCollection(m, operations.Destructive(), c) {
		msgs = append(msgs, p.String())
	}
	assert.Contains(t, strings.Join(msgs, "\n"), "another workflow of the collection has the same name")

	col = loadDoc(t, playbook.CollectionFile)
	col["data"].([]any)[0].(doc)["uuid"] = otherUUID
	c, err = playbook.ParseCollection(encode(t, col))
	require.NoError(t, err)
	assert.Len(t, playbook.CheckCollection(m, operations.Destructive(), c), len(bundled(t)), "every workflow names the old collection uuid")
}

func TestCheckerReportsStaleCollection(t *testing.T) {
	chk, err := playbook.NewChecker(manifest(t), operations.Destructive(), schemaJSON(t))
	require.NoError(t, err)
	fsys := fstest.MapFS{}
	for file, raw := range bundled(t) {
		fsys[file] = &fstest.MapFile{Data: raw}
	}
	col, err := os.ReadFile(filepath.Join(playbooksDir, playbook.CollectionFile))
	require.NoError(t, err)
	fsys[playbook.CollectionFile] = &fstest.MapFile{Data: col}
	problems, err := chk.CheckFS(fsys)
	require.NoError(t, err)
	require.Empty(t, problems)

	d := loadDoc(t, "get-agents.json")
	d["description"] = "Changed without regenerating the collection."
	fsys["get-agents.json"] = &fstest.MapFile{Data: encode(t, d)}
	problems, err = chk.CheckFS(fsys)
	require.NoError(t, err)
	assert.Equal(t, []string{"playbooks.json: out of date with the playbook files: run `make playbooks`"}, problems)

	delete(fsys, playbook.CollectionFile)
	problems, err = chk.CheckFS(fsys)
	require.NoError(t, err)
	assert.Equal(t, []string{"playbooks.json: missing: run `make playbooks`"}, problems)
}
