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

// stepArgKeys that change control flow and that the runner does not implement.
var unsupportedArgs = []string{"for_each", "when", "do_until", "mock_result"}

// plannedStep is a step with its values parsed.
type plannedStep struct {
	step      *Step
	call      *ConnectorCall
	params    *Value            // connector step: the params map
	stepVars  map[string]*Value // step_variables, by name
	setVars   map[string]*Value // set-variable step: the variables, by name
	ignoreErr bool
}

// CheckRunnable checks, without running anything, that the runner can execute w: the
// trigger step exists and is a start step, the route path from it is linear and acyclic,
// every step on it has a supported type and arguments, and every expression parses.
func CheckRunnable(w *Workflow) error {
	_, err := plan(w)
	return err
}

// plan is CheckRunnable returning the steps in execution order.
func plan(w *Workflow) ([]*plannedStep, error) {
	trigger := w.Trigger()
	if trigger == nil {
		return nil, fmt.Errorf("workflow %q: triggerStep %q names no step", w.Name, w.TriggerStep)
	}
	if !trigger.IsStart() {
		return nil, &UnsupportedError{Step: trigger.Name, Msg: fmt.Sprintf("trigger step has type %s, not a start step", trigger.StepType)}
	}
	var out []*plannedStep
	seen := map[string]bool{}
	for s := trigger; s != nil; {
		if seen[s.UUID] {
			return nil, &UnsupportedError{Step: s.Name, Msg: "routes loop back to this step; loops are not supported"}
		}
		seen[s.UUID] = true
		p, err := planStep(s, s == trigger)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
		next := w.Next(s)
		switch len(next) {
		case 0:
			s = nil
		case 1:
			if s = w.StepByIRI(next[0].TargetStep); s == nil {
				return nil, fmt.Errorf("route %q: targetStep %q names no step", next[0].Name, next[0].TargetStep)
			}
		default:
			return nil, &UnsupportedError{Step: s.Name, Msg: fmt.Sprintf("%d routes leave this step; parallel branches are not supported", len(next))}
		}
	}
	return out, nil
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
	default:
		return nil, &UnsupportedError{Step: s.Name, Msg: fmt.Sprintf("step type %s is not supported (supported: manual or referenced start, connector, set variable)", s.StepType)}
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
	steps, err := plan(w)
	if err != nil {
		return nil, err
	}
	for _, p := range steps {
		if p.call != nil && r.Exec == nil {
			return nil, fmt.Errorf("step %q: %w", p.step.Name, ErrNoExecutor)
		}
	}
	params, err := ResolveInputs(w, inputs)
	if err != nil {
		return nil, fmt.Errorf("workflow %q: %w", w.Name, err)
	}
	vars := map[string]any{
		"input": map[string]any{"params": params, "records": []any{}},
		"steps": map[string]any{},
	}
	var results []StepResult
	for _, p := range steps {
		res, err := r.runStep(ctx, p, vars)
		if err != nil {
			return results, err
		}
		results = append(results, res)
		if r.OnStep != nil {
			if err := r.OnStep(res); err != nil {
				return results, err
			}
		}
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
