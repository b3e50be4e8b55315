package configstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// MaxNameLen is the longest configuration name, in characters.
const MaxNameLen = 128

// input is one create or update request in FortiSOAR's configuration API shape. A nil
// pointer or map means the field was absent (or null).
type input struct {
	id        *string
	name      *string
	isDefault *bool
	active    *bool
	config    map[string]any
	ops       map[string]bool
	// newDefault names (id or name) the configuration that takes the default over when this
	// one stops being it, in the same change.
	newDefault *string
}

// readOnlyFields may appear in a request (a GET, create or update answer sent back) and are
// ignored.
var readOnlyFields = map[string]bool{"created": true, "updated": true, "message": true, "changes": true}

var inputFields = []string{"config_id", "name", "connector_name", "connector_version", "default", "active", "config", "operations", "new_default"}

func invalid(field, format string, args ...any) error {
	return connector.Errorf(connector.KindInvalid, "invalid configuration: %s: %s", field, fmt.Sprintf(format, args...))
}

// parseInput decodes and type-checks a request body; the value rules of config are checked
// later, once the stored values are merged in.
func parseInput(m *connector.Manifest, body map[string]json.RawMessage) (*input, error) {
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
			quoteList(unknown), strings.Join(inputFields, ", "))
	}
	present := func(k string) (json.RawMessage, bool) {
		raw, ok := body[k]
		if !ok || string(bytes.TrimSpace(raw)) == "null" {
			return nil, false
		}
		return raw, true
	}
	in := &input{}
	if raw, ok := present("config_id"); ok {
		var id string
		if json.Unmarshal(raw, &id) != nil {
			return nil, invalid("config_id", "must be a string")
		}
		if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
			return nil, invalid("config_id", "must be a UUID such as 0b6f8a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b, got %q", clip(id))
		}
		id = strings.ToLower(id)
		in.id = &id
	}
	if raw, ok := present("name"); ok {
		var name string
		if json.Unmarshal(raw, &name) != nil {
			return nil, invalid("name", "must be a string")
		}
		name = strings.TrimSpace(name)
		if err := checkName(name); err != nil {
			return nil, err
		}
		in.name = &name
	}
	for _, f := range []struct{ name, want string }{{"connector_name", m.Name}, {"connector_version", m.Version}} {
		raw, ok := present(f.name)
		if !ok {
			continue
		}
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return nil, invalid(f.name, "must be a string")
		}
		if ok := v == f.want || (f.name == "connector_version" && m.Serves(v)); !ok {
			return nil, invalid(f.name, "is %q but this server runs %s %s", clip(v), m.Name, m.Version)
		}
	}
	for _, f := range []struct {
		name string
		dst  **bool
	}{{"default", &in.isDefault}, {"active", &in.active}} {
		raw, ok := present(f.name)
		if !ok {
			continue
		}
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return nil, invalid(f.name, "must be true or false")
		}
		*f.dst = &b
	}
	if raw, ok := present("new_default"); ok {
		var ref string
		if json.Unmarshal(raw, &ref) != nil || strings.TrimSpace(ref) == "" {
			return nil, invalid("new_default", "must be the id or name of another configuration")
		}
		ref = strings.TrimSpace(ref)
		in.newDefault = &ref
	}
	if raw, ok := present("config"); ok {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var cfg map[string]any
		if dec.Decode(&cfg) != nil {
			return nil, invalid("config", "must be an object of configuration field names to values")
		}
		in.config = cfg
	}
	if raw, ok := present("operations"); ok {
		ops, err := parseOperations(m, raw)
		if err != nil {
			return nil, err
		}
		in.ops = ops
	}
	return in, nil
}

func checkName(name string) error {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return invalid("name", "must not be empty")
	case n > MaxNameLen:
		return invalid("name", "must be at most %d characters, got %d", MaxNameLen, n)
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return invalid("name", "must be printable text without control characters")
	}
	return nil
}

func parseOperations(m *connector.Manifest, raw json.RawMessage) (map[string]bool, error) {
	var vals map[string]json.RawMessage
	if json.Unmarshal(raw, &vals) != nil {
		return nil, invalid("operations", "must be an object of operation names to true (enabled) or false (disabled)")
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
			return nil, invalid("operations."+name, "must be true or false")
		}
		ops[name] = b
	}
	if len(unknown) > 0 {
		return nil, invalid("operations", "unknown operation(s) %s", quoteList(unknown))
	}
	return ops, nil
}

// applyOperations returns the disabled list after ops, in manifest order.
func applyOperations(m *connector.Manifest, disabled []string, ops map[string]bool) []string {
	off := map[string]bool{}
	for _, d := range disabled {
		off[d] = true
	}
	for name, on := range ops {
		off[name] = !on
	}
	var out []string
	for _, op := range m.Operations {
		if off[op.Name] {
			out = append(out, op.Name)
		}
	}
	return out
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", clip(n))
	}
	return strings.Join(q, ", ")
}

// clip shortens user text echoed in an error.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 64 {
		return s
	}
	return string([]rune(s)[:64]) + "…"
}
