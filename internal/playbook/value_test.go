package playbook_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
)

func TestValueRendersNestedMapsAndLists(t *testing.T) {
	give := map[string]any{
		"name":  "{{vars.input.params.name | upper}}",
		"count": json.Number("2"),
		"flag":  true,
		"none":  nil,
		"targets": []any{
			map[string]any{"id": "{{vars.steps.Get_Agents.data[0].id}}", "label": "first"},
			[]any{"{{vars.steps.Get_Agents.data[1].id}}", "literal {{ 'x' }}"},
		},
		// a key holding "." or "[0]" is one key, not a path
		"a.b":  "{{vars.input.params.agent_ids}}",
		"c[0]": map[string]any{"d": "{{vars.input.params.count}}"},
	}
	v, err := playbook.ParseValue(give, "params")
	require.NoError(t, err)
	got, err := v.Render(testVars())
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"name":  "FIN LAPTOP",
		"count": json.Number("2"),
		"flag":  true,
		"none":  nil,
		"targets": []any{
			map[string]any{"id": "101", "label": "first"},
			[]any{"102", "literal x"},
		},
		"a.b":  "101,102",
		"c[0]": map[string]any{"d": json.Number("3")},
	}, got)

	// The tree is parsed once and rendered afresh: changing one result does not reach
	// the next one, nor the value it was parsed from.
	got.(map[string]any)["targets"].([]any)[0].(map[string]any)["label"] = "changed"
	again, err := v.Render(testVars())
	require.NoError(t, err)
	assert.Equal(t, "first", again.(map[string]any)["targets"].([]any)[0].(map[string]any)["label"])
	assert.Equal(t, "first", give["targets"].([]any)[0].(map[string]any)["label"])
}

func TestValueExpressionKeepsJSONType(t *testing.T) {
	v, err := playbook.ParseValue(map[string]any{
		"agents": "{{vars.steps.Get_Agents.data}}",
		"first":  "{{vars.steps.Get_Agents.data | first}}",
		"n":      "{{vars.result.data.affected_agents}}",
		"ok":     "{{vars.result.data.ok}}",
		"text":   "n={{vars.result.data.affected_agents}}",
	}, "params")
	require.NoError(t, err)
	got, err := v.Render(testVars())
	require.NoError(t, err)
	agents := []any{map[string]any{"id": "101", "computerName": "FIN-LAPTOP-0042"}, map[string]any{"id": "102", "computerName": "ENG-WS-0017"}}
	assert.Equal(t, map[string]any{
		"agents": agents, "first": agents[0], "n": json.Number("2"), "ok": true, "text": "n=2",
	}, got)
}

func TestValueErrorsNameTheLocation(t *testing.T) {
	t.Run("parse", func(t *testing.T) {
		for _, tt := range []struct {
			give    any
			wantErr string
		}{
			{map[string]any{"ids": "{{ 1 + 1 }}"}, `params.ids: expression "{{ 1 + 1 }}": unsupported syntax`},
			{map[string]any{"a": []any{"ok", map[string]any{"b": "{% if x %}"}}}, `params.a[1].b: expression "{% if x %}": statements`},
			{map[string]any{"a": []any{[]any{"{{ vars.x | nope }}"}}}, `params.a[0][0]: expression "{{ vars.x | nope }}": unsupported filter "nope"`},
		} {
			_, err := playbook.ParseValue(tt.give, "params")
			var ee *playbook.ExprError
			require.ErrorAs(t, err, &ee, "fails closed with an *ExprError")
			assert.True(t, strings.HasPrefix(err.Error(), tt.wantErr), "got %v", err)
		}
	})
	t.Run("render", func(t *testing.T) {
		v, err := playbook.ParseValue(map[string]any{
			"x": []any{"fine", map[string]any{"y": "{{vars.input.params.missing | tojson}}"}},
		}, "params")
		require.NoError(t, err)
		_, err = v.Render(testVars())
		var ee *playbook.ExprError
		require.ErrorAs(t, err, &ee)
		assert.EqualError(t, err, `params.x[1].y: expression "{{vars.input.params.missing | tojson}}": vars.input.params.missing is undefined (filter tojson); add | default(…)`)
	})
}

func TestValueTemplatesCarryLocations(t *testing.T) {
	v, err := playbook.ParseValue(map[string]any{
		"params": map[string]any{
			"b": []any{"{{vars.input.params.x}}", "plain", map[string]any{"c": "{{vars.result}}"}},
			"a": "{{vars.steps.S.data}}",
		},
		"step_variables": map[string]any{"out": "{{vars.result.data}}"},
		"config":         "",
	}, "")
	require.NoError(t, err)
	var locs []string
	for at, tpl := range v.Templates() {
		locs = append(locs, at+" "+tpl.Source())
	}
	assert.Equal(t, []string{
		"params.a {{vars.steps.S.data}}",
		"params.b[0] {{vars.input.params.x}}",
		"params.b[2].c {{vars.result}}",
		"step_variables.out {{vars.result.data}}",
	}, locs)
}

func TestRunRendersParamTrees(t *testing.T) {
	w := chain(t, []map[string]any{input("status", true)},
		stepSpec{name: "Pick", stepType: playbook.StepTypeSetVariable, args: map[string]any{
			"statuses": []any{"connected", "{{vars.input.params.status}}"},
		}},
		connectorStep("Count", "get_agent_count", "Get Agent Count", map[string]any{
			"networkStatuses": "{{vars.statuses}}", // a list-valued expression stays a list
			"osTypes":         []any{"windows", "{{vars.input.params.status | replace('disconnected', 'linux')}}"},
		}),
	)
	for _, name := range []string{"in-process", "http"} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			exec := executors(t, rec)[name]
			results, err := (&playbook.Runner{Exec: exec}).Run(context.Background(), w, map[string]string{"status": "disconnected"})
			require.NoError(t, err)
			assert.Equal(t, map[string]any{"statuses": []any{"connected", "disconnected"}}, results[1].Output)
			calls := rec.Calls()
			require.Len(t, calls, 1)
			assert.Equal(t, []string{"connected", "disconnected"}, calls[0].Params.Strings("networkStatuses"))
			assert.Equal(t, []string{"windows", "linux"}, calls[0].Params.Strings("osTypes"))
		})
	}
}

func TestRunRenderErrorNamesTheLocation(t *testing.T) {
	rec := &recorder{}
	w := chain(t, nil, connectorStep("Count", "get_agent_count", "Get Agent Count", map[string]any{
		"osTypes": []any{"windows", "{{vars.input.params.missing | lower}}"},
	}))
	_, err := (&playbook.Runner{Exec: newConnector(t, rec)}).Run(context.Background(), w, nil)
	var ee *playbook.ExprError
	require.ErrorAs(t, err, &ee)
	assert.Contains(t, err.Error(), `step "Count": params.osTypes[1]: expression "{{vars.input.params.missing | lower}}": vars.input.params.missing is undefined`)
	assert.Empty(t, rec.Calls(), "a step whose params do not render is not executed")
}
