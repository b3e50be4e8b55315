package operations_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// FuzzDestructiveSelection is the safety property of every destructive operation, over
// random params drawn from each operation's manifest entry (adversarial values included):
// either the call is refused before any action request, or the action's ids are a subset
// of the ids the result reports, their number is within max_targets, and they are never the
// whole population unless the call itself gave max_targets of at least its size. CI runs it
// with an execution budget (scripts/fuzz.sh); `go test` runs the seeds.
func FuzzDestructiveSelection(f *testing.F) {
	for i := range destructiveOps {
		for seed := int64(1); seed <= 6; seed++ {
			f.Add(uint8(i), seed)
		}
	}
	f.Add(uint8(len(destructiveOps)), int64(7)) // commission_agent
	h := newHarness(f, mode{"2.1", true}, s1sim.Options{})
	f.Fuzz(func(t *testing.T, opIndex uint8, seed int64) {
		h.t = t
		op := "commission_agent"
		if int(opIndex)%(len(destructiveOps)+1) < len(destructiveOps) {
			op = destructiveOps[int(opIndex)%(len(destructiveOps)+1)].op
		}
		rng := rand.New(rand.NewPCG(uint64(seed), 0x5afe))
		params := randomParams(rng, h, h.app.Manifest.Operation(op))
		liveIDs, allIDs := ids(h.agents(live)), ids(h.agents(func(s1sim.Agent) bool { return true }))
		threats := threatIDs(h.sim.Sim.Threats())
		h.reset()
		status, env := h.exec(op, params)
		acted := h.actedIDs()
		if status != http.StatusOK {
			require.Empty(t, acted, "%s %v was refused (%s) but sent an action", op, params, env.Message)
			return
		}
		var res actionResult
		require.NoError(t, json.Unmarshal(env.Data, &res))
		if res.DryRun {
			require.Empty(t, acted, "a dry run sent an action")
		}
		for _, id := range acted {
			require.Contains(t, res.IDs, id, "%s acted on %s, which it did not report resolving", op, id)
		}
		limit, explicit := 100, false
		if n, ok := params["max_targets"].(int); ok {
			limit, explicit = n, true
		}
		require.LessOrEqual(t, len(res.IDs), limit, "%s %v: %d targets above max_targets %d", op, params, len(res.IDs), limit)
		for _, population := range [][]string{liveIDs, allIDs, threats} {
			if len(population) > 0 && sameSet(res.IDs, population) {
				require.True(t, explicit && limit >= len(population),
					"%s %v acted on the whole population of %d without confirming it", op, params, len(population))
			}
		}
	})
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// randomParams draws a value for some of op's params: real ids, unknown ids, adversarial
// text and numbers, every option, max_targets and dry_run.
func randomParams(rng *rand.Rand, h *harness, op *connector.Operation) map[string]any {
	agents := h.agents(func(s1sim.Agent) bool { return true })
	threats := h.sim.Sim.Threats()
	pick := func(pool []string) string {
		n := rng.IntN(6)
		if rng.IntN(8) == 0 {
			n = len(pool)
		}
		var out []string
		for range n {
			out = append(out, pool[rng.IntN(len(pool))])
		}
		if rng.IntN(4) == 0 {
			out = append(out, fmt.Sprint(rng.Int64N(1e18)+1e18))
		}
		return strings.Join(out, ",")
	}
	var agentIDs, groupIDs, versions, threatIDs, threatAgents []string
	for _, a := range agents {
		agentIDs, groupIDs, versions = append(agentIDs, a.ID), append(groupIDs, a.GroupID), append(versions, a.AgentVersion)
	}
	for _, th := range threats {
		threatIDs, threatAgents = append(threatIDs, th.ID), append(threatAgents, th.AgentID)
	}
	odd := []any{"", ",", " , ", "-", ".", "1e3", "+5", -1, 0, 1, 2, 16, 1e300, "NaN", "\x00", "FIN", "a"}
	p := map[string]any{}
	for _, param := range op.Parameters {
		if !param.Required && rng.IntN(3) != 0 {
			continue
		}
		var v any
		switch {
		case rng.IntN(10) == 0:
			v = odd[rng.IntN(len(odd))]
		case param.Name == "ids" || param.Name == "excludeIds" || (param.Name == "agent_id" && op.Name == "commission_agent"):
			v = pick(agentIDs)
		case param.Name == "groupIds":
			v = pick(groupIDs)
		case param.Name == "agentVersions":
			v = pick(versions)
		case param.Name == "threat_id":
			v = pick(threatIDs)
		case param.Name == "agent_id":
			v = pick(threatAgents)
		case param.Name == "contentHash":
			v = threats[rng.IntN(len(threats))].SHA1
		case param.Name == "max_targets":
			v = []int{1, 3, 10, 54, 60, 100, 1000}[rng.IntN(7)]
		case param.Type == "select":
			v = param.Options[rng.IntN(len(param.Options))]
		case param.Type == "multiselect":
			var opts []string
			for _, o := range param.Options {
				if rng.IntN(2) == 0 {
					opts = append(opts, o)
				}
			}
			v = opts
		case param.Type == "checkbox":
			v = rng.IntN(2) == 0
		case param.Type == "integer":
			v = rng.IntN(20)
		case param.Type == "decimal":
			v = float64(rng.IntN(64))
		default:
			v = []string{"-", "FIN", "SRV", ".", "LAPTOP", "0", "Patch tonight"}[rng.IntN(7)]
		}
		p[param.Name] = v
	}
	return p
}
