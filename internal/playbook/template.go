package playbook

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
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
	args []operand
}

// ExprError reports an expression the runner cannot parse or evaluate.
type ExprError struct {
	Expr string
	Msg  string
}

func (e *ExprError) Error() string { return fmt.Sprintf("expression %q: %s", e.Expr, e.Msg) }

// undefined is the value of a path that does not exist.
type undefined struct{ path string }

// filterArity gives each supported filter's minimum and maximum number of arguments.
var filterArity = map[string][2]int{
	"default": {1, 2}, "d": {1, 2}, "tojson": {0, 1}, "toJSON": {0, 1}, "string": {0, 0},
	"int": {0, 0}, "float": {0, 0}, "lower": {0, 0}, "upper": {0, 0}, "trim": {0, 0},
	"length": {0, 0}, "count": {0, 0}, "join": {0, 1}, "first": {0, 0}, "last": {0, 0},
	"replace": {2, 2},
}

// IsTemplate reports whether s holds Jinja markup.
func IsTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

// ParseTemplate parses s.
func ParseTemplate(s string) (*Template, error) {
	t := &Template{src: s}
	rest := s
	for rest != "" {
		i := openDelim(rest)
		if i < 0 {
			t.parts = append(t.parts, part{text: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, part{text: rest[:i]})
		}
		switch rest[i+1] {
		case '%':
			end := strings.Index(rest[i:], "%}")
			stmt := rest[i:]
			if end >= 0 {
				stmt = rest[i : i+end+2]
			}
			return nil, &ExprError{Expr: stmt, Msg: "statements ({% … %}) are not supported"}
		case '#':
			return nil, &ExprError{Expr: rest[i:], Msg: "comments ({# … #}) are not supported"}
		}
		end := strings.Index(rest[i:], "}}")
		if end < 0 {
			return nil, &ExprError{Expr: rest[i:], Msg: "unterminated expression: missing }}"}
		}
		src := rest[i : i+end+2]
		e, err := parseExpr(src, strings.TrimSpace(rest[i+2:i+end]))
		if err != nil {
			return nil, err
		}
		t.parts = append(t.parts, part{expr: e})
		rest = rest[i+end+2:]
	}
	return t, nil
}

// openDelim returns the index of the first "{{", "{%" or "{#" in s, or -1.
func openDelim(s string) int {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '{' && strings.IndexByte("{%#", s[i+1]) >= 0 {
			return i
		}
	}
	return -1
}

// Source returns the template text.
func (t *Template) Source() string { return t.src }

// Refs returns the variable paths the template reads, each as dotted text such as
// "vars.input.params.agent_ids" (filter arguments included), in order of appearance.
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

// RenderValue renders every string inside v (maps and lists recursively). Strings without
// Jinja markup are returned unchanged.
func RenderValue(v any, vars map[string]any) (any, error) {
	switch x := v.(type) {
	case string:
		if !IsTemplate(x) {
			return x, nil
		}
		t, err := ParseTemplate(x)
		if err != nil {
			return nil, err
		}
		return t.Render(vars)
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			r, err := RenderValue(x[k], vars)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := RenderValue(e, vars)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// Templates parses every string with Jinja markup inside v, keyed by its location
// (e.g. "params.ids"), and returns the first parse error with its location.
func Templates(v any, at string) (map[string]*Template, error) {
	out := map[string]*Template{}
	var walk func(v any, at string) error
	walk = func(v any, at string) error {
		switch x := v.(type) {
		case string:
			if !IsTemplate(x) {
				return nil
			}
			t, err := ParseTemplate(x)
			if err != nil {
				return fmt.Errorf("%s: %w", at, err)
			}
			out[at] = t
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				if err := walk(x[k], join(at, k)); err != nil {
					return err
				}
			}
		case []any:
			for i, e := range x {
				if err := walk(e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(v, at)
}

func join(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}

// --- parsing ---

type lexer struct {
	src, s string
	pos    int
}

func (l *lexer) errf(format string, args ...any) error {
	return &ExprError{Expr: l.src, Msg: fmt.Sprintf(format, args...)}
}

func (l *lexer) skip() {
	for l.pos < len(l.s) && unicode.IsSpace(rune(l.s[l.pos])) {
		l.pos++
	}
}

func (l *lexer) peek() byte {
	l.skip()
	if l.pos >= len(l.s) {
		return 0
	}
	return l.s[l.pos]
}

func (l *lexer) ident() string {
	l.skip()
	start := l.pos
	for l.pos < len(l.s) && (l.s[l.pos] == '_' || unicode.IsLetter(rune(l.s[l.pos])) || (l.pos > start && unicode.IsDigit(rune(l.s[l.pos])))) {
		l.pos++
	}
	return l.s[start:l.pos]
}

// segment reads a path segment after a dot: an identifier or a list index.
func (l *lexer) segment() string {
	l.skip()
	start := l.pos
	for l.pos < len(l.s) && (l.s[l.pos] == '_' || unicode.IsLetter(rune(l.s[l.pos])) || unicode.IsDigit(rune(l.s[l.pos]))) {
		l.pos++
	}
	return l.s[start:l.pos]
}

func parseExpr(src, body string) (*expr, error) {
	l := &lexer{src: src, s: body}
	if body == "" {
		return nil, l.errf("empty expression")
	}
	op, err := l.operand()
	if err != nil {
		return nil, err
	}
	e := &expr{src: src, operand: op}
	for {
		c := l.peek()
		if c == 0 {
			return e, nil
		}
		if c != '|' {
			return nil, l.errf("unsupported syntax at %q: only a variable or literal followed by filters is supported", l.s[l.pos:])
		}
		l.pos++
		name := l.ident()
		if name == "" {
			return nil, l.errf("missing filter name after |")
		}
		arity, ok := filterArity[name]
		if !ok {
			return nil, l.errf("unsupported filter %q (supported: %s)", name, supportedFilters())
		}
		f := filter{name: name}
		if l.peek() == '(' {
			l.pos++
			for l.peek() != ')' {
				a, err := l.operand()
				if err != nil {
					return nil, err
				}
				f.args = append(f.args, a)
				switch l.peek() {
				case ',':
					l.pos++
				case ')':
				default:
					return nil, l.errf("filter %s: expected , or ) at %q", name, l.s[l.pos:])
				}
			}
			l.pos++
		}
		if len(f.args) < arity[0] || len(f.args) > arity[1] {
			return nil, l.errf("filter %s takes %d to %d arguments, got %d", name, arity[0], arity[1], len(f.args))
		}
		e.filters = append(e.filters, f)
	}
}

func supportedFilters() string {
	names := make([]string, 0, len(filterArity))
	for n := range filterArity {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (l *lexer) operand() (operand, error) {
	c := l.peek()
	switch {
	case c == 0:
		return operand{}, l.errf("missing value")
	case c == '\'' || c == '"':
		s, err := l.str()
		return operand{literal: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		start := l.pos
		l.pos++
		for l.pos < len(l.s) && strings.IndexByte("0123456789.eE+-", l.s[l.pos]) >= 0 {
			l.pos++
		}
		num := l.s[start:l.pos]
		if _, err := strconv.ParseFloat(num, 64); err != nil {
			return operand{}, l.errf("bad number %q", num)
		}
		return operand{literal: json.Number(num)}, nil
	}
	name := l.ident()
	switch name {
	case "":
		return operand{}, l.errf("unsupported syntax at %q", l.s[l.pos:])
	case "true", "True":
		return operand{literal: true}, nil
	case "false", "False":
		return operand{literal: false}, nil
	case "none", "None", "null":
		return operand{literal: nil}, nil
	case "vars":
	default:
		return operand{}, l.errf("unsupported name %q: only variables under vars (e.g. vars.input.params.x) and literals are supported", name)
	}
	path := []string{"vars"}
	for {
		switch l.peek() {
		case '.':
			l.pos++
			seg := l.segment()
			if seg == "" {
				return operand{}, l.errf("missing name after . in %q", strings.Join(path, "."))
			}
			path = append(path, seg)
		case '[':
			l.pos++
			var seg string
			switch c := l.peek(); {
			case c == '\'' || c == '"':
				s, err := l.str()
				if err != nil {
					return operand{}, err
				}
				seg = s
			case c >= '0' && c <= '9':
				start := l.pos
				for l.pos < len(l.s) && l.s[l.pos] >= '0' && l.s[l.pos] <= '9' {
					l.pos++
				}
				seg = l.s[start:l.pos]
			default:
				return operand{}, l.errf("unsupported subscript at %q: use a quoted key or a list index", l.s[l.pos:])
			}
			if l.peek() != ']' {
				return operand{}, l.errf("missing ] at %q", l.s[l.pos:])
			}
			l.pos++
			path = append(path, seg)
		case '(':
			return operand{}, l.errf("method calls are not supported (%s(…))", strings.Join(path, "."))
		default:
			return operand{path: path}, nil
		}
	}
}

func (l *lexer) str() (string, error) {
	q := l.s[l.pos]
	var b strings.Builder
	for i := l.pos + 1; i < len(l.s); i++ {
		c := l.s[i]
		switch {
		case c == '\\' && i+1 < len(l.s):
			i++
			switch l.s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(l.s[i])
			}
		case c == q:
			l.pos = i + 1
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", l.errf("unterminated string")
}

// --- evaluation ---

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

func (e *expr) eval(vars map[string]any) (any, error) {
	v := e.operand.eval(vars)
	for _, f := range e.filters {
		args := make([]any, len(f.args))
		for i, a := range f.args {
			args[i] = a.eval(vars)
		}
		var err error
		if v, err = applyFilter(f.name, v, args); err != nil {
			return nil, &ExprError{Expr: e.src, Msg: err.Error()}
		}
	}
	return v, nil
}

func applyFilter(name string, v any, args []any) (any, error) {
	if name == "default" || name == "d" {
		_, undef := v.(undefined)
		if undef || (len(args) == 2 && truthy(args[1]) && !truthy(v)) {
			return args[0], nil
		}
		return v, nil
	}
	if u, ok := v.(undefined); ok {
		return nil, fmt.Errorf("%s is undefined (filter %s); add | default(…)", u.path, name)
	}
	switch name {
	case "tojson", "toJSON":
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("tojson: %w", err)
		}
		return string(raw), nil
	case "string":
		return toText(v), nil
	case "int":
		f, err := strconv.ParseFloat(strings.TrimSpace(toText(v)), 64)
		if err != nil {
			return json.Number("0"), nil // Jinja's int filter yields 0 for what it cannot convert
		}
		return json.Number(strconv.FormatInt(int64(math.Trunc(f)), 10)), nil
	case "float":
		f, err := strconv.ParseFloat(strings.TrimSpace(toText(v)), 64)
		if err != nil {
			f = 0
		}
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), nil
	case "lower":
		return strings.ToLower(toText(v)), nil
	case "upper":
		return strings.ToUpper(toText(v)), nil
	case "trim":
		return strings.TrimSpace(toText(v)), nil
	case "replace":
		return strings.ReplaceAll(toText(v), toText(args[0]), toText(args[1])), nil
	case "length", "count":
		switch x := v.(type) {
		case string:
			return json.Number(strconv.Itoa(len([]rune(x)))), nil
		case []any:
			return json.Number(strconv.Itoa(len(x))), nil
		case map[string]any:
			return json.Number(strconv.Itoa(len(x))), nil
		}
		return nil, fmt.Errorf("length of %s", typeName(v))
	case "join":
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("join needs a list, got %s", typeName(v))
		}
		sep := ""
		if len(args) == 1 {
			sep = toText(args[0])
		}
		items := make([]string, len(list))
		for i, e := range list {
			items[i] = toText(e)
		}
		return strings.Join(items, sep), nil
	case "first", "last":
		switch x := v.(type) {
		case []any:
			if len(x) == 0 {
				return undefined{path: name + " of an empty list"}, nil
			}
			if name == "first" {
				return x[0], nil
			}
			return x[len(x)-1], nil
		case string:
			r := []rune(x)
			if len(r) == 0 {
				return undefined{path: name + " of an empty string"}, nil
			}
			if name == "first" {
				return string(r[0]), nil
			}
			return string(r[len(r)-1]), nil
		}
		return nil, fmt.Errorf("%s needs a list, got %s", name, typeName(v))
	}
	return nil, fmt.Errorf("unsupported filter %q", name)
}

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

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case string:
		return "text"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
