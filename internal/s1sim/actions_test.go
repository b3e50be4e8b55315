package s1sim

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type affectedBody struct {
	Data struct {
		Affected int `json:"affected"`
	} `json:"data"`
}

func TestAgentActions(t *testing.T) {
	tests := []struct {
		name       string
		giveAction string
		giveData   map[string]any
		// check verifies the effect on one matched agent.
		check func(t *testing.T, before, after Agent)
	}{
		{"disconnect isolates", "disconnect", nil, func(t *testing.T, _, a Agent) {
			assert.Equal(t, "disconnected", a.NetworkStatus)
		}},
		{"connect reconnects", "connect", nil, func(t *testing.T, _, a Agent) {
			assert.Equal(t, "connected", a.NetworkStatus)
		}},
		{"decommission", "decommission", nil, func(t *testing.T, _, a Agent) {
			assert.True(t, a.IsDecommissioned)
			assert.False(t, a.IsActive)
		}},
		{"uninstall", "uninstall", nil, func(t *testing.T, _, a Agent) {
			assert.True(t, a.IsPendingUninstall)
		}},
		{"shutdown", "shutdown", nil, func(t *testing.T, _, a Agent) {
			assert.True(t, a.ShutdownRequested)
			assert.False(t, a.IsActive)
		}},
		{"broadcast", "broadcast", map[string]any{"message": "Patch tonight"}, func(t *testing.T, b, a Agent) {
			assert.Equal(t, append(b.Messages, "Patch tonight"), a.Messages)
		}},
		{"initiate scan", "initiate-scan", map[string]any{}, func(t *testing.T, _, a Agent) {
			assert.Equal(t, "started", a.ScanStatus)
		}},
		{"abort scan", "abort-scan", nil, func(t *testing.T, _, a Agent) {
			assert.Equal(t, "aborted", a.ScanStatus)
		}},
		{"fetch logs", "fetch-logs", map[string]any{"agentLogs": true}, func(t *testing.T, b, a Agent) {
			assert.Equal(t, b.LogsRequested+1, a.LogsRequested)
		}},
	}
	for _, tt := range tests {
		for _, v := range []string{v21, v20} {
			t.Run(tt.name+" "+v, func(t *testing.T) {
				e := newEnv(t, Options{})
				before := e.sim.Agents()
				filter := map[string]any{"osTypes": []string{"linux"}, "isDecommissioned": []bool{false}}
				matched := func(a *Agent) bool { return a.OSType == "linux" && !a.IsDecommissioned }
				want := filterAgents(before, matched)
				require.NotEmpty(t, want)

				body := map[string]any{"filter": filter}
				if tt.giveData != nil {
					body["data"] = tt.giveData
				}
				r := e.post("/web/api/"+v+"/agents/actions/"+tt.giveAction, body)
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				var out affectedBody
				r.json(t, &out)
				assert.Equal(t, len(want), out.Data.Affected)

				after := e.sim.Agents()
				for i := range before {
					if matched(&before[i]) {
						tt.check(t, before[i], after[i])
						continue
					}
					assert.Equal(t, before[i], after[i], "agent %s must not change", before[i].ID)
				}
			})
		}
	}
}

func TestAgentActionEdges(t *testing.T) {
	e := newEnv(t, Options{})
	all := e.sim.Agents()
	post := func(action string, body any) resp {
		return e.post("/web/api/v2.1/agents/actions/"+action, body)
	}

	t.Run("no match gives affected 0", func(t *testing.T) {
		var out affectedBody
		r := post("disconnect", map[string]any{"filter": map[string]any{"ids": []string{"1"}}})
		require.Equal(t, http.StatusOK, r.status)
		r.json(t, &out)
		assert.Zero(t, out.Data.Affected)
	})
	t.Run("filter is required", func(t *testing.T) {
		requireError(t, post("disconnect", map[string]any{"data": map[string]any{}}), http.StatusBadRequest, 4000010)
		requireError(t, post("disconnect", nil), http.StatusBadRequest, 4000010)
		requireError(t, post("disconnect", "{not json"), http.StatusBadRequest, 4000010)
		requireError(t, post("disconnect", map[string]any{"filter": "ids"}), http.StatusBadRequest, 4000010)
	})
	t.Run("broadcast message is required and at most 140 characters", func(t *testing.T) {
		f := map[string]any{"ids": []string{all[0].ID}}
		requireError(t, post("broadcast", map[string]any{"filter": f}), http.StatusBadRequest, 4000010)
		requireError(t, post("broadcast", map[string]any{"filter": f, "data": map[string]any{"message": ""}}), http.StatusBadRequest, 4000010)
		requireError(t, post("broadcast", map[string]any{"filter": f, "data": map[string]any{"message": strings.Repeat("x", 141)}}), http.StatusBadRequest, 4000010)
		r := post("broadcast", map[string]any{"filter": f, "data": map[string]any{"message": strings.Repeat("é", 140)}})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		got, _ := e.sim.Agent(all[0].ID)
		assert.Equal(t, []string{strings.Repeat("é", 140)}, got.Messages)
	})
	t.Run("unknown filter key acts on everything the known keys match", func(t *testing.T) {
		e := newEnv(t, Options{})
		all := e.sim.Agents()
		var out affectedBody
		r := e.post("/web/api/v2.1/agents/actions/disconnect", map[string]any{
			"filter": map[string]any{"excludeIds": []string{all[0].ID}, "idsNin": []string{all[1].ID}},
		})
		require.Equal(t, http.StatusOK, r.status)
		r.json(t, &out)
		assert.Equal(t, len(all), out.Data.Affected)
		for _, a := range e.sim.Agents() {
			assert.Equal(t, "disconnected", a.NetworkStatus)
		}
	})
	t.Run("idsNin honoured when supported", func(t *testing.T) {
		e := newEnv(t, Options{SupportIDsNin: true})
		all := e.sim.Agents()
		var out affectedBody
		e.post("/web/api/v2.1/agents/actions/fetch-logs", map[string]any{
			"filter": map[string]any{"idsNin": []string{all[0].ID}},
		}).json(t, &out)
		assert.Equal(t, len(all)-1, out.Data.Affected)
		first, _ := e.sim.Agent(all[0].ID)
		assert.Zero(t, first.LogsRequested)
	})
	t.Run("bad filter value", func(t *testing.T) {
		requireError(t, post("disconnect", map[string]any{"filter": map[string]any{"isActive": "maybe"}}), http.StatusBadRequest, 4000010)
		requireError(t, post("disconnect", map[string]any{"filter": map[string]any{"ids": []any{map[string]any{}}}}), http.StatusBadRequest, 4000010)
	})
	t.Run("csv string in a JSON filter", func(t *testing.T) {
		var out affectedBody
		post("fetch-logs", map[string]any{"filter": map[string]any{"ids": all[5].ID + "," + all[6].ID}}).json(t, &out)
		assert.Equal(t, 2, out.Data.Affected)
	})
}

func TestRecommission(t *testing.T) {
	tests := []struct {
		name       string
		giveOpts   Options
		giveID     func(all []Agent) string
		wantStatus int
	}{
		{"recommissions a decommissioned agent", Options{}, func(all []Agent) string {
			return filterAgents(all, func(a *Agent) bool { return a.IsDecommissioned })[0].ID
		}, http.StatusOK},
		{"unknown agent", Options{}, func([]Agent) string { return "1234" }, http.StatusNotFound},
		{"endpoint disabled", Options{DisableRecommission: true}, func(all []Agent) string {
			return filterAgents(all, func(a *Agent) bool { return a.IsDecommissioned })[0].ID
		}, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.giveOpts)
			id := tt.giveID(e.sim.Agents())
			for _, v := range []string{v21, v20} {
				r := e.post("/web/api/"+v+"/agents/"+id+"/recommission", nil)
				if tt.wantStatus != http.StatusOK {
					requireError(t, r, tt.wantStatus, 4040010)
					if a, ok := e.sim.Agent(id); ok {
						assert.True(t, a.IsDecommissioned)
					}
					continue
				}
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				assert.JSONEq(t, `{"data":{"success":true}}`, string(r.body))
				a, _ := e.sim.Agent(id)
				assert.False(t, a.IsDecommissioned)
			}
		})
	}
}
