package connector_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// declared lists params and the params of their onchange branches, as validation sees them.
func declared(params []*connector.Param) []*connector.Param {
	var out []*connector.Param
	for _, p := range params {
		out = append(out, p)
		for _, branch := range p.OnChange {
			out = append(out, declared(branch)...)
		}
	}
	return out
}

// checkValidated asserts what a successful validation promises: only declared params, each
// with the Go type of its manifest type and within its rules, and every required one present.
func checkValidated(t *testing.T, op *connector.Operation, got connector.Params) {
	t.Helper()
	byName := map[string]*connector.Param{}
	for _, p := range declared(op.Parameters) {
		byName[p.Name] = p
	}
	for name, v := range got {
		p := byName[name]
		if p == nil {
			t.Fatalf("%s: undeclared param %q in the result", op.Name, name)
		}
		checkValue(t, op.Name, p, v)
	}
	for _, p := range byName {
		if _, ok := got[p.Name]; p.Required && !ok {
			t.Fatalf("%s: required param %q is missing from the result %v", op.Name, p.Name, got)
		}
	}
}

func checkValue(t *testing.T, opName string, p *connector.Param, v any) {
	t.Helper()
	fail := func(why string) { t.Fatalf("%s: %s (%s) = %#v: %s", opName, p.Name, p.Type, v, why) }
	var num float64
	var text string
	isNum, isText := false, false
	switch p.Type {
	case "integer":
		n, ok := v.(int64)
		if !ok {
			fail("want int64")
		}
		num, isNum = float64(n), true
	case "decimal":
		f, ok := v.(float64)
		if !ok {
			fail("want float64")
		}
		num, isNum = f, true
	case "checkbox":
		if _, ok := v.(bool); !ok {
			fail("want bool")
		}
	case "select":
		s, ok := v.(string)
		if !ok || !contains(p.Options, s) {
			fail("want one of the options")
		}
		text, isText = s, true
	case "multiselect":
		list, ok := v.([]string)
		if !ok || len(list) == 0 {
			fail("want a non-empty []string")
		}
		seen := map[string]bool{}
		for _, s := range list {
			if !contains(p.Options, s) || seen[s] {
				fail("want distinct options")
			}
			seen[s] = true
		}
	case "json":
	default:
		s, ok := v.(string)
		if !ok || strings.TrimSpace(s) == "" {
			fail("want a non-blank string")
		}
		text, isText = s, true
	}
	r := p.Validation
	if r == nil {
		return
	}
	if isNum && ((r.Minimum != nil && num < *r.Minimum) || (r.Maximum != nil && num > *r.Maximum)) {
		fail("out of bounds")
	}
	if isText {
		n := utf8.RuneCountInString(text)
		if (r.MinLength != nil && n < *r.MinLength) || (r.MaxLength != nil && n > *r.MaxLength) {
			fail("length out of bounds")
		}
		if r.Pattern != "" && !regexp.MustCompile(r.Pattern).MatchString(text) {
			fail("does not match " + r.Pattern)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// asRaw turns validated params back into the values a JSON request decoded with UseNumber
// holds, by sending them through JSON.
func asRaw(p connector.Params) map[string]any {
	raw, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		panic(err)
	}
	return out
}

// checkParamErrors asserts that a refusal is a list of invalid-parameter errors, each with a
// reason and naming a declared parameter, a given one, or the params as a whole.
func checkParamErrors(t *testing.T, opName string, params []*connector.Param, raw map[string]any, err error) {
	t.Helper()
	var pes connector.ParamErrors
	if !errors.As(err, &pes) || len(pes) == 0 || connector.KindOf(err) != connector.KindInvalid {
		t.Fatalf("%s: refusal %T %v is not a non-empty ParamErrors of kind invalid", opName, err, err)
	}
	for _, pe := range pes {
		_, given := raw[pe.Param]
		if pe.Message == "" || !(given || pe.Param == "params" || paramNamed(params, pe.Param) != nil) {
			t.Fatalf("%s: parameter error without a reason or a known name: %#v", opName, pe)
		}
	}
}

func paramNamed(params []*connector.Param, name string) *connector.Param {
	for _, p := range declared(params) {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// FuzzValidateParams validates arbitrary JSON params against the real manifest's operations
// (chosen by a byte). Validation never panics; a refusal is a ParamErrors; a success holds
// only declared params of the manifest's types, within their rules, with every required one;
// validating the result again succeeds with the same params.
func FuzzValidateParams(f *testing.F) {
	m := loadReal(f)
	ops := m.Operations
	index := map[string]uint8{}
	for i, op := range ops {
		index[op.Name] = uint8(i)
	}
	seeds := []struct {
		op   string
		json string
	}{
		{"get_agents", `{"limit":"10","skip":" 2 ","computerName__like":"","ids":null}`},
		{"get_agents", `{"limit":5,"totalMemoryGB__gt":7.5,"coreCount__lt":4.0,"isActive":"TRUE"}`},
		{"get_agents", `{"limit":"2.5","skip":"ten","totalMemoryGB__lt":"-1","includeDecommissioned":"yes","excludeids":"1"}`},
		{"get_agents", `{"limit":1e3,"totalMemoryGB__gt":"1e308","coreCount__lt":"9007199254740993","ids":"1418295327049126913, 1"}`},
		{"get_agent_count", `{"includeDecommissioned":"TRUE","isActive":"True","infected":false,"osTypes":"windows, linux,windows","networkStatuses":["connected"]}`},
		{"get_agent_count", `{"osTypes":[],"networkStatuses":"","isActive":true}`},
		{"get_hash_details", `{"hash":"da39a3ee5e6b4b0d3255bfef95601890afd80709"}`},
		{"get_hash_details", `{"hash":"abc"}`},
		{"get_threat_details", `{"threat_id":1418295327049126913}`},
		{"agent_action", `{"action":"isolate agent network","ids":"1"}`},
		{"broadcast_message_to_agent", `{"ids":"1","message":"hello"}`},
		{"get_agent_passphrase", `{"agent_id":"  "}`},
		{"list_all_threats", `{"computerName__like":{"a":1},"limit":[1]}`},
	}
	for _, s := range seeds {
		i, ok := index[s.op]
		if !ok {
			f.Fatalf("seed operation %q is not in the manifest", s.op)
		}
		f.Add(i, []byte(s.json))
	}
	f.Fuzz(func(t *testing.T, sel uint8, raw []byte) {
		op := ops[int(sel)%len(ops)]
		if !json.Valid(raw) {
			return
		}
		var params map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&params); err != nil {
			return
		}
		got, err := op.ValidateParams(params)
		if err != nil {
			checkParamErrors(t, op.Name, op.Parameters, params, err)
			return
		}
		checkValidated(t, op, got)
		again, err := op.ValidateParams(asRaw(got))
		if err != nil {
			t.Fatalf("%s: %v validated, but its result %v is refused: %v", op.Name, params, got, err)
		}
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("%s: validation is not idempotent: %v -> %v -> %v", op.Name, params, got, again)
		}
	})
}

// minimalManifest is a small valid manifest with one operation of every parameter kind, a
// quicker start for the fuzzer than the full info.json.
const minimalManifest = `{"name":"demo","label":"Demo","version":"1.0.0","description":"d","publisher":"p",
"category":"Utilities","icon_small_name":"s.png","icon_large_name":"l.png",
"configuration":{"fields":[{"name":"server","title":"Server","type":"text","description":"d","required":true},
{"name":"api_key","title":"Key","type":"password","description":"d","required":true}]},
"operations":[{"operation":"op_a","title":"A","description":"d","category":"investigation","annotation":"op_a","enabled":true,
"parameters":[{"name":"n","title":"N","type":"integer","description":"d","value":10,"validation":{"minimum":1,"maximum":100}},
{"name":"x","title":"X","type":"decimal","description":"d"},
{"name":"b","title":"B","type":"checkbox","description":"d","value":false},
{"name":"s","title":"S","type":"select","description":"d","options":["Any","true","false"],"value":"Any",
 "onchange":{"true":[{"name":"t","title":"T","type":"text","description":"d","validation":{"pattern":"^[0-9]+$","patternError":"digits","maxLength":5}}]}},
{"name":"m","title":"M","type":"multiselect","description":"d","options":["a","b"]},
{"name":"j","title":"J","type":"json","description":"d"},
{"name":"h","title":"H","type":"text","description":"d","required":true,"validation":{"minLength":2}}],
"output_schema":{"items":[{"id":""}]}}]}`

// FuzzLoad loads arbitrary manifest bytes against the real manifest schema. Loading never
// panics; a refusal is a *ManifestError (or a wrapped schema failure); a manifest that loads
// is one JSON value and indexes every operation, and each validates its defaults, an empty params set and its
// configuration without panicking, with successes keeping the validation promises.
func FuzzLoad(f *testing.F) {
	schema := readFile(f, "schemas/info.schema.json")
	info := readFile(f, "info.json")
	f.Add(info)
	f.Add([]byte(minimalManifest))
	for _, mut := range [][2]string{
		{`"operation":"op_a"`, `"operation":"op_b"`},
		{`"value":"Any"`, `"value":"Maybe"`},
		{`"value":10`, `"value":"ten"`},
		{`"value":10`, `"value":""`},
		{`"^[0-9]+$"`, `"([0-9]"`},
		{`"onchange":{"true"`, `"onchange":{"yes"`},
		{`"name":"x"`, `"name":"n"`},
		{`{"items":[{"id":""}]}`, `{"items":[{"id":1}]}`},
	} {
		f.Add([]byte(strings.Replace(minimalManifest, mut[0], mut[1], 1)))
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := connector.Load(data, schema)
		if err != nil {
			var me *connector.ManifestError
			switch {
			case errors.As(err, &me):
				if len(me.Problems) == 0 {
					t.Fatalf("ManifestError without problems")
				}
			case strings.HasPrefix(err.Error(), "validate manifest: "):
			default:
				t.Fatalf("refusal %T %v is neither a ManifestError nor a schema failure", err, err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("loaded a manifest that is not one JSON value: %q", data)
		}
		if _, err := m.ValidateConfig(map[string]any{}); err != nil {
			checkParamErrors(t, "configuration", m.Configuration.Fields, map[string]any{}, err)
		}
		for _, op := range m.Operations {
			if m.Operation(op.Name) != op {
				t.Fatalf("operation %q is not indexed", op.Name)
			}
			if !json.Valid(op.Schema()) {
				t.Fatalf("%s: parameter schema is not JSON: %s", op.Name, op.Schema())
			}
			defaults := map[string]any{}
			for _, p := range declared(op.Parameters) {
				if p.Value != nil {
					defaults[p.Name] = p.Value
				}
			}
			for _, give := range []map[string]any{{}, defaults} {
				got, err := op.ValidateParams(give)
				if err != nil {
					checkParamErrors(t, op.Name, op.Parameters, give, err)
					continue
				}
				checkValidated(t, op, got)
			}
		}
	})
}
