package connector

import (
	"maps"
	"slices"
	"sync"
)

// noParams holds the outcome of validating an execute without params: defaults only, the
// same on every call, so it is worked out once (coercion and a schema validation were a
// tenth of the connector's CPU time per execute of get_agent_count).
type noParams struct {
	once sync.Once
	out  Params
	err  error
}

// validateNone validates empty params once and hands out copies, so no caller can change
// what the next one gets.
func (o *Operation) validateNone() (Params, error) {
	n := o.none
	n.once.Do(func() { n.out, n.err = validateParams(allParams(o.Parameters), o.schema, nil) })
	if n.err != nil {
		return nil, n.err
	}
	out := make(Params, len(n.out))
	for k, v := range n.out {
		switch t := v.(type) {
		case []string:
			v = slices.Clone(t)
		case []any:
			v = slices.Clone(t)
		case map[string]any:
			v = maps.Clone(t)
		}
		out[k] = v
	}
	return out, nil
}
