package operations

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// opFunc implements one operation with the SentinelOne client of the call's configuration.
// It must check every param before its first SentinelOne request.
type opFunc func(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error)

// spec is what each operation's file declares beside its handler (see connector.Spec).
type spec struct {
	name        string
	run         opFunc
	destructive bool
	narrowing   []string            // a destructive call must give one of them
	labels      map[string][]string // select param → the option labels run maps
}

// specs lists every operation, each declared in its own file.
func specs() []spec {
	return append([]spec{
		getAgentsSpec, agentActionSpec, reconnectAgentNetworkSpec, commissionAgentSpec,
		getAgentPassphraseSpec, getApplicationsSpec, listProcessesSpec, broadcastMessageSpec,
		initiateAgentScanSpec, abortAgentScanSpec, getHashDetailsSpec, getThreatDetailsSpec,
		mitigateThreatsSpec, markThreatAsBenignSpec, fetchAgentLogsSpec, getAgentCountSpec,
		listAllThreatsSpec,
	}, areaSpecs()...)
}

// Destructive maps each destructive operation to the params that narrow its selection (for
// the playbook checker).
func Destructive() map[string][]string {
	out := map[string][]string{}
	for _, s := range specs() {
		if s.destructive {
			out[s.name] = slices.Clone(s.narrowing)
		}
	}
	return out
}

// RegisterAll registers every operation's spec in reg, each bound to the client cache.
// connector.New then holds every spec to the manifest.
func RegisterAll(reg *connector.Registry, clients *Clients) error {
	for _, s := range specs() {
		err := reg.Add(connector.Spec{Name: s.name, Handler: bind(clients, s), Destructive: s.destructive,
			Narrowing: s.narrowing, Labels: s.labels})
		if err != nil {
			return err
		}
	}
	return nil
}

// bind adds what every operation shares to its run: a destructive call must give one of its
// narrowing params, and the call's SentinelOne client.
func bind(clients *Clients, s spec) connector.Handler {
	return connector.HandlerFunc(func(ctx context.Context, call *connector.Call) (any, error) {
		if s.destructive {
			if err := requireNarrowing(call.Args(), call.Operation, s.narrowing); err != nil {
				return nil, err
			}
		}
		client, err := clients.client(call)
		if err != nil {
			return nil, err
		}
		explain := func(err error) error {
			return budgetError(settingsHint(scopeErrorOf(call.Operation, err), call.Config))
		}
		out, err := s.run(withStreams(ctx, clients.streamStore()), call, client)
		if st, ok := out.(*connector.ItemStream); ok && err == nil {
			return st.MapErrors(explain), nil // a streamed list's errors are explained alike
		}
		return out, explain(err)
	})
}

// scopeParams are, per SentinelOne filter key, the params that may have asked for it.
var scopeParams = map[string][]string{
	"ids": {"ids", "agent_id"}, "threatIds": {"threat_id"}, "groupIds": {"groupIds", "group_id", "scope_ids"},
	"siteIds": {"siteIds", "site_id", "site_ids", "scope_ids"}, "accountIds": {"accountIds", "account_ids", "scope_ids"}, "tenant": {"scope"},
	"entryIds": {"hash", "value"},
}

// scopeErrorOf is scopeError naming the operation's own param (SentinelOne's "ids" is the
// agent_id of the single-agent operations, "threatIds" the threat_id).
func scopeErrorOf(op *connector.Operation, err error) error {
	var se *sentinelone.ScopeError
	var pe *connector.ParamError
	if errors.As(err, &se) && se.Key != "" && !errors.As(err, &pe) {
		for _, name := range scopeParams[se.Key] {
			if op.Param(name) != nil {
				return connector.InvalidParam(name, "%v", se)
			}
		}
	}
	return scopeError(err)
}

// scopeError turns a request outside the configuration's pinned scope into a parameter
// error naming the param that asked for it, and an answer outside it into a refusal.
func scopeError(err error) error {
	var se *sentinelone.ScopeError
	if err == nil || !errors.As(err, &se) {
		return err
	}
	var pe *connector.ParamError
	if errors.As(err, &pe) {
		return err
	}
	if se.Key == "" {
		return connector.Errorf(connector.KindOperation, "%v", se)
	}
	return connector.InvalidParam(se.Key, "%v", se)
}

// settingsHint adds to a rejected-credentials error which configuration fields to check:
// the client knows SentinelOne's answer, the connector knows the fields.
func settingsHint(err error, cfg *connector.Config) error {
	name := cfg.Name
	if cfg.Inline {
		name = connector.InlineConfigName
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sentinelone.ErrAPITokenRejected):
		return fmt.Errorf("%w; check the API Token of configuration %q", err, name)
	case errors.Is(err, sentinelone.ErrCredentialsRejected):
		return fmt.Errorf("%w; check the Username and Password of configuration %q", err, name)
	}
	return err
}

// labels returns the keys of a label map, for a spec's labels.
func labels[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// agentFilterAction builds an operation that applies a SentinelOne agent action to the
// agents its agent filter selects, through runAction's checks.
func agentFilterAction(act, verb string, data func(connector.Args) map[string]any) opFunc {
	return func(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
		var body map[string]any
		if data != nil {
			body = data(call.Args())
		}
		o, err := runAction(ctx, call, client, newAgentSelection(call.Args()), agentAction(ctx, client, act, verb, body))
		if err != nil {
			return nil, err
		}
		return newAgentActionResult(o), nil
	}
}

// agentAction is the action that applies a SentinelOne agent action to a batch of ids.
func agentAction(ctx context.Context, client *sentinelone.Client, act, verb string, body map[string]any) action {
	return action{noun: "agent", verb: verb, apply: func(batch []string) (int, error) {
		return client.Agents.Action(ctx, act, sentinelone.AgentFilter{IDs: batch}.Filter(), body)
	}}
}
