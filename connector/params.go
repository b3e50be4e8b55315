package connector

import (
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

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
	for _, e := range SchemaLeaves(ve) {
		if strings.HasSuffix(e.KeywordLocation, "/required") {
			continue // reported before schema validation, or the value failed coercion
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
	return out
}
