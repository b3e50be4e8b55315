// Package playbook reads, checks, collects and runs FortiSOAR playbooks (workflows) offline.
//
// A workflow is FortiSOAR's export format: steps joined by routes, started by a trigger step.
// The package validates workflows against schemas/playbook.schema.json, cross-checks their
// connector steps against a connector manifest, builds the bundled workflow collection
// (playbooks/playbooks.json) and runs a workflow step by step through an Executor, rendering
// the documented subset of Jinja expressions (see Template).
package playbook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
)

// IRI prefixes of FortiSOAR's API resources.
const (
	StepIRIPrefix       = "/api/3/workflow_steps/"
	StepTypeIRIPrefix   = "/api/3/workflow_step_types/"
	CollectionIRIPrefix = "/api/3/workflow_collections/"
)

// Step types the runner executes.
const (
	StepTypeManualStart     = StepTypeIRIPrefix + "f414d039-bb0d-4e59-9c39-a8f1e880b18a"
	StepTypeReferencedStart = StepTypeIRIPrefix + "b348f017-9a94-471f-87f8-ce88b6a7ad62"
	StepTypeConnector       = StepTypeIRIPrefix + "0bfed618-0316-11e7-93ae-92361f002671"
	StepTypeSetVariable     = StepTypeIRIPrefix + "04d0cf46-b6a8-42c4-8683-60a7eaa69e8f"
)

// Workflow is one FortiSOAR playbook. Keys the runner does not use are ignored.
type Workflow struct {
	Type        string   `json:"@type"`
	UUID        string   `json:"uuid"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Tag         string   `json:"tag"`
	Collection  string   `json:"collection"`
	TriggerStep string   `json:"triggerStep"`
	IsActive    bool     `json:"isActive"`
	Steps       []*Step  `json:"steps"`
	Routes      []*Route `json:"routes"`
}

// Step is one workflow step.
type Step struct {
	Type      string         `json:"@type"`
	UUID      string         `json:"uuid"`
	Name      string         `json:"name"`
	StepType  string         `json:"stepType"`
	Arguments map[string]any `json:"arguments"`
}

// Route joins two steps by their IRIs.
type Route struct {
	Type       string `json:"@type"`
	UUID       string `json:"uuid"`
	Name       string `json:"name"`
	SourceStep string `json:"sourceStep"`
	TargetStep string `json:"targetStep"`
}

// InputVariable is one input of a manual start step (arguments.inputVariables).
type InputVariable struct {
	Name         string   `json:"name"`
	Label        string   `json:"label"`
	Type         string   `json:"type"`
	Required     bool     `json:"required"`
	Options      []string `json:"options,omitempty"`
	DefaultValue any      `json:"defaultValue"`
}

// ConnectorCall is the arguments of a connector step.
type ConnectorCall struct {
	Connector      string         `json:"connector"`
	Version        string         `json:"version"`
	Operation      string         `json:"operation"`
	OperationTitle string         `json:"operationTitle"`
	Config         string         `json:"config"`
	Params         map[string]any `json:"params"`
}

// Parse decodes a workflow. Numbers stay json.Number so integers keep their exact value.
func Parse(data []byte) (*Workflow, error) {
	var w Workflow
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("decode workflow: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode workflow: data after the JSON value")
	}
	if w.Type != "Workflow" {
		return nil, fmt.Errorf("decode workflow: @type is %q, want \"Workflow\"", w.Type)
	}
	return &w, nil
}

// IRI returns the step's IRI.
func (s *Step) IRI() string { return StepIRIPrefix + s.UUID }

// VarName returns the key of the step's output under vars.steps: its name with spaces
// replaced by underscores, as FortiSOAR does.
func (s *Step) VarName() string { return StepVarName(s.Name) }

// StepVarName returns the vars.steps key of a step named name.
func StepVarName(name string) string { return strings.ReplaceAll(strings.TrimSpace(name), " ", "_") }

// IsStart reports whether the step is a start (trigger) step.
func (s *Step) IsStart() bool {
	return s.StepType == StepTypeManualStart || s.StepType == StepTypeReferencedStart
}

// Connector decodes the arguments of a connector step.
func (s *Step) Connector() (*ConnectorCall, error) {
	var c ConnectorCall
	args := s.Arguments
	if list, ok := args["params"].([]any); ok && len(list) == 0 {
		// FortiSOAR exports a step without params as [] (PHP's empty array).
		args = maps.Clone(args)
		args["params"] = map[string]any{}
	}
	if err := remarshal(args, &c); err != nil {
		return nil, fmt.Errorf("step %q: connector arguments: %w", s.Name, err)
	}
	return &c, nil
}

// StepByIRI returns the step whose IRI is iri, or nil.
func (w *Workflow) StepByIRI(iri string) *Step {
	for _, s := range w.Steps {
		if s.IRI() == iri {
			return s
		}
	}
	return nil
}

// Trigger returns the trigger step, or nil when triggerStep names no step.
func (w *Workflow) Trigger() *Step { return w.StepByIRI(w.TriggerStep) }

// Inputs returns the input variables of the trigger step.
func (w *Workflow) Inputs() ([]InputVariable, error) {
	t := w.Trigger()
	if t == nil {
		return nil, fmt.Errorf("workflow %q: triggerStep %q names no step", w.Name, w.TriggerStep)
	}
	raw, ok := t.Arguments["inputVariables"]
	if !ok || raw == nil {
		return nil, nil
	}
	var in []InputVariable
	if err := remarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("workflow %q: step %q: inputVariables: %w", w.Name, t.Name, err)
	}
	return in, nil
}

// Next returns the routes leaving step s, in file order.
func (w *Workflow) Next(s *Step) []*Route {
	var out []*Route
	for _, r := range w.Routes {
		if r.SourceStep == s.IRI() {
			out = append(out, r)
		}
	}
	return out
}

func remarshal(in, out any) error {
	raw, err := json.Marshal(in)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(out)
}
