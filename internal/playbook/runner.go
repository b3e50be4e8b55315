package playbook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// Executor runs one connector operation. A *connector.Connector runs it in-process;
// an *HTTPExecutor sends it to a running connector server.
type Executor interface {
	Execute(ctx context.Context, req connector.ExecuteRequest) (any, error)
}

var _ Executor = (*connector.Connector)(nil)

// StepResult is the outcome of one executed step.
type StepResult struct {
	Step      string `json:"step"`
	StepType  string `json:"stepType"`
	Operation string `json:"operation,omitempty"`
	// Output is what the step put into vars: for a connector step FortiSOAR's envelope
	// {"data", "message", "operation", "status"}, for a set-variable step the variables set,
	// for the start step the inputs.
	Output any `json:"output"`
}

// Runner executes workflows offline.
type Runner struct {
	// Exec runs connector steps.
	Exec Executor
	// Config, when set, replaces the configuration (id or name) of every connector step.
	Config string
	// OnStep, when set, is called after each step, in execution order; an error stops the run.
	OnStep func(StepResult) error
	// Globals are FortiSOAR's global variables ({{globalVars.NAME}}), emulated in memory:
	// cyops_utilities updatemacro steps set them and they last across runs of this Runner.
	Globals map[string]any
	// Records are the records create-record steps made, by collection, across runs.
	Records map[string][]map[string]any
}

// UnsupportedError reports a step the runner cannot execute.
type UnsupportedError struct {
	Step string
	Msg  string
}

func (e *UnsupportedError) Error() string { return fmt.Sprintf("step %q: %s", e.Step, e.Msg) }

// InputError lists missing required, unknown and invalid inputs.
type InputError struct {
	Missing []string
	Unknown []string
	Invalid []string // "name: reason"
}

func (e *InputError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing required input(s): "+strings.Join(e.Missing, ", "))
	}
	if len(e.Unknown) > 0 {
		parts = append(parts, "unknown input(s): "+strings.Join(e.Unknown, ", "))
	}
	if len(e.Invalid) > 0 {
		parts = append(parts, "invalid input(s): "+strings.Join(e.Invalid, "; "))
	}
	return strings.Join(parts, "; ")
}

// stepArgKeys that change control flow and that the runner does not implement (for_each is
// planned on its own: a loop over items without a condition).
var unsupportedArgs = []string{"when", "do_until", "mock_result"}

// plannedStep is a step with its values parsed.
type plannedStep struct {
	step      *Step
	call      *ConnectorCall
	params    *Value            // connector step: the params map
	stepVars  map[string]*Value // step_variables, by name
	setVars   map[string]*Value // set-variable step: the variables, by name
	ignoreErr bool
	next      string      // the IRI of the step that follows; "" at the end
	branches  []branch    // decision step: its conditions, the default last
	loop      *Value      // for_each: the items the step runs once for, each as vars.item
	record    *recordStep // create-record step
	macro     bool        // cyops_utilities updatemacro: sets a global variable
}

// CheckRunnable checks, without running anything, that the runner can execute w: the
// trigger step exists and is a start step, the routes from it hold no cycle and branch only
// at decision steps, every step on them has a supported type and arguments, and every
// expression parses.
func CheckRunnable(w *Workflow) error {
	_, _, err := plan(w)
	return err
}

// plan is CheckRunnable returning the planned steps by IRI and the trigger's.
func plan(w *Workflow) (map[string]*plannedStep, *plannedStep, error) {
	trigger := w.Trigger()
	if trigger == nil {
		return nil, nil, fmt.Errorf("workflow %q: triggerStep %q names no step", w.Name, w.TriggerStep)
	}
	if !trigger.IsStart() {
		return nil, nil, &UnsupportedError{Step: trigger.Name, Msg: fmt.Sprintf("trigger step has type %s, not a start step", trigger.StepType)}
	}
	planned := map[string]*plannedStep{}
	onPath := map[string]bool{}
	var visit func(s *Step) error
	visit = func(s *Step) error {
		if onPath[s.UUID] {
			return &UnsupportedError{Step: s.Name, Msg: "routes loop back to this step; loops are not supported"}
		}
		if planned[s.IRI()] != nil {
			return nil
		}
		p, err := planStep(s, s == trigger)
		if err != nil {
			return err
		}
		planned[s.IRI()] = p
		onPath[s.UUID] = true
		defer delete(onPath, s.UUID)
		var targets []string
		next := w.Next(s)
		for _, r := range next {
			if w.StepByIRI(r.TargetStep) == nil {
				return fmt.Errorf("route %q: targetStep %q names no step", r.Name, r.TargetStep)
			}
			targets = append(targets, r.TargetStep)
		}
		if p.branches != nil {
			for _, b := range p.branches {
				if !slices.Contains(targets, b.target) {
					return &UnsupportedError{Step: s.Name, Msg: fmt.Sprintf("decision option %q goes to %s, which no route from this step reaches", b.option, b.target)}
				}
			}
		} else if len(next) > 1 {
			return &UnsupportedError{Step: s.Name, Msg: fmt.Sprintf("%d routes leave this step; parallel branches are not supported", len(next))}
		} else if len(next) == 1 {
			p.next = next[0].TargetStep
		}
		for _, t := range targets {
			if err := visit(w.StepByIRI(t)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(trigger); err != nil {
		return nil, nil, err
	}
	return planned, planned[trigger.IRI()], nil
}

func planStep(s *Step, isTrigger bool) (*plannedStep, error) {
	p := &plannedStep{step: s}
	for _, k := range unsupportedArgs {
		if v, ok := s.Arguments[k]; ok && v != nil && v != "" {
			return nil, &UnsupportedError{Step: s.Name, Msg: fmt.Sprintf("argument %q is not supported", k)}
		}
	}
	wrap := func(err error) error {
		return &UnsupportedError{Step: s.Name, Msg: err.Error()}
	}
	var err error
	if p.loop, err = planLoop(s); err != nil {
		return nil, err
	}
	switch {
	case s.IsStart():
		if !isTrigger {
			return nil, &UnsupportedError{Step: s.Name, Msg: "a start step can only be the trigger"}
		}
		return p, nil // its step_variables only re-expose the inputs
	case s.StepType == StepTypeConnector:
		if p.call, err = s.Connector(); err != nil {
			return nil, err
		}
		if p.call.Connector == "" || p.call.Operation == "" {
			return nil, &UnsupportedError{Step: s.Name, Msg: "connector step without connector or operation"}
		}
		if p.call.Connector == UtilitiesConnector {
			if p.call.Operation != UpdateMacro {
				return nil, &UnsupportedError{Step: s.Name, Msg: fmt.Sprintf("%s operation %q is not supported (only %s, emulated in memory)", UtilitiesConnector, p.call.Operation, UpdateMacro)}
			}
			p.macro = true
		}
		if p.params, err = ParseValue(map[string]any(p.call.Params), "params"); err != nil {
			return nil, wrap(err)
		}
		p.ignoreErr, _ = s.Arguments["ignore_errors"].(bool)
	case s.StepType == StepTypeSetVariable:
		vars := map[string]any{}
		for k, v := range s.Arguments {
			if k != "step_variables" && k != "ignore_errors" {
				vars[k] = v
			}
		}
		if p.setVars, err = parseVars(vars); err != nil {
			return nil, wrap(err)
		}
	case s.StepType == StepTypeDecision:
		if p.branches, err = planDecision(s); err != nil {
			return nil, err
		}
	case s.StepType == StepTypeCreateRecord:
		if p.record, err = planRecord(s); err != nil {
			return nil, err
		}
	default:
		return nil, &UnsupportedError{Step: s.Name, Msg: fmt.Sprintf("step type %s is not supported (supported: manual or referenced start, connector, set variable, decision, create record)", s.StepType)}
	}
	if sv, ok := s.Arguments["step_variables"].(map[string]any); ok {
		if p.stepVars, err = parseVars(sv); err != nil {
			return nil, wrap(err)
		}
	}
	return p, nil
}

// parseVars parses each variable's value; a variable's location is its name.
func parseVars(m map[string]any) (map[string]*Value, error) {
	out := make(map[string]*Value, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v, err := ParseValue(m[k], k)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// ResolveInputs checks given against the workflow's input variables: every required input
// must be given (or have a default value), every given name must be declared, and an
// input that lists options must be given one of them. It
// returns vars.input.params: given values, then defaults; inputs neither given nor
// defaulted are left out (undefined).
func ResolveInputs(w *Workflow, given map[string]string) (map[string]any, error) {
	decl, err := w.Inputs()
	if err != nil {
		return nil, err
	}
	params := map[string]any{}
	var ierr InputError
	known := map[string]bool{}
	for _, in := range decl {
		known[in.Name] = true
		if v, ok := given[in.Name]; ok {
			if len(in.Options) > 0 && !slices.Contains(in.Options, v) {
				ierr.Invalid = append(ierr.Invalid, fmt.Sprintf("%s: %q is not one of %q", in.Name, v, in.Options))
			}
			params[in.Name] = v
			continue
		}
		if in.DefaultValue != nil && in.DefaultValue != "" {
			params[in.Name] = in.DefaultValue
			continue
		}
		if in.Required {
			ierr.Missing = append(ierr.Missing, in.Name)
		}
	}
	for name := range given {
		if !known[name] {
			ierr.Unknown = append(ierr.Unknown, name)
		}
	}
	sort.Strings(ierr.Unknown)
	if len(ierr.Missing) > 0 || len(ierr.Unknown) > 0 || len(ierr.Invalid) > 0 {
		return nil, &ierr
	}
	return params, nil
}

// Run checks w (CheckRunnable) and its inputs (ResolveInputs) before anything runs, then executes
// the steps from the trigger along the routes. It returns the results of the steps run;
// a failing connector step stops the run with an error naming the step, unless the step
// sets ignore_errors.
func (r *Runner) Run(ctx context.Context, w *Workflow, inputs map[string]string) ([]StepResult, error) {
	steps, first, err := plan(w)
	if err != nil {
		return nil, err
	}
	for _, iri := range slices.Sorted(maps.Keys(steps)) {
		if p := steps[iri]; p.call != nil && !p.macro && r.Exec == nil {
			return nil, fmt.Errorf("step %q: %w", p.step.Name, ErrNoExecutor)
		}
	}
	params, err := ResolveInputs(w, inputs)
	if err != nil {
		return nil, fmt.Errorf("workflow %q: %w", w.Name, err)
	}
	if r.Globals == nil {
		r.Globals = map[string]any{}
	}
	vars := map[string]any{
		"input":      map[string]any{"params": params, "records": []any{}},
		"steps":      map[string]any{},
		"globalVars": r.Globals,
	}
	var results []StepResult
	for p := first; p != nil; {
		res, next, err := r.runPlanned(ctx, p, vars)
		if err != nil {
			return results, err
		}
		results = append(results, res)
		if r.OnStep != nil {
			if err := r.OnStep(res); err != nil {
				return results, err
			}
		}
		p = steps[next]
	}
	return results, nil
}

func (r *Runner) runStep(ctx context.Context, p *plannedStep, vars map[string]any) (StepResult, error) {
	s := p.step
	res := StepResult{Step: s.Name, StepType: s.StepType}
	steps := vars["steps"].(map[string]any)
	switch {
	case s.IsStart():
		res.Output = vars["input"]
		steps[s.VarName()] = vars["input"]
		return res, nil
	case p.setVars != nil:
		set := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(p.setVars)) {
			v, err := p.setVars[k].Render(vars)
			if err != nil {
				return res, fmt.Errorf("step %q: %w", s.Name, err)
			}
			set[k] = v
			vars[k] = v
		}
		res.Output = set
		steps[s.VarName()] = set
	case p.record != nil:
		rec, err := r.createRecord(p, vars)
		if err != nil {
			return res, err
		}
		res.Output = rec
		steps[s.VarName()] = rec
	case p.branches != nil:
		res.Output = map[string]any{}
		steps[s.VarName()] = res.Output
	case p.macro:
		env, err := r.updateMacro(p, vars)
		if err != nil {
			return res, err
		}
		res.Operation, res.Output = p.call.Operation, env
		vars["result"] = env
		steps[s.VarName()] = env
	default:
		res.Operation = p.call.Operation
		v, err := p.params.Render(vars)
		if err != nil {
			return res, fmt.Errorf("step %q: %w", s.Name, err)
		}
		rendered := v.(map[string]any) // params parse as a map node, which renders as a map
		cfg := p.call.Config
		if r.Config != "" {
			cfg = r.Config
		}
		data, err := r.Exec.Execute(ctx, connector.ExecuteRequest{
			Connector: p.call.Connector, Version: p.call.Version, Operation: p.call.Operation,
			Config: cfg, Params: rendered,
		})
		var envelope map[string]any
		if err != nil {
			if !p.ignoreErr {
				return res, fmt.Errorf("step %q: %s: %w", s.Name, p.call.Operation, err)
			}
			envelope = map[string]any{"data": nil, "message": err.Error(), "operation": p.call.Operation, "status": "failed"}
		} else {
			norm, err := normalize(data)
			if err != nil {
				return res, fmt.Errorf("step %q: %s: result: %w", s.Name, p.call.Operation, err)
			}
			envelope = map[string]any{"data": norm, "message": "", "operation": p.call.Operation, "status": "Success"}
		}
		res.Output = envelope
		vars["result"] = envelope
		steps[s.VarName()] = envelope
	}
	for _, k := range slices.Sorted(maps.Keys(p.stepVars)) {
		v, err := p.stepVars[k].Render(vars)
		if err != nil {
			return res, fmt.Errorf("step %q: %w", s.Name, err)
		}
		vars[k] = v
	}
	return res, nil
}

// normalize turns an operation result into plain JSON values (maps, lists, json.Number),
// so expressions can walk it whatever Go types the operation returned.
func normalize(v any) (any, error) {
	var out any
	if err := remarshal(v, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ErrNoExecutor is returned by Run when a connector step is reached without an Executor.
var ErrNoExecutor = errors.New("no executor for connector steps")

// MarshalResult encodes a step result as indented JSON.
func MarshalResult(res StepResult) ([]byte, error) {
	return json.MarshalIndent(res, "", "  ")
}
