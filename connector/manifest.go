// Package connector is the generic FortiSOAR connector runtime: it loads and checks a manifest
// (info.json), derives a JSON Schema for every operation's parameters, keeps the registry of
// operation handlers and executes validated calls. It knows nothing of any vendor API.
package connector

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// Manifest is a connector's info.json.
type Manifest struct {
	Name          string        `json:"name"`
	Label         string        `json:"label"`
	Version       string        `json:"version"`
	Description   string        `json:"description"`
	Publisher     string        `json:"publisher"`
	CSApproved    bool          `json:"cs_approved"`
	CSCompatible  bool          `json:"cs_compatible"`
	Category      string        `json:"category"`
	IconSmallName string        `json:"icon_small_name"`
	IconLargeName string        `json:"icon_large_name"`
	HelpOnline    string        `json:"help_online,omitempty"`
	Tags          []string      `json:"tags,omitempty"`
	Configuration Configuration `json:"configuration"`
	Operations    []*Operation  `json:"operations"`

	// IngestionSupported and IngestionModes offer the connector to FortiSOAR's data
	// ingestion wizard.
	IngestionSupported bool     `json:"ingestion_supported,omitempty"`
	IngestionModes     []string `json:"ingestion_modes,omitempty"`

	byName       map[string]*Operation
	configByName map[string]*Param
	configSchema *jsonschema.Schema
	earlier      []string // versions served besides Version (AcceptVersions)
}

// Configuration lists the fields of a connector configuration.
type Configuration struct {
	Fields []*Param `json:"fields"`
}

// Operation is one action of the connector.
type Operation struct {
	Name                    string          `json:"operation"`
	Title                   string          `json:"title"`
	Description             string          `json:"description"`
	Category                string          `json:"category"`
	Annotation              string          `json:"annotation"`
	Enabled                 bool            `json:"enabled"`
	Visible                 *bool           `json:"visible,omitempty"`
	Parameters              []*Param        `json:"parameters"`
	OutputSchema            json.RawMessage `json:"output_schema"`
	ConditionalOutputSchema json.RawMessage `json:"conditional_output_schema,omitempty"`

	schema *jsonschema.Schema
	params map[string]*Param
	none   *noParams // set by Load
}

// Param is an operation parameter or a configuration field.
type Param struct {
	Name        string              `json:"name"`
	Title       string              `json:"title"`
	Type        string              `json:"type"`
	Description string              `json:"description"`
	Tooltip     string              `json:"tooltip,omitempty"`
	Placeholder string              `json:"placeholder,omitempty"`
	Required    bool                `json:"required"`
	Editable    *bool               `json:"editable,omitempty"`
	Visible     *bool               `json:"visible,omitempty"`
	Value       any                 `json:"value,omitempty"`
	Options     []string            `json:"options,omitempty"`
	OnChange    map[string][]*Param `json:"onchange,omitempty"`
	Validation  *Validation         `json:"validation,omitempty"`
}

// Validation holds a parameter's value rules. Pattern and PatternError are FortiSOAR's (its
// form applies the pattern to the whole text); the numeric and length bounds and the list
// rules are this runtime's extension.
type Validation struct {
	Pattern      string   `json:"pattern,omitempty"`
	PatternError string   `json:"patternError,omitempty"`
	Minimum      *float64 `json:"minimum,omitempty"`
	Maximum      *float64 `json:"maximum,omitempty"`
	MinLength    *int     `json:"minLength,omitempty"`
	MaxLength    *int     `json:"maxLength,omitempty"`

	// Separator makes a text parameter a list: its items are separated by Separator (a JSON
	// list of items is accepted too), no item may be blank, each must match ItemPattern and
	// there may be at most MaxItems. The value is normalised to the items joined by
	// Separator, trimmed, duplicates removed.
	Separator        string `json:"separator,omitempty"`
	MaxItems         *int   `json:"maxItems,omitempty"`
	ItemPattern      string `json:"itemPattern,omitempty"`
	ItemPatternError string `json:"itemPatternError,omitempty"`

	itemRE *regexp.Regexp // ItemPattern compiled at load
}

// Operation returns the operation named name, or nil.
func (m *Manifest) Operation(name string) *Operation { return m.byName[name] }

// ConfigField returns the configuration field named name (onchange fields included), or nil.
func (m *Manifest) ConfigField(name string) *Param { return m.configByName[name] }

// Param returns the operation's parameter named name, or nil.
func (o *Operation) Param(name string) *Param { return o.params[name] }

// ManifestError lists every problem found in a manifest, each with its JSON pointer.
type ManifestError struct {
	Problems []Problem
}

// Problem is one manifest violation.
type Problem struct {
	Pointer string // JSON pointer into the manifest, e.g. /operations/3/category
	Message string
}

func (e *ManifestError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid manifest: %d problem(s)", len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s: %s", p.Pointer, p.Message)
	}
	return b.String()
}

// Load checks data against the manifest schema (schemaJSON), decodes it strictly and checks
// what a schema cannot express: unique operation and parameter names, defaults and onchange
// keys among a select's options, compilable patterns. It also compiles every operation's
// parameter schema, so a manifest that loads is ready to validate calls.
func Load(data, schemaJSON []byte) (*Manifest, error) {
	schema, err := compileSchema("info.schema.json", schemaJSON)
	if err != nil {
		return nil, fmt.Errorf("manifest schema: %w", err)
	}
	if err := validateOnce(schema, schemaJSON, data); err != nil {
		var ve *jsonschema.ValidationError
		var me *ManifestError
		switch {
		case errors.As(err, &ve):
			return nil, &ManifestError{Problems: schemaProblems(ve)}
		case errors.As(err, &me):
			return nil, me
		}
		return nil, fmt.Errorf("validate manifest: %w", err)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, &ManifestError{Problems: []Problem{{Pointer: "", Message: err.Error()}}}
	}
	if problems := m.check(); len(problems) > 0 {
		return nil, &ManifestError{Problems: problems}
	}
	cs, err := compileSchema("params/configuration.json", mustJSON(ParamsSchema(m.Configuration.Fields)))
	if err != nil {
		return nil, &ManifestError{Problems: []Problem{{Pointer: "/configuration/fields", Message: err.Error()}}}
	}
	m.configSchema = cs
	for i, op := range m.Operations {
		s, err := compileSchema("params/"+op.Name+".json", mustJSON(ParamsSchema(op.Parameters)))
		if err != nil {
			return nil, &ManifestError{Problems: []Problem{{Pointer: fmt.Sprintf("/operations/%d/parameters", i), Message: err.Error()}}}
		}
		op.schema, op.none = s, &noParams{}
	}
	return &m, nil
}

// check runs the semantic checks and indexes operations and parameters.
func (m *Manifest) check() []Problem {
	var problems []Problem
	add := func(ptr, format string, args ...any) {
		problems = append(problems, Problem{Pointer: ptr, Message: fmt.Sprintf(format, args...)})
	}
	m.byName = make(map[string]*Operation, len(m.Operations))
	first := map[string]int{}
	for i, op := range m.Operations {
		ptr := fmt.Sprintf("/operations/%d", i)
		if j, dup := first[op.Name]; dup {
			add(ptr+"/operation", "duplicate operation %q (first at /operations/%d)", op.Name, j)
			continue
		}
		first[op.Name] = i
		m.byName[op.Name] = op
		op.params = make(map[string]*Param, len(op.Parameters))
		checkParams(op.Parameters, ptr+"/parameters", op.params, add)
		var shape any
		if err := json.Unmarshal(op.OutputSchema, &shape); err != nil {
			add(ptr+"/output_schema", "not valid JSON: %v", err)
		}
	}
	m.configByName = map[string]*Param{}
	checkParams(m.Configuration.Fields, "/configuration/fields", m.configByName, add)
	return problems
}

func checkParams(params []*Param, ptr string, index map[string]*Param, add func(string, string, ...any)) {
	for i, p := range params {
		pp := fmt.Sprintf("%s/%d", ptr, i)
		if _, dup := index[p.Name]; dup {
			add(pp+"/name", "duplicate parameter %q", p.Name)
		}
		index[p.Name] = p
		opts := map[string]bool{}
		for _, o := range p.Options {
			opts[o] = true
		}
		if p.Type == "select" && p.Value != nil {
			if s, ok := p.Value.(string); !ok || !opts[s] {
				add(pp+"/value", "default %v is not among the options %q", p.Value, p.Options)
			}
		} else if p.Value != nil {
			if _, given, err := coerce(p, p.Value); err != nil {
				add(pp+"/value", "default %v does not fit the parameter: %v", p.Value, err)
			} else if !given && p.Required {
				add(pp+"/value", "a required parameter's default must not be blank")
			}
		}
		for key := range p.OnChange {
			if !opts[key] {
				add(pp+"/onchange/"+key, "onchange key %q is not among the options %q", key, p.Options)
			}
		}
		if v := p.Validation; v != nil && v.Pattern != "" {
			if _, err := compileRegexp(v.Pattern); err != nil {
				add(pp+"/validation/pattern", "pattern does not compile: %v", err)
			}
		}
		checkListRules(p, pp, add)
		for _, key := range sortedKeys(p.OnChange) {
			checkParams(p.OnChange[key], pp+"/onchange/"+key, index, add)
		}
	}
}

// schemaProblems flattens a validation error tree into its leaves.
func schemaProblems(ve *jsonschema.ValidationError) []Problem {
	var out []Problem
	for _, e := range SchemaLeaves(ve) {
		out = append(out, Problem{Pointer: e.InstanceLocation, Message: e.Message})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}

func compileSchema(name string, schemaJSON []byte) (*jsonschema.Schema, error) {
	key := name + "\x00" + string(schemaJSON)
	if s, ok := compiled.get(key); ok {
		return s, nil
	}
	c, err := NewSchemaCompiler(name, schemaJSON)
	if err != nil {
		return nil, err
	}
	c.AssertFormat = true
	s, err := c.Compile(name)
	if err == nil {
		compiled.put(key, s)
	}
	return s, err
}

// Loading a manifest is costly (validating it against its schema and compiling a schema per
// operation: 90 ms here, 400 ms under the race detector) and every connector in a process
// loads the same one, so both results are kept by their content. A compiled schema is
// immutable and safe for concurrent use; a validation that passed passes again.
var (
	compiled  = memo[*jsonschema.Schema]{max: 1024}
	validated = memo[struct{}]{max: 64}
	patterns  = memo[*regexp.Regexp]{max: 4096}
)

// compileRegexp is regexp.Compile, kept by pattern (a Regexp is safe for concurrent use).
func compileRegexp(pattern string) (*regexp.Regexp, error) {
	if re, ok := patterns.get(pattern); ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err == nil {
		patterns.put(pattern, re)
	}
	return re, err
}

// validateOnce validates data against schema (compiled from schemaJSON), unless the same
// data already passed the same schema.
func validateOnce(schema *jsonschema.Schema, schemaJSON, data []byte) error {
	h := sha256.New()
	h.Write(schemaJSON)
	h.Write([]byte{0})
	h.Write(data)
	key := string(h.Sum(nil))
	if _, ok := validated.get(key); ok {
		return nil
	}
	var doc any
	if err := decodeJSON(data, &doc); err != nil {
		return &ManifestError{Problems: []Problem{{Pointer: "", Message: "not valid JSON: " + err.Error()}}}
	}
	if err := schema.Validate(doc); err != nil {
		return err
	}
	validated.put(key, struct{}{})
	return nil
}

// memo is a bounded concurrent map of results by content; past max entries it keeps what
// it has (fuzzing loads endless distinct manifests) and computes the rest every time.
type memo[V any] struct {
	mu  sync.RWMutex
	m   map[string]V
	max int
}

func (c *memo[V]) get(key string) (V, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *memo[V]) put(key string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]V{}
	}
	if len(c.m) < c.max {
		c.m[key] = v
	}
}

func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ValidateConfig coerces and validates a configuration's values against the manifest's
// configuration fields, by the same rules as operation params.
func (m *Manifest) ValidateConfig(raw map[string]any) (Params, error) {
	return validateParams(allParams(m.Configuration.Fields), m.configSchema, raw)
}

func mustJSON(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings, numbers and slices: cannot fail
	}
	return raw
}
