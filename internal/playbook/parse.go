package playbook

import (
	"encoding/json"
	"strings"
)

// ParseTemplate parses s: text with `{{ … }}` expressions of the supported subset (see
// Template). Anything outside the subset is an *ExprError.
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
			stmt := rest[i:]
			if end := strings.Index(stmt, "%}"); end >= 0 {
				stmt = stmt[:end+2]
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

// parseExpr parses the body of one expression: an operand, then filters.
//
//	expr    = operand { "|" name [ "(" [ operand { "," operand } [","] ] ")" ] }
//	operand = string | number | true | false | none | path
//	path    = "vars" { "." segment | "[" ( string | digits ) "]" }
func parseExpr(src, body string) (*expr, error) {
	l := newLexer(src, body)
	if body == "" {
		return nil, l.errf("empty expression")
	}
	op, err := parseOperand(l)
	if err != nil {
		return nil, err
	}
	e := &expr{src: src, operand: op}
	for {
		t := l.next()
		switch {
		case t.kind == tokEOF:
			return e, nil
		case !t.is('|'):
			return nil, l.errf("unsupported syntax at %q: only a variable or literal followed by filters is supported", l.rest(t.pos))
		}
		f, err := parseFilter(l)
		if err != nil {
			return nil, err
		}
		e.filters = append(e.filters, f)
	}
}

// parseFilter parses a filter call after its "|" and checks its name and arity.
func parseFilter(l *lexer) (filter, error) {
	t := l.next()
	if t.kind != tokIdent {
		return filter{}, l.errf("missing filter name after |")
	}
	name := t.text
	def, ok := filters[name]
	if !ok {
		return filter{}, l.errf("unsupported filter %q (supported: %s)", name, filterNames())
	}
	f := filter{name: name, def: def}
	if l.peek().is('(') {
		l.next()
		for !l.peek().is(')') {
			a, err := parseOperand(l)
			if err != nil {
				return filter{}, err
			}
			f.args = append(f.args, a)
			switch t := l.peek(); {
			case t.is(','):
				l.next()
			case t.is(')'):
			default:
				return filter{}, l.errf("filter %s: expected , or ) at %q", name, l.rest(t.pos))
			}
		}
		l.next()
	}
	if len(f.args) < def.min || len(f.args) > def.max {
		return filter{}, l.errf("filter %s takes %d to %d arguments, got %d", name, def.min, def.max, len(f.args))
	}
	return f, nil
}

func parseOperand(l *lexer) (operand, error) {
	t := l.next()
	switch t.kind {
	case tokEOF:
		return operand{}, l.errf("missing value")
	case tokError:
		return operand{}, l.errf("%s", t.text)
	case tokString:
		return operand{literal: t.text}, nil
	case tokNumber:
		return operand{literal: json.Number(t.text)}, nil
	case tokIdent:
	default:
		return operand{}, l.errf("unsupported syntax at %q", l.rest(t.pos))
	}
	switch t.text {
	case "true", "True":
		return operand{literal: true}, nil
	case "false", "False":
		return operand{literal: false}, nil
	case "none", "None", "null":
		return operand{literal: nil}, nil
	case "vars":
		return parsePath(l)
	case "globalVars":
		// FortiSOAR's global variables; the runner keeps them under vars.globalVars.
		op, err := parsePath(l)
		if op.path != nil {
			op.path = append([]string{"vars", "globalVars"}, op.path[1:]...)
		}
		return op, err
	}
	return operand{}, l.errf("unsupported name %q: only variables under vars (e.g. vars.input.params.x) and literals are supported", t.text)
}

// parsePath parses the segments of a variable path after its leading "vars".
func parsePath(l *lexer) (operand, error) {
	path := []string{"vars"}
	for {
		switch t := l.peek(); {
		case t.is('.'):
			l.next()
			seg := l.segment()
			if seg == "" {
				return operand{}, l.errf("missing name after . in %q", strings.Join(path, "."))
			}
			path = append(path, seg)
		case t.is('['):
			l.next()
			seg, err := parseSubscript(l)
			if err != nil {
				return operand{}, err
			}
			path = append(path, seg)
		case t.is('('):
			return operand{}, l.errf("method calls are not supported (%s(…))", strings.Join(path, "."))
		default:
			return operand{path: path}, nil
		}
	}
}

// parseSubscript parses a quoted key or a list index and its closing "]".
func parseSubscript(l *lexer) (string, error) {
	t := l.next()
	var seg string
	switch {
	case t.kind == tokString:
		seg = t.text
	case t.kind == tokNumber && strings.Trim(t.text, "0123456789") == "":
		seg = t.text
	case t.kind == tokError && strings.IndexByte(`'"`, l.body[t.pos]) >= 0:
		return "", l.errf("%s", t.text) // an unterminated quoted key
	default:
		return "", l.errf("unsupported subscript at %q: use a quoted key or a list index", l.rest(t.pos))
	}
	if t := l.next(); !t.is(']') {
		return "", l.errf("missing ] at %q", l.rest(t.pos))
	}
	return seg, nil
}
