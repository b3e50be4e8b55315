package playbook

import (
	"fmt"
	"strings"
)

// Template is a string value that may hold Jinja expressions, parsed once.
//
// The runner supports this subset of Jinja, and reports anything else as an *ExprError
// before a workflow runs:
//
//   - expressions `{{ … }}`; statements `{% … %}` and comments `{# … #}` are not supported;
//   - an operand is a variable path rooted at `vars` (`vars.input.params.x`,
//     `vars.input.params['x']`, `vars.steps.Get_Agents.data[0].id`, `vars.result`) or a
//     literal: 'text', "text", a number, true/false/True/False, none/None/null;
//   - filters, applied left to right with `|`: default(v) (alias d; default(v, true) also
//     replaces empty and false values), tojson (alias toJSON), string, int, float, lower,
//     upper, trim, length (alias count), join(sep), first, last, replace(old, new);
//   - operators (`==`, `+`, `and`, `if … else`, …) and method calls are not supported.
//
// A value that is exactly one expression renders to the expression's value with its JSON
// type (a list stays a list). Expressions inside longer text render as text: strings as
// they are, numbers in decimal, booleans as True/False, None as "None", lists and objects as
// JSON. A path that does not exist is undefined: it renders as "" and default() replaces it.
//
// The engine is in parts: lex.go splits an expression into tokens, parse.go builds the
// parts below, eval.go evaluates them, filters.go is the one table of filters, and
// value.go parses a whole param or variable value into a tree of templates.
type Template struct {
	src   string
	parts []part
}

type part struct {
	text string
	expr *expr
}

type expr struct {
	src     string
	operand operand
	filters []filter
}

type operand struct {
	path    []string // variable path starting at "vars"; nil for a literal
	literal any
}

type filter struct {
	name string
	def  filterDef
	args []operand
}

// ExprError reports an expression the runner cannot parse or evaluate.
type ExprError struct {
	Expr string
	Msg  string
}

func (e *ExprError) Error() string { return fmt.Sprintf("expression %q: %s", e.Expr, e.Msg) }

// IsTemplate reports whether s holds Jinja markup.
func IsTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

// Source returns the template text.
func (t *Template) Source() string { return t.src }

// Refs returns the variable paths the template reads, each as its segments such as
// ["vars" "input" "params" "agent_ids"] (filter arguments included), in order of appearance.
func (t *Template) Refs() [][]string {
	var out [][]string
	for _, p := range t.parts {
		if p.expr == nil {
			continue
		}
		ops := []operand{p.expr.operand}
		for _, f := range p.expr.filters {
			ops = append(ops, f.args...)
		}
		for _, o := range ops {
			if o.path != nil {
				out = append(out, o.path)
			}
		}
	}
	return out
}

// Render evaluates the template against vars (the value of `vars`).
func (t *Template) Render(vars map[string]any) (any, error) {
	if len(t.parts) == 1 && t.parts[0].expr != nil {
		v, err := t.parts[0].expr.eval(vars)
		if err != nil {
			return nil, err
		}
		if _, ok := v.(undefined); ok {
			return "", nil
		}
		return v, nil
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.expr == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := p.expr.eval(vars)
		if err != nil {
			return nil, err
		}
		b.WriteString(toText(v))
	}
	return b.String(), nil
}
