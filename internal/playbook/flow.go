package playbook

import (
	"context"
	"fmt"
)

// Step types and connector operations of data-ingestion playbooks that the runner executes.
const (
	StepTypeDecision     = StepTypeIRIPrefix + "12254cf5-5db7-4b1a-8cb1-3af081924b28"
	StepTypeCreateRecord = StepTypeIRIPrefix + "2597053c-e718-44b4-8394-4d40fe26d357"
	// UtilitiesConnector is FortiSOAR's built-in utilities connector; of it the runner
	// emulates UpdateMacro only, which sets a global variable.
	UtilitiesConnector = "cyops_utilities"
	UpdateMacro        = "updatemacro"
)

// branch is one condition of a decision step; cond is nil for the default.
type branch struct {
	option string
	cond   *Value
	target string
}

// recordStep is a create-record step: the collection and the record's fields.
type recordStep struct {
	collection string
	resource   *Value
}

// planLoop parses a step's for_each: the items it runs once for. A loop condition (do-until
// or break) is not supported.
func planLoop(s *Step) (*Value, error) {
	raw, ok := s.Arguments["for_each"]
	if !ok || raw == nil {
		return nil, nil
	}
	fe, ok := raw.(map[string]any)
	if !ok {
		return nil, &UnsupportedError{Step: s.Name, Msg: "for_each is not an object"}
	}
	for k, v := range fe {
		switch k {
		case "item", "parallel", "__bulk", "batch_size":
		case "condition":
			if v != nil && v != "" {
				return nil, &UnsupportedError{Step: s.Name, Msg: "a for_each condition is not supported"}
			}
		default:
			return nil, &UnsupportedError{Step: s.Name, Msg: fmt.Sprintf("for_each key %q is not supported", k)}
		}
	}
	if fe["item"] == nil {
		return nil, &UnsupportedError{Step: s.Name, Msg: "for_each has no item"}
	}
	v, err := ParseValue(fe["item"], "for_each.item")
	if err != nil {
		return nil, &UnsupportedError{Step: s.Name, Msg: err.Error()}
	}
	return v, nil
}

// planDecision parses a decision step's conditions, in order, the default last.
func planDecision(s *Step) ([]branch, error) {
	var conds []struct {
		Option    string `json:"option"`
		StepIRI   string `json:"step_iri"`
		Condition any    `json:"condition"`
		Default   bool   `json:"default"`
	}
	if err := remarshal(s.Arguments["conditions"], &conds); err != nil || len(conds) == 0 {
		return nil, &UnsupportedError{Step: s.Name, Msg: "a decision needs a list of conditions"}
	}
	var out []branch
	var def *branch
	for i, c := range conds {
		b := branch{option: c.Option, target: c.StepIRI}
		if c.StepIRI == "" {
			return nil, &UnsupportedError{Step: s.Name, Msg: fmt.Sprintf("decision option %q names no step", c.Option)}
		}
		if c.Default {
			if def != nil {
				return nil, &UnsupportedError{Step: s.Name, Msg: "a decision has one default option at most"}
			}
			def = &b
			continue
		}
		v, err := ParseValue(c.Condition, fmt.Sprintf("conditions[%d].condition", i))
		if err != nil {
			return nil, &UnsupportedError{Step: s.Name, Msg: err.Error()}
		}
		b.cond = v
		out = append(out, b)
	}
	if def != nil {
		out = append(out, *def)
	}
	return out, nil
}

// planRecord parses a create-record step.
func planRecord(s *Step) (*recordStep, error) {
	coll, _ := s.Arguments["collection"].(string)
	res, ok := s.Arguments["resource"].(map[string]any)
	if coll == "" || !ok {
		return nil, &UnsupportedError{Step: s.Name, Msg: "a create-record step needs a collection and a resource"}
	}
	v, err := ParseValue(res, "resource")
	if err != nil {
		return nil, &UnsupportedError{Step: s.Name, Msg: err.Error()}
	}
	return &recordStep{collection: coll, resource: v}, nil
}

// runPlanned runs a step, once or once per item of its loop, and returns the IRI of the
// step that follows: a decision's first true condition (else its default).
func (r *Runner) runPlanned(ctx context.Context, p *plannedStep, vars map[string]any) (StepResult, string, error) {
	if p.loop == nil {
		res, err := r.runStep(ctx, p, vars)
		if err != nil {
			return res, "", err
		}
		next, err := p.route(vars)
		return res, next, err
	}
	res := StepResult{Step: p.step.Name, StepType: p.step.StepType}
	items, err := p.loop.Render(vars)
	if err != nil {
		return res, "", fmt.Errorf("step %q: %w", p.step.Name, err)
	}
	list, ok := items.([]any)
	if !ok && items != nil {
		if _, undef := items.(undefined); !undef {
			return res, "", fmt.Errorf("step %q: for_each.item is %T, not a list", p.step.Name, items)
		}
	}
	outputs := []any{}
	for _, it := range list {
		vars["item"] = it
		one, err := r.runStep(ctx, p, vars)
		if err != nil {
			delete(vars, "item")
			return res, "", err
		}
		res.Operation = one.Operation
		outputs = append(outputs, one.Output)
	}
	delete(vars, "item")
	res.Output = outputs
	vars["steps"].(map[string]any)[p.step.VarName()] = outputs
	next, err := p.route(vars)
	return res, next, err
}

// route picks the step after p.
func (p *plannedStep) route(vars map[string]any) (string, error) {
	if p.branches == nil {
		return p.next, nil
	}
	for _, b := range p.branches {
		if b.cond == nil {
			return b.target, nil
		}
		v, err := b.cond.Render(vars)
		if err != nil {
			return "", fmt.Errorf("step %q: option %q: %w", p.step.Name, b.option, err)
		}
		if truthy(v) {
			return b.target, nil
		}
	}
	return "", nil // no condition held and there is no default: the run ends here
}

// createRecord renders the record and keeps it under its collection.
func (r *Runner) createRecord(p *plannedStep, vars map[string]any) (map[string]any, error) {
	v, err := p.record.resource.Render(vars)
	if err != nil {
		return nil, fmt.Errorf("step %q: %w", p.step.Name, err)
	}
	rec, _ := v.(map[string]any)
	if r.Records == nil {
		r.Records = map[string][]map[string]any{}
	}
	r.Records[p.record.collection] = append(r.Records[p.record.collection], rec)
	return rec, nil
}

// updateMacro sets the global variable params.macro to params.value.
func (r *Runner) updateMacro(p *plannedStep, vars map[string]any) (map[string]any, error) {
	v, err := p.params.Render(vars)
	if err != nil {
		return nil, fmt.Errorf("step %q: %w", p.step.Name, err)
	}
	params := v.(map[string]any)
	name, _ := params["macro"].(string)
	if name == "" {
		return nil, fmt.Errorf("step %q: %s needs params.macro, the global variable's name", p.step.Name, UpdateMacro)
	}
	r.Globals[name] = params["value"]
	return map[string]any{"data": map[string]any{"macro": name, "value": params["value"]}, "message": "",
		"operation": UpdateMacro, "status": "Success"}, nil
}
