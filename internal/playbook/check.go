package playbook

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

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
	m           *connector.Manifest
	destructive map[string][]string
	w           *Workflow
	problems    []Problem
	inputs      map[string]InputVariable
	used        map[string]bool
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
// input, or by the data of an earlier step that reads one (destructive maps each destructive
// operation to the params that narrow it, as the operations' specs declare); every input is
// used; and the runner can execute it.
func CheckWorkflow(m *connector.Manifest, destructive map[string][]string, w *Workflow, collectionUUID string) []Problem {
	c := &checker{m: m, destructive: destructive, w: w, inputs: map[string]InputVariable{}, used: map[string]bool{}}
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
	if call.Connector == UtilitiesConnector {
		return // FortiSOAR's own; CheckRunnable says which of its operations the runner emulates
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
	if narrow, ok := c.destructive[op.Name]; ok && !c.narrowed(call.Params, narrow) {
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
			if len(ref) >= 3 && ref[1] == "steps" && c.stepReadsRequired(ref[2]) {
				return true
			}
		}
	}
	return false
}

// stepReadsRequired reports whether the connector step with the given variable name reads a
// required input in one of its params: its results (the hosts a hunt for a required hash
// found, say) are then as narrow as that input, and the run-time guard still bounds them.
func (c *checker) stepReadsRequired(varName string) bool {
	for _, s := range c.w.Steps {
		if s.VarName() != varName {
			continue
		}
		call, err := s.Connector()
		if err != nil {
			return false
		}
		for _, v := range call.Params {
			str, ok := v.(string)
			if !ok || !IsTemplate(str) {
				continue
			}
			t, err := ParseTemplate(str)
			if err != nil {
				continue
			}
			for _, ref := range t.Refs() {
				if len(ref) == 4 && ref[1] == "input" && ref[2] == "params" && c.inputs[ref[3]].Required {
					return true
				}
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
