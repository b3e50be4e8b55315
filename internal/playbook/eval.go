package playbook

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// undefined is the value of a path that does not exist.
type undefined struct{ path string }

// eval returns a literal, or the value at the operand's path inside vars.
func (o operand) eval(vars map[string]any) any {
	if o.path == nil {
		return o.literal
	}
	var cur any = vars
	for i, seg := range o.path[1:] {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[seg]
			if !ok {
				return undefined{path: strings.Join(o.path[:i+2], ".")}
			}
			cur = v
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= len(x) {
				return undefined{path: strings.Join(o.path[:i+2], ".")}
			}
			cur = x[n]
		default:
			return undefined{path: strings.Join(o.path[:i+2], ".")}
		}
	}
	return cur
}

// eval evaluates the operand, then applies the filters left to right.
func (e *expr) eval(vars map[string]any) (any, error) {
	v := e.operand.eval(vars)
	for _, f := range e.filters {
		if u, ok := v.(undefined); ok && !f.def.undefinedOK {
			return nil, &ExprError{Expr: e.src, Msg: fmt.Sprintf("%s is undefined (filter %s); add | default(…)", u.path, f.name)}
		}
		args := make([]any, len(f.args))
		for i, a := range f.args {
			args[i] = a.eval(vars)
		}
		var err error
		if v, err = f.def.fn(v, args); err != nil {
			return nil, &ExprError{Expr: e.src, Msg: err.Error()}
		}
	}
	return v, nil
}

// truthy follows Jinja: none, undefined, false, zero and empty values are false.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil, undefined:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, _ := x.Float64()
		return f != 0
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// toText renders a value inside longer text as Jinja prints it, with lists and objects
// as JSON.
func toText(v any) string {
	switch x := v.(type) {
	case undefined:
		return ""
	case nil:
		return "None"
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case json.Number:
		return x.String()
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(raw)
}
