package connector

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Value rules beyond types: what a value must mean, not only how it is spelt. Every rule
// refuses by the parameter's name before any request to the vendor API.
//
//   - Text is valid UTF-8 with no control characters (NUL, C0, DEL, C1); a textarea may hold
//     tabs and line breaks. It is at most its declared maxLength code points, or
//     DefaultMaxTextLength when the manifest declares none.
//   - An integer written as text is decimal digits with an optional minus sign ("1e3", "+5",
//     "0x10" are refused); a JSON number must be whole and written without an exponent.
//     Values outside int64 are refused, never wrapped.
//   - A decimal is finite (no NaN, no infinity, no overflow to infinity); text must be a plain
//     decimal number.
//   - A list parameter (validation.separator) has no blank item, items matching itemPattern,
//     and at most maxItems items.

// DefaultMaxTextLength bounds a text parameter whose manifest entry declares no maxLength.
const DefaultMaxTextLength = 8192

// checkText refuses text that is not valid UTF-8 or holds control characters.
func checkText(s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("is not valid UTF-8")
	}
	for i, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return fmt.Errorf("holds the control character U+%04X at byte %d", r, i)
		}
	}
	return nil
}

var (
	decimalDigits = regexp.MustCompile(`^-?[0-9]+$`)
	// wholeJSONNumber is a JSON number with no exponent and at most a zero fraction.
	wholeJSONNumber = regexp.MustCompile(`^-?[0-9]+(\.0+)?$`)
	plainDecimal    = regexp.MustCompile(`^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$`)
)

// parseWhole parses an integer written as decimal digits, refusing overflow.
func parseWhole(s string) (int64, error) {
	if !decimalDigits.MatchString(s) {
		return 0, fmt.Errorf("must be a whole number written in decimal digits, got %q", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is out of range for a whole number", s)
	}
	return n, nil
}

// parseDecimal parses a plain decimal number and refuses one that is not finite.
func parseDecimal(s string) (float64, error) {
	if !plainDecimal.MatchString(s) {
		return 0, fmt.Errorf("must be a number, got %q", s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%q is out of range for a number", s)
	}
	return f, nil
}

// isList reports whether p is a list-valued text parameter.
func isList(p *Param) bool { return p.Validation != nil && p.Validation.Separator != "" }

// toList normalises a list parameter: text split by the separator, or a JSON list of text or
// numbers. It returns the items joined by the separator.
func toList(p *Param, v any) (string, bool, error) {
	rules := p.Validation
	var items []string
	switch x := v.(type) {
	case string:
		if err := checkText(x, false); err != nil {
			return "", false, err
		}
		if strings.TrimSpace(x) == "" {
			return "", false, nil
		}
		items = strings.Split(x, rules.Separator)
	case json.Number:
		items = []string{x.String()}
	case []string:
		items = x
	case []any:
		if len(x) == 0 {
			return "", false, nil
		}
		for i, it := range x {
			switch e := it.(type) {
			case string:
				items = append(items, e)
			case json.Number:
				items = append(items, e.String())
			default:
				return "", false, fmt.Errorf("item %d must be text, got %s", i+1, kind(it))
			}
		}
	default:
		return "", false, fmt.Errorf("must be text or a list, got %s", kind(v))
	}
	out := make([]string, 0, len(items))
	seen := make(map[string]bool, len(items))
	for i, raw := range items {
		item := strings.TrimSpace(raw)
		if item == "" {
			return "", false, fmt.Errorf("item %d is blank: separate items with %q and leave none empty", i+1, rules.Separator)
		}
		if err := checkText(item, false); err != nil {
			return "", false, fmt.Errorf("item %d %v", i+1, err)
		}
		if strings.Contains(item, rules.Separator) {
			return "", false, fmt.Errorf("item %d %q holds the separator %q", i+1, item, rules.Separator)
		}
		if rules.itemRE != nil && !rules.itemRE.MatchString(item) {
			msg := rules.ItemPatternError
			if msg == "" {
				msg = "does not match " + rules.ItemPattern
			}
			return "", false, fmt.Errorf("item %d (%q) %s", i+1, item, msg)
		}
		if !seen[item] {
			seen[item] = true
			out = append(out, item)
		}
	}
	if rules.MaxItems != nil && len(out) > *rules.MaxItems {
		return "", false, fmt.Errorf("holds %d items; at most %d are allowed in one call", len(out), *rules.MaxItems)
	}
	return strings.Join(out, rules.Separator), true, nil
}

// checkListRules checks a parameter's list rules when the manifest loads and compiles its
// item pattern.
func checkListRules(p *Param, pp string, add func(ptr, format string, args ...any)) {
	v := p.Validation
	if v == nil {
		return
	}
	if v.Separator == "" {
		if v.MaxItems != nil || v.ItemPattern != "" || v.ItemPatternError != "" {
			add(pp+"/validation", "maxItems, itemPattern and itemPatternError need a separator")
		}
		return
	}
	switch p.Type {
	case "text", "textarea":
	default:
		add(pp+"/validation/separator", "only a text parameter can be a list, not %s", p.Type)
	}
	if strings.TrimSpace(v.Separator) == "" {
		add(pp+"/validation/separator", "the separator must not be blank")
	}
	if v.ItemPattern != "" {
		re, err := compileRegexp(v.ItemPattern)
		if err != nil {
			add(pp+"/validation/itemPattern", "item pattern does not compile: %v", err)
			return
		}
		v.itemRE = re
	}
}
