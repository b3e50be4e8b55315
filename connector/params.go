package connector

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// Coercion rules. FortiSOAR renders playbook expressions to strings and sends empty strings
// for optional parameters the author left blank, so params are normalised before they are
// validated against the operation's schema:
//
//   - null, "" and whitespace-only strings for a parameter mean "not given"; so does an
//     empty list for a multiselect. A required parameter that is not given is an error.
//   - integer: a JSON number with no fraction, or a string of decimal digits ("10", " 10 ").
//   - decimal: a JSON number, or a string holding one ("2.5").
//   - checkbox: true/false, or the strings "true"/"false" in any case.
//   - select: a string equal to an option; an option differing only in case is accepted and
//     replaced by the option's spelling; JSON true/false are accepted where the options are
//     the strings "true"/"false".
//   - multiselect: a list of options, or one string holding options separated by commas,
//     none of them blank.
//   - text-like types: a string; a JSON number is accepted and kept in its decimal form. A
//     list parameter (validation.separator) also takes a JSON list of items.
//   - json: any JSON value; a string holding JSON is decoded.
//
// Values are then held to their meaning (values.go): decimal-digit integers, finite
// decimals, text without control characters, declared bounds and list rules.
//
// Parameters the operation does not declare are rejected, so a misspelt filter cannot be
// silently ignored. After coercion, defaults (`value`) fill parameters that were not given.
// Anything else is rejected with an error naming the parameter and the rule.

// Params are an operation's validated parameters, keyed by name. Values are string, bool,
// int64, float64, []string or a decoded JSON value (json type).
type Params map[string]any

// String returns the named text parameter, or "" when it was not given.
func (p Params) String(name string) string {
	s, _ := p[name].(string)
	return s
}

// Int returns the named integer parameter and whether it was given.
func (p Params) Int(name string) (int64, bool) {
	n, ok := p[name].(int64)
	return n, ok
}

// Float returns the named decimal parameter and whether it was given.
func (p Params) Float(name string) (float64, bool) {
	f, ok := p[name].(float64)
	return f, ok
}

// Bool returns the named checkbox parameter (false when not given).
func (p Params) Bool(name string) bool {
	b, _ := p[name].(bool)
	return b
}

// Strings returns the named multiselect parameter, or nil.
func (p Params) Strings(name string) []string {
	s, _ := p[name].([]string)
	return s
}

// Has reports whether the named parameter was given (or has a default).
func (p Params) Has(name string) bool {
	_, ok := p[name]
	return ok
}

// ParamError reports a parameter that failed coercion or validation.
type ParamError struct {
	Param   string
	Message string
}

func (e *ParamError) Error() string {
	if e.Param == "" {
		return `"": ` + e.Message
	}
	return e.Param + ": " + e.Message
}

// ParamErrors is every parameter problem of one call, in parameter order.
type ParamErrors []*ParamError

func (e ParamErrors) Error() string {
	msgs := make([]string, len(e))
	for i, pe := range e {
		msgs[i] = pe.Error()
	}
	return "invalid parameters: " + strings.Join(msgs, "; ")
}

// paramSchema derives the JSON Schema of one parameter's coerced value.
func paramSchema(p *Param) map[string]any {
	s := map[string]any{}
	switch p.Type {
	case "integer":
		s["type"] = "integer"
	case "decimal":
		s["type"] = "number"
	case "checkbox":
		s["type"] = "boolean"
	case "select":
		s["type"] = "string"
		s["enum"] = p.Options
	case "multiselect":
		s["type"] = "array"
		s["items"] = map[string]any{"enum": p.Options}
		s["uniqueItems"] = true
	case "json":
	default:
		s["type"] = "string"
		if !isList(p) && (p.Validation == nil || p.Validation.MaxLength == nil) {
			s["maxLength"] = DefaultMaxTextLength
		}
	}
	if v := p.Validation; v != nil {
		if v.Pattern != "" {
			s["pattern"] = v.Pattern
		}
		if v.Minimum != nil {
			s["minimum"] = *v.Minimum
		}
		if v.Maximum != nil {
			s["maximum"] = *v.Maximum
		}
		if v.MinLength != nil {
			s["minLength"] = *v.MinLength
		}
		if v.MaxLength != nil {
			s["maxLength"] = *v.MaxLength
		}
	}
	return s
}

// ParamsSchema derives the JSON Schema (draft 2020-12) of a parameter list: each parameter's
// type, enum from options, pattern, numeric and length bounds; required names; no others.
func ParamsSchema(params []*Param) map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, p := range allParams(params) {
		props[p.Name] = paramSchema(p)
		if p.Required {
			required = append(required, p.Name)
		}
	}
	sort.Strings(required)
	return map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"type":                 "object",
		"properties":           props,
		"required":             required,
		"additionalProperties": false,
	}
}

// allParams lists params and the params their onchange branches add.
func allParams(params []*Param) []*Param {
	var out []*Param
	for _, p := range params {
		out = append(out, p)
		for _, key := range sortedKeys(p.OnChange) {
			out = append(out, allParams(p.OnChange[key])...)
		}
	}
	return out
}

// Schema returns the operation's derived parameter schema as JSON.
func (o *Operation) Schema() json.RawMessage { return mustJSON(ParamsSchema(o.Parameters)) }

// ValidateParams coerces raw params by the operation's rules (see the package's coercion
// rules), applies defaults and validates the result against the operation's schema.
func (o *Operation) ValidateParams(raw map[string]any) (Params, error) {
	if len(raw) == 0 && o.none != nil {
		return o.validateNone()
	}
	return validateParams(allParams(o.Parameters), o.schema, raw)
}

func validateParams(params []*Param, schema *jsonschema.Schema, raw map[string]any) (Params, error) {
	byName := make(map[string]*Param, len(params))
	for _, p := range params {
		byName[p.Name] = p
	}
	var errs ParamErrors
	out := Params{}
	for _, name := range sortedKeys(raw) {
		p, ok := byName[name]
		if !ok {
			if name == "" {
				errs = append(errs, &ParamError{Param: name, Message: "a parameter name must not be empty"})
				continue
			}
			errs = append(errs, &ParamError{Param: name, Message: "unknown parameter" + suggest(name, byName)})
			continue
		}
		v, given, err := coerce(p, raw[name])
		if err != nil {
			errs = append(errs, &ParamError{Param: name, Message: err.Error()})
			continue
		}
		if given {
			out[name] = v
		}
	}
	for _, p := range params {
		if _, ok := out[p.Name]; ok || hasErr(errs, p.Name) {
			continue
		}
		if p.Value != nil {
			if v, given, err := coerce(p, p.Value); err == nil && given {
				out[p.Name] = v
				continue
			}
		}
		if p.Required {
			errs = append(errs, &ParamError{Param: p.Name, Message: "is required"})
		}
	}
	if err := schema.Validate(toSchemaValue(out)); err != nil {
		for _, pe := range schemaParamErrors(err, byName) {
			if !hasErr(errs, pe.Param) {
				errs = append(errs, pe)
			}
		}
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return paramIndex(params, errs[i].Param) < paramIndex(params, errs[j].Param) })
		return nil, errs
	}
	return out, nil
}

func hasErr(errs ParamErrors, name string) bool {
	for _, e := range errs {
		if e.Param == name {
			return true
		}
	}
	return false
}

func paramIndex(params []*Param, name string) int {
	for i, p := range params {
		if p.Name == name {
			return i
		}
	}
	return len(params)
}

// coerce normalises one value; given is false when the value means "not given".
func coerce(p *Param, v any) (out any, given bool, err error) {
	if v == nil {
		return nil, false, nil
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" && p.Type != "json" {
		return nil, false, nil
	}
	switch p.Type {
	case "integer":
		n, err := toInt(v)
		return n, err == nil, err
	case "decimal":
		f, err := toFloat(v)
		return f, err == nil, err
	case "checkbox":
		b, err := toBool(v)
		return b, err == nil, err
	case "select":
		s, err := toOption(p, v)
		return s, err == nil, err
	case "multiselect":
		list, err := toOptions(p, v)
		return list, err == nil && len(list) > 0, err
	case "json":
		if s, ok := v.(string); ok {
			var decoded any
			if err := decodeJSON([]byte(s), &decoded); err != nil {
				return nil, false, fmt.Errorf("is not valid JSON: %v", err)
			}
			return decoded, true, nil
		}
		return v, true, nil
	default:
		if isList(p) {
			return toList(p, v)
		}
		switch x := v.(type) {
		case string:
			if err := checkText(x, p.Type == "textarea"); err != nil {
				return nil, false, err
			}
			return x, true, nil
		case json.Number:
			return x.String(), true, nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), true, nil
		case int, int64:
			return fmt.Sprint(x), true, nil
		}
		return nil, false, fmt.Errorf("must be text, got %s", kind(v))
	}
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case json.Number:
		if !wholeJSONNumber.MatchString(x.String()) {
			return 0, fmt.Errorf("must be a whole number written in decimal digits, got %s", x)
		}
		digits, _, _ := strings.Cut(x.String(), ".")
		return parseWhole(digits)
	case string:
		return parseWhole(strings.TrimSpace(x))
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, fmt.Errorf("must be a whole number, got %v", x)
		}
		return int64(x), nil
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	}
	return 0, fmt.Errorf("must be a whole number, got %s", kind(v))
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case json.Number:
		return parseDecimal(x.String())
	case string:
		return parseDecimal(strings.TrimSpace(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("must be a finite number, got %v", x)
		}
		return x, nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	}
	return 0, fmt.Errorf("must be a number, got %s", kind(v))
}

func toBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return false, fmt.Errorf("must be true or false, got %q", x)
	}
	return false, fmt.Errorf("must be true or false, got %s", kind(v))
}

func toOption(p *Param, v any) (string, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = strings.TrimSpace(x)
	case bool:
		s = strconv.FormatBool(x)
	default:
		return "", fmt.Errorf("must be one of %s, got %s", quoteList(p.Options), kind(v))
	}
	for _, o := range p.Options {
		if o == s {
			return o, nil
		}
	}
	for _, o := range p.Options {
		if strings.EqualFold(o, s) {
			return o, nil
		}
	}
	return "", fmt.Errorf("must be one of %s, got %q", quoteList(p.Options), s)
}

func toOptions(p *Param, v any) ([]string, error) {
	items, err := p.SplitOptions(v)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	seen := map[string]bool{}
	for _, it := range items {
		s, err := toOption(p, it)
		if err != nil {
			return nil, err
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}

func quoteList(opts []string) string {
	q := make([]string, len(opts))
	for i, o := range opts {
		q[i] = strconv.Quote(o)
	}
	return strings.Join(q, ", ")
}

func kind(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case bool:
		return "a boolean"
	case json.Number, float64, int, int64:
		return "a number"
	case []any, []string:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// toSchemaValue converts coerced params into the value shapes the schema validator expects.
func toSchemaValue(p Params) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		switch x := v.(type) {
		case int64:
			out[k] = json.Number(strconv.FormatInt(x, 10))
		case float64:
			out[k] = json.Number(strconv.FormatFloat(x, 'f', -1, 64))
		case []string:
			list := make([]any, len(x))
			for i, s := range x {
				list[i] = s
			}
			out[k] = list
		default:
			out[k] = v
		}
	}
	return out
}

// schemaParamErrors turns schema violations into errors that name the parameter and the rule,
// using the manifest's patternError where there is one.
func schemaParamErrors(err error, byName map[string]*Param) ParamErrors {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return ParamErrors{{Param: "params", Message: err.Error()}}
	}
	var out ParamErrors
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		if strings.HasSuffix(e.KeywordLocation, "/required") {
			return // reported before schema validation, or the value failed coercion
		}
		name := strings.TrimPrefix(e.InstanceLocation, "/")
		if i := strings.IndexByte(name, '/'); i >= 0 {
			name = name[:i]
		}
		msg := e.Message
		if p := byName[name]; p != nil && p.Validation != nil && p.Validation.PatternError != "" &&
			strings.HasSuffix(e.KeywordLocation, "/pattern") {
			msg = "does not match the rule: " + p.Validation.PatternError
		}
		if name == "" {
			name = "params"
		}
		out = append(out, &ParamError{Param: name, Message: msg})
	}
	walk(ve)
	return out
}
