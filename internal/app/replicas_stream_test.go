package app_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/configstore/pgstore/pgtest"
	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// batch is one fetch_threats answer of a stream.
type batch struct {
	ids        []string
	checkpoint string
	more       bool
}

func fetch(t *testing.T, r *replica, ack string) batch {
	t.Helper()
	params := map[string]any{"stream": "siem", "max_items": 4}
	if ack != "" {
		params["ack"] = ack
	}
	ans := r.execute(t, "tenant", "fetch_threats", params)
	require.Equal(t, "Success", ans["status"], "%v", ans)
	data := ans["data"].(map[string]any)
	var b batch
	for _, item := range data["data"].([]any) {
		b.ids = append(b.ids, fmt.Sprint(item.(map[string]any)["id"]))
	}
	b.checkpoint, _ = data["checkpoint"].(string)
	b.more, _ = data["has_more"].(bool)
	return b
}

// TestStreamSurvivesAReplica: replica A serves a stream and is killed after delivering a
// batch it never saw acknowledged; replica B goes on from the store: it redelivers that
// batch only, then the rest, with no threat missed and none delivered twice otherwise.
func TestStreamSurvivesAReplica(t *testing.T) {
	dsn := pgtest.DSN(t)
	sim := startSim(t, s1sim.Options{Threats: 14})
	a, b := startReplica(t, dsn, sim), startReplica(t, dsn, sim)
	status, v, err := a.do(http.MethodPost, "/api/integration/configuration/", simConfig("tenant", sim))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status, "%v", v)

	first := fetch(t, a, "")
	require.NotEmpty(t, first.ids)
	second := fetch(t, a, first.checkpoint) // acknowledges the first
	require.NotEmpty(t, second.ids)
	a.kill() // before acknowledging the second

	again := fetch(t, b, "")
	assert.Equal(t, second, again, "B redelivers the unacknowledged batch, and only it")
	delivered := append(append([]string{}, first.ids...), second.ids...)
	for last := again; last.more || len(last.ids) > 0; {
		last = fetch(t, b, last.checkpoint)
		delivered = append(delivered, last.ids...)
	}
	var want []string
	for _, th := range sim.Sim.Threats() {
		want = append(want, th.ID)
	}
	assert.ElementsMatch(t, want, delivered, "every threat once: no gap, no repeat")
}
