package playbook_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
)

// stepIRI is the IRI of the n-th step (1 = Start) of a chain.
func stepIRI(n int) string {
	return fmt.Sprintf("%s00000000-0000-4000-8000-%012d", playbook.StepIRIPrefix, n)
}

// decisionChain is Start → Get Agents → Decide → {Each (loop, create record) | Note
// (updatemacro)}, Each → Note: the decision takes Each when get_agents found agents.
func decisionChain(t *testing.T, cond string) *playbook.Workflow {
	decide := stepSpec{name: "Decide", stepType: playbook.StepTypeDecision, args: map[string]any{"conditions": []any{
		map[string]any{"option": "Found", "step_iri": stepIRI(4), "condition": cond},
		map[string]any{"option": "None", "default": true, "step_iri": stepIRI(5)},
	}}}
	each := stepSpec{name: "Each", stepType: playbook.StepTypeCreateRecord, args: map[string]any{
		"collection": "/api/3/alerts", "resource": map[string]any{"name": "{{vars.item.computerName}}", "sourceId": "{{vars.item.id}}"},
		"for_each": map[string]any{"item": "{{vars.steps.Get_Agents.data}}", "parallel": false, "condition": ""},
	}}
	note := stepSpec{name: "Note", stepType: playbook.StepTypeConnector, args: map[string]any{
		"connector": playbook.UtilitiesConnector, "operation": playbook.UpdateMacro, "version": "3.2.0", "config": "",
		"params": map[string]any{"macro": "Last_Seen", "value": "{{globalVars.Last_Seen | default('none')}}+{{vars.steps.Get_Agents.data[0].id}}"},
	}}
	w := chain(t, nil, connectorStep("Get Agents", "get_agents", "Get Agents", map[string]any{}), decide, each, note)
	// Decide also routes to Note.
	w.Routes = append(w.Routes, &playbook.Route{Name: "Decide -> Note", SourceStep: stepIRI(3), TargetStep: stepIRI(5)})
	return w
}

func TestRunDecisionLoopRecordsAndGlobals(t *testing.T) {
	rec := &recorder{}
	r := &playbook.Runner{Exec: newConnector(t, rec)}
	results, err := r.Run(context.Background(), decisionChain(t, "{{vars.steps.Get_Agents.data}}"), nil)
	require.NoError(t, err)
	var names []string
	for _, res := range results {
		names = append(names, res.Step)
	}
	assert.Equal(t, []string{"Start", "Get Agents", "Decide", "Each", "Note"}, names)
	require.Len(t, r.Records["/api/3/alerts"], 2, "one record per item")
	assert.Equal(t, "FIN-LAPTOP-0043", r.Records["/api/3/alerts"][1]["name"])
	assert.Equal(t, "none+900", r.Globals["Last_Seen"])
	assert.Len(t, rec.Calls(), 1, "updatemacro is emulated, not sent to the connector")

	// a second run on the same runner reads the global the first set
	_, err = r.Run(context.Background(), decisionChain(t, "{{vars.steps.Get_Agents.data}}"), nil)
	require.NoError(t, err)
	assert.Equal(t, "none+900+900", r.Globals["Last_Seen"])

	// a false condition takes the default
	r = &playbook.Runner{Exec: newConnector(t, &recorder{})}
	results, err = r.Run(context.Background(), decisionChain(t, "{{vars.steps.Get_Agents.data[5]}}"), nil)
	require.NoError(t, err)
	assert.Equal(t, "Note", results[len(results)-1].Step)
	assert.Len(t, results, 4)
	assert.Empty(t, r.Records)
}

func TestRunFailsClosedOnUnsupportedFlow(t *testing.T) {
	tests := []struct {
		name string
		edit func(w *playbook.Workflow)
		want string
	}{
		{"decision option without a route", func(w *playbook.Workflow) { w.Routes = w.Routes[:len(w.Routes)-1] },
			`decision option "None" goes to`},
		{"other utilities operation", func(w *playbook.Workflow) { w.Steps[4].Arguments["operation"] = "sendemail" },
			`cyops_utilities operation "sendemail" is not supported`},
		{"loop condition", func(w *playbook.Workflow) {
			w.Steps[3].Arguments["for_each"] = map[string]any{"item": "{{vars.steps.Get_Agents.data}}", "condition": "{{vars.item.id}}"}
		}, "a for_each condition is not supported"},
		{"record without collection", func(w *playbook.Workflow) { delete(w.Steps[3].Arguments, "collection") },
			"needs a collection and a resource"},
		{"decision without conditions", func(w *playbook.Workflow) { w.Steps[2].Arguments["conditions"] = []any{} },
			"a decision needs a list of conditions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			w := decisionChain(t, "{{vars.steps.Get_Agents.data}}")
			tt.edit(w)
			_, err := (&playbook.Runner{Exec: newConnector(t, rec)}).Run(context.Background(), w, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, rec.Calls(), "nothing runs")
		})
	}
}
