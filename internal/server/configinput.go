package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// MaxNameLen is the longest configuration name, in characters.
const MaxNameLen = 128

// readOnlyFields may appear in a request (a GET, create or update answer sent back) and are
// ignored.
var readOnlyFields = map[string]bool{"created": true, "updated": true, "message": true, "changes": true}

var inputFields = []string{"config_id", "name", "connector_name", "connector_version", "default", "active", "config", "operations", "new_default"}

func invalidField(field, format string, args ...any) error {
	return connector.Errorf(connector.KindInvalid, "invalid configuration: %s: %s", field, fmt.Sprintf(format, args...))
}

// DecodeConfigInput decodes and type-checks a configuration API body (or one entry of a seed
// file, which has the same shape). The value rules of config are checked by the store,
// once the stored values are merged in.
func DecodeConfigInput(m *connector.Manifest, body map[string]json.RawMessage) (*connector.ConfigInput, error) {
	known := map[string]bool{}
	for _, f := range inputFields {
		known[f] = true
	}
	var unknown []string
	for k := range body {
		if !known[k] && !readOnlyFields[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, connector.Errorf(connector.KindInvalid, "invalid configuration: unknown field(s) %s; the fields are %s",
			quoteNames(unknown), strings.Join(inputFields, ", "))
	}
	present := func(k string) (json.RawMessage, bool) {
		raw, ok := body[k]
		if !ok || string(bytes.TrimSpace(raw)) == "null" {
			return nil, false
		}
		return raw, true
	}
	in := &connector.ConfigInput{}
	if raw, ok := present("config_id"); ok {
		var id string
		if json.Unmarshal(raw, &id) != nil {
			return nil, invalidField("config_id", "must be a string")
		}
		if validate.Var(id, "uuid") != nil {
			return nil, invalidField("config_id", "must be a UUID such as 0b6f8a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b, got %q", clipText(id))
		}
		id = strings.ToLower(id)
		in.ID = &id
	}
	if raw, ok := present("name"); ok {
		var name string
		if json.Unmarshal(raw, &name) != nil {
			return nil, invalidField("name", "must be a string")
		}
		name = strings.TrimSpace(name)
		if err := checkName(name); err != nil {
			return nil, err
		}
		in.Name = &name
	}
	for _, f := range []struct{ name, want string }{{"connector_name", m.Name}, {"connector_version", m.Version}} {
		raw, ok := present(f.name)
		if !ok {
			continue
		}
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return nil, invalidField(f.name, "must be a string")
		}
		if ok := v == f.want || (f.name == "connector_version" && m.Serves(v)); !ok {
			return nil, invalidField(f.name, "is %q but this server runs %s %s", clipText(v), m.Name, m.Version)
		}
	}
	for _, f := range []struct {
		name string
		dst  **bool
	}{{"default", &in.Default}, {"active", &in.Active}} {
		raw, ok := present(f.name)
		if !ok {
			continue
		}
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return nil, invalidField(f.name, "must be true or false")
		}
		*f.dst = &b
	}
	if raw, ok := present("new_default"); ok {
		var ref string
		if json.Unmarshal(raw, &ref) != nil || strings.TrimSpace(ref) == "" {
			return nil, invalidField("new_default", "must be the id or name of another configuration")
		}
		ref = strings.TrimSpace(ref)
		in.NewDefault = &ref
	}
	if raw, ok := present("config"); ok {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var cfg map[string]any
		if dec.Decode(&cfg) != nil {
			return nil, invalidField("config", "must be an object of configuration field names to values")
		}
		in.Values = cfg
	}
	if raw, ok := present("operations"); ok {
		ops, err := parseOperations(m, raw)
		if err != nil {
			return nil, err
		}
		in.Operations = ops
	}
	return in, nil
}

// nameRules are a configuration name's length rules (validator counts characters).
var nameRules = "required,max=" + strconv.Itoa(MaxNameLen)

func checkName(name string) error {
	if err := validate.Var(name, nameRules); err != nil {
		switch n := utf8.RuneCountInString(name); {
		case n == 0:
			return invalidField("name", "must not be empty")
		case n > MaxNameLen:
			return invalidField("name", "must be at most %d characters, got %d", MaxNameLen, n)
		}
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return invalidField("name", "must be printable text without control characters")
	}
	return nil
}

func parseOperations(m *connector.Manifest, raw json.RawMessage) (map[string]bool, error) {
	var vals map[string]json.RawMessage
	if json.Unmarshal(raw, &vals) != nil {
		return nil, invalidField("operations", "must be an object of operation names to true (enabled) or false (disabled)")
	}
	var unknown []string
	ops := make(map[string]bool, len(vals))
	for _, name := range slices.Sorted(maps.Keys(vals)) {
		if m.Operation(name) == nil {
			unknown = append(unknown, name)
			continue
		}
		var b bool
		if json.Unmarshal(vals[name], &b) != nil {
			return nil, invalidField("operations."+name, "must be true or false")
		}
		ops[name] = b
	}
	if len(unknown) > 0 {
		return nil, invalidField("operations", "unknown operation(s) %s", quoteNames(unknown))
	}
	return ops, nil
}

func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", clipText(n))
	}
	return strings.Join(q, ", ")
}

// clipText shortens user text echoed in an error.
func clipText(s string) string {
	if utf8.RuneCountInString(s) <= 64 {
		return s
	}
	return string([]rune(s)[:64]) + "…"
}
