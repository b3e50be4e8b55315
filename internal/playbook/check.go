package playbook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// SchemaPath is the playbook schema's path inside the connector's embedded files.
const SchemaPath = "schemas/playbook.schema.json"

// Schema validates workflows and collections against the playbook JSON Schema.
type Schema struct {
	workflow, collection *jsonschema.Schema
}

// SchemaError lists every schema violation of one document, each with its JSON pointer.
type SchemaError struct {
	Problems []string
}

func (e *SchemaError) Error() string {
	return "schema violation(s):\n  " + strings.Join(e.Problems, "\n  ")
}

// CompileSchema compiles the playbook schema (schemas/playbook.schema.json).
func CompileSchema(schemaJSON []byte) (*Schema, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("playbook.schema.json", bytes.NewReader(schemaJSON)); err != nil {
		return nil, fmt.Errorf("playbook schema: %w", err)
	}
	w, err := c.Compile("playbook.schema.json#/$defs/workflow")
	if err != nil {
		return nil, fmt.Errorf("playbook schema: workflow: %w", err)
	}
	col, err := c.Compile("playbook.schema.json#/$defs/collection")
	if err != nil {
		return nil, fmt.Errorf("playbook schema: collection: %w", err)
	}
	return &Schema{workflow: w, collection: col}, nil
}

// ValidateWorkflow validates one workflow document.
func (s *Schema) ValidateWorkflow(data []byte) error { return validate(s.workflow, data) }

// ValidateCollection validates a workflow collection export.
func (s *Schema) ValidateCollection(data []byte) error { return validate(s.collection, data) }

func validate(s *jsonschema.Schema, data []byte) error {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	err := s.Validate(doc)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var problems []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			problems = append(problems, fmt.Sprintf("%s: %s", orRoot(e.InstanceLocation), e.Message))
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.Strings(problems)
	return &SchemaError{Problems: problems}
}

func orRoot(ptr string) string {
	if ptr == "" {
		return "/"
	}
	return ptr
}

// DestructiveOperations maps each operation that changes agents or threats to the
// parameters that narrow it. A bundled playbook must bind one of them to a required input,
// so it never acts on every agent or threat by default.
var DestructiveOperations = map[string][]string{
	"agent_action":               {"ids", "groupIds"},
	"reconnect_agent_network":    {"ids"},
	"broadcast_message_to_agent": {"ids"},
	"initiate_agent_scan":        {"ids"},
	"abort_agent_scan":           {"ids"},
	"fetch_agent_logs":           {"ids"},
	"mitigate_threats":           {"threat_id"},
	"mark_threat_as_benign":      {"threat_id"},
	"commission_agent":           {"agent_id"},
	"update_analyst_verdict":     {"threat_id"},
	"change_incident_status":     {"threat_id"},
	"add_note_to_a_threat":       {"threat_id"},
	"create_blacklist_item":      {"hash"},
	"delete_blacklist_item":      {"hash", "entry_id"},
	"create_exclusion":           {"value"},
	"delete_exclusion":           {"value", "entry_id"},
}

// Problem is one cross-check finding.
type Problem struct {
	Workflow string // workflow name
	At       string // where: a step, route or field
	Message  string
}

func (p Problem) String() string {
	if p.At == "" {
		return fmt.Sprintf("%s: %s", p.Workflow, p.Message)
	}
	return fmt.Sprintf("%s: %s: %s", p.Workflow, p.At, p.Message)
}

type checker struct {
	m        *connector.Manifest
	w        *Workflow
	problems []Problem
	inputs   map[string]InputVariable
	used     map[string]bool
}

func (c *checker) addf(at, format string, args ...any) {
	c.problems = append(c.problems, Problem{Workflow: c.w.Name, At: at, Message: fmt.Sprintf(format, args...)})
}

// CheckWorkflow cross-checks w against the manifest m: the trigger step is a start step;
// step and route uuids are unique; every route joins existing steps; every step is
// reachable from the trigger; the collection IRI names collectionUUID (when not empty);
// every connector step names m's connector and version, an existing operation and its
// title, only declared params, every required param, select values among the options
// (an expression is exempt but must read an existing input, whose options must be among
// the param's); literal values pass the connector's own param rules; expressions read only
// declared inputs and existing steps; destructive operations are narrowed by a required
// input (see DestructiveOperations); every input is used; and the runner can execute it.
func CheckWorkflow(m *connector.Manifest, w *Workflow, collectionUUID string) []Problem {
	c := &checker{m: m, w: w, inputs: map[string]InputVariable{}, used: map[string]bool{}}
	c.structure(collectionUUID)
	inputs, err := w.Inputs()
	if err != nil {
		c.addf("triggerStep", "%v", err)
	}
	for _, in := range inputs {
		if _, dup := c.inputs[in.Name]; dup {
			c.addf("inputVariables", "input %q is declared twice", in.Name)
		}
		c.inputs[in.Name] = in
	}
	for _, s := range w.Steps {
		c.templates(s)
		if s.StepType == StepTypeConnector {
			c.connectorStep(s)
		}
	}
	for _, in := range inputs {
		if !c.used[in.Name] {
			c.addf("inputVariables", "input %q is never used", in.Name)
		}
	}
	if err := CheckRunnable(w); err != nil {
		c.addf("", "the offline runner cannot execute it: %v", err)
	}
	return c.problems
}

func (c *checker) structure(collectionUUID string) {
	w := c.w
	if collectionUUID != "" && w.Collection != CollectionIRIPrefix+collectionUUID {
		c.addf("collection", "%q does not name collection %s", w.Collection, collectionUUID)
	}
	trigger := w.Trigger()
	switch {
	case trigger == nil:
		c.addf("triggerStep", "%q names no step", w.TriggerStep)
	case !trigger.IsStart():
		c.addf("triggerStep", "step %q is not a start step (type %s)", trigger.Name, trigger.StepType)
	}
	uuids := map[string]string{}
	names := map[string]bool{}
	for _, s := range w.Steps {
		if prev, dup := uuids[s.UUID]; dup {
			c.addf("step "+s.Name, "uuid %s is also used by %s", s.UUID, prev)
		}
		uuids[s.UUID] = "step " + s.Name
		if names[s.VarName()] {
			c.addf("step "+s.Name, "another step has the same name (vars.steps.%s)", s.VarName())
		}
		names[s.VarName()] = true
		if s.IsStart() && s != trigger {
			c.addf("step "+s.Name, "start step is not the trigger step")
		}
	}
	for _, r := range w.Routes {
		if prev, dup := uuids[r.UUID]; dup {
			c.addf("route "+r.Name, "uuid %s is also used by %s", r.UUID, prev)
		}
		uuids[r.UUID] = "route " + r.Name
		if w.StepByIRI(r.SourceStep) == nil {
			c.addf("route "+r.Name, "sourceStep %q names no step", r.SourceStep)
		}
		if w.StepByIRI(r.TargetStep) == nil {
			c.addf("route "+r.Name, "targetStep %q names no step", r.TargetStep)
		}
	}
	if trigger == nil {
		return
	}
	reached := map[string]bool{trigger.IRI(): true}
	queue := []string{trigger.IRI()}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, r := range w.Routes {
			if r.SourceStep == cur && !reached[r.TargetStep] {
				reached[r.TargetStep] = true
				queue = append(queue, r.TargetStep)
			}
		}
	}
	for _, s := range w.Steps {
		if !reached[s.IRI()] {
			c.addf("step "+s.Name, "not reachable from the trigger step")
		}
	}
}

// templates checks every expression in the step's arguments and records the inputs read.
func (c *checker) templates(s *Step) {
	args, err := ParseValue(map[string]any(s.Arguments), "")
	if err != nil {
		c.addf("step "+s.Name, "%v", err)
		return
	}
	for at, t := range args.Templates() {
		if s.IsStart() && strings.HasPrefix(at, "step_variables.") {
			continue // a start step's step_variables only re-expose its inputs
		}
		for _, ref := range t.Refs() {
			c.ref(s, at, ref)
		}
	}
}

func (c *checker) ref(s *Step, at string, ref []string) {
	if len(ref) < 2 {
		return
	}
	switch ref[1] {
	case "input":
		if len(ref) >= 4 && ref[2] == "params" {
			if _, ok := c.inputs[ref[3]]; !ok {
				c.addf("step "+s.Name, "%s reads vars.input.params.%s, which the start step does not declare", at, ref[3])
				return
			}
			c.used[ref[3]] = true
		}
	case "steps":
		if len(ref) < 3 {
			return
		}
		for _, o := range c.w.Steps {
			if o.VarName() == ref[2] {
				return
			}
		}
		c.addf("step "+s.Name, "%s reads vars.steps.%s, but no step has that name", at, ref[2])
	}
}

func (c *checker) connectorStep(s *Step) {
	at := "step " + s.Name
	call, err := s.Connector()
	if err != nil {
		c.addf(at, "%v", err)
		return
	}
	if call.Connector != c.m.Name {
		c.addf(at, "connector %q, want %q", call.Connector, c.m.Name)
	}
	if call.Version == "" || !c.m.Serves(call.Version) {
		c.addf(at, "connector version %q, want %q (the manifest's)", call.Version, c.m.Version)
	}
	op := c.m.Operation(call.Operation)
	if op == nil {
		c.addf(at, "connector %s has no operation %q", c.m.Name, call.Operation)
		return
	}
	if call.OperationTitle != op.Title {
		c.addf(at, "operationTitle %q, want %q (the manifest's title of %s)", call.OperationTitle, op.Title, op.Name)
	}
	literals := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(call.Params)) {
		v := call.Params[name]
		p := op.Param(name)
		if p == nil {
			c.addf(at, "param %q is not declared by operation %s", name, op.Name)
			continue
		}
		if s, ok := v.(string); ok && IsTemplate(s) {
			c.expressionParam(at, p, s)
			continue
		}
		literals[name] = v
		c.optionsParam(at, p, v)
	}
	for _, p := range activeParams(op.Parameters, call.Params) {
		if p.Required && empty(call.Params[p.Name]) {
			c.addf(at, "required param %q (%s) is missing", p.Name, p.Title)
		}
	}
	if _, err := op.ValidateParams(literals); err != nil {
		var pe connector.ParamErrors
		if errors.As(err, &pe) {
			for _, e := range pe {
				if _, lit := literals[e.Param]; lit {
					c.addf(at, "param %s", e.Error())
				}
			}
		}
	}
	if narrow, ok := DestructiveOperations[op.Name]; ok && !c.narrowed(call.Params, narrow) {
		c.addf(at, "destructive operation %s is not narrowed: bind one of %q to a required input", op.Name, narrow)
	}
}

// expressionParam checks a param whose value is an expression.
func (c *checker) expressionParam(at string, p *connector.Param, src string) {
	t, err := ParseTemplate(src)
	if err != nil {
		return // reported by templates
	}
	if p.Type != "select" && p.Type != "multiselect" {
		return
	}
	var read []string
	for _, ref := range t.Refs() {
		if len(ref) >= 4 && ref[1] == "input" && ref[2] == "params" {
			read = append(read, ref[3])
		}
	}
	if len(read) == 0 {
		c.addf(at, "param %q: expression %q reads no input variable of the start step", p.Name, src)
	}
	for _, name := range read {
		in, ok := c.inputs[name]
		if !ok {
			continue // reported by templates
		}
		for _, o := range in.Options {
			if !slices.Contains(p.Options, o) {
				c.addf(at, "param %q: input %q offers %q, which is not among the options %q", p.Name, name, o, p.Options)
			}
		}
	}
}

// optionsParam checks a literal select or multiselect value against the options.
func (c *checker) optionsParam(at string, p *connector.Param, v any) {
	var values []string
	switch p.Type {
	case "select":
		s, _ := v.(string)
		if s == "" {
			return
		}
		values = []string{s}
	case "multiselect":
		var err error
		if values, err = p.SplitOptions(v); err != nil {
			return // reported by the connector's own rules (ValidateParams)
		}
	default:
		return
	}
	for _, s := range values {
		if !slices.Contains(p.Options, s) {
			c.addf(at, "param %q: %q is not among the options %q", p.Name, s, p.Options)
		}
	}
}

// narrowed reports whether one of the narrowing params is bound to a required input or a
// non-empty literal.
func (c *checker) narrowed(params map[string]any, narrow []string) bool {
	for _, name := range narrow {
		v, ok := params[name]
		if !ok || empty(v) {
			continue
		}
		s, isStr := v.(string)
		if !isStr || !IsTemplate(s) {
			return true
		}
		t, err := ParseTemplate(s)
		if err != nil {
			continue
		}
		for _, ref := range t.Refs() {
			if len(ref) == 4 && ref[1] == "input" && ref[2] == "params" && c.inputs[ref[3]].Required {
				return true
			}
		}
	}
	return false
}

// activeParams lists params and the onchange params of literal select values chosen.
func activeParams(params []*connector.Param, values map[string]any) []*connector.Param {
	var out []*connector.Param
	for _, p := range params {
		out = append(out, p)
		if s, ok := values[p.Name].(string); ok && p.OnChange[s] != nil {
			out = append(out, activeParams(p.OnChange[s], values)...)
		}
	}
	return out
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	}
	return false
}

// CheckCollection cross-checks every workflow of a collection export (CheckWorkflow with
// the collection's uuid) and that workflow names and uuids are unique across it.
func CheckCollection(m *connector.Manifest, col *Collection) []Problem {
	var problems []Problem
	names, uuids := map[string]bool{}, map[string]string{}
	for _, item := range col.Data {
		for _, w := range item.Workflows {
			if names[w.Name] {
				problems = append(problems, Problem{Workflow: w.Name, Message: "another workflow of the collection has the same name"})
			}
			names[w.Name] = true
			ids := []string{w.UUID}
			for _, s := range w.Steps {
				ids = append(ids, s.UUID)
			}
			for _, r := range w.Routes {
				ids = append(ids, r.UUID)
			}
			for _, id := range ids {
				if prev, dup := uuids[id]; dup && prev != w.Name {
					problems = append(problems, Problem{Workflow: w.Name, Message: fmt.Sprintf("uuid %s is also used by workflow %q", id, prev)})
				}
				uuids[id] = w.Name
			}
			problems = append(problems, CheckWorkflow(m, w, item.UUID)...)
		}
	}
	return problems
}

// Checker checks a directory of playbooks: schema, cross-checks and collection freshness.
type Checker struct {
	manifest *connector.Manifest
	schema   *Schema
}

// NewChecker returns a Checker for manifest m and the playbook schema schemaJSON.
func NewChecker(m *connector.Manifest, schemaJSON []byte) (*Checker, error) {
	s, err := CompileSchema(schemaJSON)
	if err != nil {
		return nil, err
	}
	return &Checker{manifest: m, schema: s}, nil
}

// CheckFS checks every workflow file at the top of fsys (schema, then CheckWorkflow with
// CollectionUUID) and the collection file CollectionFile (schema, CheckCollection, and
// equality with what Collect builds). It returns every finding, prefixed with its file.
func (c *Checker) CheckFS(fsys fs.FS) ([]string, error) {
	files, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, fmt.Errorf("list playbooks: %w", err)
	}
	var out []string
	haveCollection := false
	for _, file := range files {
		raw, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("read playbook: %w", err)
		}
		if file == CollectionFile {
			haveCollection = true
			out = append(out, c.checkCollection(fsys, raw)...)
			continue
		}
		if err := c.schema.ValidateWorkflow(raw); err != nil {
			out = append(out, fmt.Sprintf("%s: %v", file, err))
			continue
		}
		w, err := Parse(raw)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", file, err))
			continue
		}
		for _, p := range CheckWorkflow(c.manifest, w, CollectionUUID) {
			out = append(out, fmt.Sprintf("%s: %s", file, p))
		}
	}
	if !haveCollection {
		out = append(out, CollectionFile+": missing: run `make playbooks`")
	}
	return out, nil
}

func (c *Checker) checkCollection(fsys fs.FS, raw []byte) []string {
	if err := c.schema.ValidateCollection(raw); err != nil {
		return []string{fmt.Sprintf("%s: %v", CollectionFile, err)}
	}
	var out []string
	col, err := ParseCollection(raw)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", CollectionFile, err)}
	}
	for _, p := range CheckCollection(c.manifest, col) {
		out = append(out, fmt.Sprintf("%s: %s", CollectionFile, p))
	}
	want, err := Collect(fsys)
	if err != nil {
		return append(out, fmt.Sprintf("%s: %v", CollectionFile, err))
	}
	if !bytes.Equal(raw, want) {
		out = append(out, fmt.Sprintf("%s: out of date with the playbook files: run `make playbooks`", CollectionFile))
	}
	return out
}
