package playbook_test

import (
	"errors"
	"testing"

	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
)

// FuzzTemplate holds the engine to failing closed: whatever the text, parsing and
// rendering return a value or an *ExprError, never panic, and every variable read is
// rooted at vars.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{
		"plain", "{{vars.input.params.agent_ids}}", "{{ vars.steps.Get_Agents.data[1]['id'] | default('x', true) | upper }}",
		"a {{vars.result.data | tojson}} b {{ 'it\\'s' | replace('i', 'I') }}", "{{vars.steps.Get_Agents.data.0.id | length}}",
		"{{ vars.x == 1 }}", "{{ vars.x[1.5] }}", "{{ vars.x['open }}", "{% if x %}", "{# c #}", "{{ x", "{{}}", "{{ -x }}",
		"{{ vars.x | join(1,) }}", "{{ vars.x.y( }}", "{{ vars. }}", "{{ vars.é | first }}", "{{\x00}}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tpl, err := playbook.ParseTemplate(s)
		var ee *playbook.ExprError
		if err != nil {
			if !errors.As(err, &ee) {
				t.Fatalf("%q: parse error %v (%T) is not an *ExprError", s, err, err)
			}
			return
		}
		for _, ref := range tpl.Refs() {
			if len(ref) == 0 || ref[0] != "vars" {
				t.Fatalf("%q: ref %q is not rooted at vars", s, ref)
			}
		}
		if _, err := tpl.Render(testVars()); err != nil && !errors.As(err, &ee) {
			t.Fatalf("%q: render error %v (%T) is not an *ExprError", s, err, err)
		}
	})
}
