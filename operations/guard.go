package operations

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// DefaultMaxTargets is the blast-radius limit of a destructive call when neither the call
// nor its configuration sets max_targets.
const DefaultMaxTargets = 100

// limit is the blast-radius limit of one destructive call.
type limit struct {
	max      int
	explicit bool   // max_targets was given in the call
	source   string // where max came from, for messages
}

// blastLimit reads max_targets from the call, else from the configuration, else the default.
func blastLimit(call *connector.Call) limit {
	if n, ok := call.Args().Int("max_targets"); ok {
		return limit{max: int(n), explicit: true, source: "given in this call"}
	}
	if n, ok := configInt(call.Config.Values["max_targets"]); ok && n > 0 {
		return limit{max: n, source: fmt.Sprintf("configuration %q", call.Config.Name)}
	}
	return limit{max: DefaultMaxTargets, source: "the default"}
}

// configInt reads an integer configuration value as any source may hold it.
func configInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case float64:
		return int(x), x == float64(int(x))
	case json.Number:
		n, err := x.Int64()
		return int(n), err == nil
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil
	}
	return 0, false
}

// check refuses n targets above the limit, and a selection of the whole population unless
// the call itself raised max_targets to at least the population.
func (l limit) check(verb, noun string, n, population int) error {
	if err := l.above(verb, noun, n); err != nil {
		return err
	}
	if n >= population && !(l.explicit && l.max >= population) {
		return &connector.ParamError{Param: "max_targets", Message: fmt.Sprintf(
			"refusing to %s every %s of the console (%d of %d), whatever params selected them. Narrow the selection, or confirm by giving max_targets of at least %d in this call",
			verb, noun, n, population, population)}
	}
	return nil
}

// above refuses n targets above the limit; callers that know the limit is passed use it
// before counting the population, which costs a request.
func (l limit) above(verb, noun string, n int) error {
	if n <= l.max {
		return nil
	}
	return &connector.ParamError{Param: "max_targets", Message: fmt.Sprintf(
		"refusing to %s %d %ss: that is above max_targets %d (%s). Narrow the selection, or confirm by giving max_targets of at least %d in this call; dry_run shows the %ss first",
		verb, n, noun, l.max, l.source, n, noun)}
}

// requireNarrowing refuses a destructive call none of whose narrowing params is given: it
// would select every object but for skip, limit and exclusions. The guard by result
// (limit.check) then judges what the params actually select.
func requireNarrowing(p connector.Args, op *connector.Operation, narrowing []string) error {
	for _, name := range narrowing {
		if op.Param(name).Type == "select" {
			if v := p.String(name); v != "" && v != "Any" {
				return nil
			}
		} else if p.Has(name) {
			return nil
		}
	}
	return &connector.ParamError{Param: "params", Message: fmt.Sprintf(
		"refusing to run %s on every %s: narrow the selection with at least one of %s (skip, limit and exclusions alone do not narrow it)",
		op.Name, selectionNoun(narrowing), strings.Join(narrowing, ", "))}
}

// selectionNoun names what a destructive operation selects, from its narrowing params.
func selectionNoun(narrowing []string) string {
	if slices.Contains(narrowing, "threat_id") {
		return "threat"
	}
	return "agent"
}
