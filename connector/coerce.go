package connector

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
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
