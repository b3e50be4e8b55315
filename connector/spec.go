package connector

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Spec is what an operation declares beside its handler. The manifest (info.json) stays the
// one source of params; a spec only names params, and CheckSpecs holds every name and
// option label it uses to the manifest at start-up, so a spec and info.json cannot drift.
type Spec struct {
	Name    string
	Handler Handler
	// Destructive operations change endpoints or threats: they are guarded, audited with
	// their targets, and a playbook must narrow what they select.
	Destructive bool
	// Narrowing are the params that narrow what a destructive operation selects; a call
	// must give at least one of them.
	Narrowing []string
	// Labels maps a select param to the option labels its handler maps to vendor values;
	// they must be exactly the manifest's options.
	Labels map[string][]string
}

// Add registers s.Handler under s.Name and keeps the spec.
func (r *Registry) Add(s Spec) error {
	if err := r.Register(s.Name, s.Handler); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.specs == nil {
		r.specs = map[string]Spec{}
	}
	r.specs[s.Name] = s
	return nil
}

// Spec returns the spec registered under name, if it was added with Add.
func (r *Registry) Spec(name string) (Spec, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.specs[name]
	return s, ok
}

// Destructive maps each destructive operation to its narrowing params.
func (r *Registry) Destructive() map[string][]string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := map[string][]string{}
	for name, s := range r.specs {
		if s.Destructive {
			out[name] = slices.Clone(s.Narrowing)
		}
	}
	return out
}

// CheckSpecs confirms that every spec's names exist in the manifest: each narrowing param is
// declared by its operation, each labelled param is a select whose options are exactly the
// labels, and a destructive operation has narrowing params.
func (r *Registry) CheckSpecs(m *Manifest) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var problems []string
	names := make([]string, 0, len(r.specs))
	for name := range r.specs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s := r.specs[name]
		op := m.Operation(name)
		if op == nil {
			continue // CrossCheck reports it
		}
		if s.Destructive && len(s.Narrowing) == 0 {
			problems = append(problems, fmt.Sprintf("%s: a destructive operation names no narrowing params", name))
		}
		for _, p := range s.Narrowing {
			if op.Param(p) == nil {
				problems = append(problems, fmt.Sprintf("%s: narrowing param %q is not in the manifest", name, p))
			}
		}
		for _, param := range sortedKeys(s.Labels) {
			p := op.Param(param)
			switch {
			case p == nil:
				problems = append(problems, fmt.Sprintf("%s: labelled param %q is not in the manifest", name, param))
			case p.Type != "select":
				problems = append(problems, fmt.Sprintf("%s: labelled param %q is a %s, not a select", name, param, p.Type))
			default:
				want, got := slices.Sorted(slices.Values(p.Options)), slices.Sorted(slices.Values(s.Labels[param]))
				if !slices.Equal(want, got) {
					problems = append(problems, fmt.Sprintf("%s: param %q maps the labels %q but the manifest's options are %q", name, param, got, want))
				}
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("operation specs do not match the manifest:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}
