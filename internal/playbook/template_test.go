package playbook_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
)

func testVars() map[string]any {
	return map[string]any{
		"input": map[string]any{
			"params":  map[string]any{"agent_ids": "101,102", "name": "Fin Laptop", "empty": "", "count": json.Number("3")},
			"records": []any{},
		},
		"steps": map[string]any{
			"Get_Agents": map[string]any{
				"data":   []any{map[string]any{"id": "101", "computerName": "FIN-LAPTOP-0042"}, map[string]any{"id": "102", "computerName": "ENG-WS-0017"}},
				"status": "Success",
			},
		},
		"result": map[string]any{"data": map[string]any{"affected_agents": json.Number("2"), "ok": true, "none": nil}},
	}
}

func TestTemplateRender(t *testing.T) {
	tests := []struct {
		give string
		want any
	}{
		{"plain text", "plain text"},
		{"{{vars.input.params.agent_ids}}", "101,102"},
		{"{{ vars.input.params['agent_ids'] }}", "101,102"},
		{`{{vars.input.params["name"] | lower}}`, "fin laptop"},
		{"{{vars.steps.Get_Agents.data[1].computerName}}", "ENG-WS-0017"},
		{"{{vars.steps.Get_Agents.data.0.id}}", "101"},
		{"{{vars.steps.Get_Agents.data | length}}", json.Number("2")},
		{"{{vars.steps.Get_Agents.data | first}}", map[string]any{"id": "101", "computerName": "FIN-LAPTOP-0042"}},
		{"{{vars.steps.Get_Agents.data | last | tojson}}", `{"computerName":"ENG-WS-0017","id":"102"}`},
		{"{{vars.result.data.affected_agents}}", json.Number("2")},
		{"{{vars.result.data}}", map[string]any{"affected_agents": json.Number("2"), "ok": true, "none": nil}},
		{"{{vars.input.params.missing}}", ""},
		{"{{vars.input.params.missing | default(10)}}", json.Number("10")},
		{"{{vars.input.params.missing | d('x') | upper}}", "X"},
		{"{{vars.input.params.empty | default('fallback')}}", ""},
		{"{{vars.input.params.empty | default('fallback', true)}}", "fallback"},
		{"{{vars.input.params.count | int}}", json.Number("3")},
		{"{{'7.9' | int}}", json.Number("7")},
		{"{{'abc' | int}}", json.Number("0")},
		{"{{'2.5' | float}}", json.Number("2.5")},
		{"{{'  a b  ' | trim | replace(' ', '-')}}", "a-b"},
		{"{{vars.input.params.agent_ids | string}}", "101,102"},
		{"{{ None }}", nil},
		{"{{ true }}", true},
		{"Isolated {{vars.result.data.affected_agents}} agents: {{vars.result.data.ok}}, {{vars.result.data.none}}", "Isolated 2 agents: True, None"},
		{"ids={{vars.steps.Get_Agents.data | length}};{{vars.input.params.missing}}!", "ids=2;!"},
		{"{{vars.result.data | tojson}}", `{"affected_agents":2,"none":null,"ok":true}`},
		{`{{"it\'s" | upper}}`, "IT'S"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			tpl, err := playbook.ParseTemplate(tt.give)
			require.NoError(t, err)
			got, err := tpl.Render(testVars())
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestTemplateJoin(t *testing.T) {
	vars := map[string]any{"ids": []any{"1", "2", json.Number("3")}}
	tpl, err := playbook.ParseTemplate("{{vars.ids | join(',')}}")
	require.NoError(t, err)
	got, err := tpl.Render(vars)
	require.NoError(t, err)
	assert.Equal(t, "1,2,3", got)
}

func TestTemplateUnsupported(t *testing.T) {
	tests := []struct {
		give    string
		wantErr string
	}{
		{"{% if vars.x %}yes{% endif %}", "statements ({% … %}) are not supported"},
		{"{# note #}", "comments ({# … #}) are not supported"},
		{"{{ vars.x == 1 }}", "unsupported syntax at \"== 1\""},
		{"{{ vars.x + 1 }}", "unsupported syntax"},
		{"{{ vars.x if vars.y else 2 }}", "unsupported syntax at \"if vars.y else 2\""},
		{"{{ vars.x | regex_search('a') }}", `unsupported filter "regex_search"`},
		{"{{ arrow.utcnow() }}", `unsupported name "arrow"`},
		{"{{ vars.list.append(1) }}", "method calls are not supported"},
		{"{{ vars.x | default }}", "filter default takes 1 to 2 arguments, got 0"},
		{"{{ vars.x[vars.i] }}", "unsupported subscript"},
		{"{{ vars.x ", "unterminated expression"},
		{"{{ }}", "empty expression"},
		{"{{ 'open }}", "unterminated string"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			_, err := playbook.ParseTemplate(tt.give)
			var ee *playbook.ExprError
			require.ErrorAs(t, err, &ee)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestTemplateRuntimeErrors(t *testing.T) {
	tests := []struct {
		give    string
		wantErr string
	}{
		{"{{vars.input.params.missing | tojson}}", "vars.input.params.missing is undefined (filter tojson); add | default(…)"},
		{"{{vars.input.params.agent_ids | join(',')}}", "join needs a list, got text"},
		{"{{vars.result.data.ok | length}}", "length of a boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			tpl, err := playbook.ParseTemplate(tt.give)
			require.NoError(t, err)
			_, err = tpl.Render(testVars())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), tt.give, "the error names the expression")
		})
	}
}

func TestTemplateRefs(t *testing.T) {
	tpl, err := playbook.ParseTemplate("{{vars.input.params.a | default(vars.steps.S.data)}} and {{vars.input.params['b c']}}")
	require.NoError(t, err)
	assert.Equal(t, [][]string{
		{"vars", "input", "params", "a"}, {"vars", "steps", "S", "data"}, {"vars", "input", "params", "b c"},
	}, tpl.Refs())
}
