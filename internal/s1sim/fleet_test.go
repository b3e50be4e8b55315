package s1sim

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFleetDeterministic(t *testing.T) {
	a, b := New(Options{Seed: 42}), New(Options{Seed: 42})
	assert.Equal(t, a.Agents(), b.Agents())
	assert.Equal(t, a.Threats(), b.Threats())
	c := New(Options{Seed: 43})
	assert.NotEqual(t, a.Agents()[0].ID, c.Agents()[0].ID)
	d := New(Options{})
	assert.Len(t, d.Agents(), DefaultAgents)
	assert.Len(t, d.Threats(), DefaultThreats)
	assert.Equal(t, New(Options{Seed: DefaultSeed}).Agents(), d.Agents())
}

func TestFleetRealistic(t *testing.T) {
	sim := New(Options{Agents: 3000, Threats: 900})
	agents := sim.Agents()
	require.Len(t, agents, 3000)
	idRe := regexp.MustCompile(`^[1-9][0-9]{18}$`)
	nameRe := regexp.MustCompile(`^[A-Z]+-(LAPTOP|WS|SRV)-[0-9]{4,}$`)
	seen := map[string]bool{}
	counts := map[string]int{}
	for _, a := range agents {
		require.Regexp(t, idRe, a.ID)
		require.False(t, seen[a.ID], "duplicate id")
		seen[a.ID] = true
		assert.Regexp(t, nameRe, a.ComputerName)
		assert.Len(t, a.UUID, 32)
		assert.Contains(t, []string{"windows", "macos", "linux"}, a.OSType)
		assert.Contains(t, agentVersions, a.AgentVersion)
		assert.GreaterOrEqual(t, a.TotalMemory, 2048)
		assert.LessOrEqual(t, a.TotalMemory, 65536)
		assert.GreaterOrEqual(t, a.CoreCount, 1)
		assert.LessOrEqual(t, a.CoreCount, 32)
		assert.NotEmpty(t, a.GroupID)
		assert.NotEmpty(t, a.SiteName)
		assert.Len(t, strings.Fields(a.Passphrase), 6)
		require.Len(t, a.NetworkInterfaces, 1)
		assert.NotEmpty(t, a.NetworkInterfaces[0].Inet)
		if a.IsDecommissioned {
			counts["decommissioned"]++
			assert.False(t, a.IsActive)
		}
		if a.Infected {
			counts["infected"]++
			assert.Positive(t, a.ActiveThreats)
		}
		if a.IsActive {
			counts["active"]++
		}
		counts[a.OSType]++
		counts[a.NetworkStatus]++
	}
	assert.True(t, slices.IsSortedFunc(agents, func(x, y Agent) int { return strings.Compare(x.ID, y.ID) }))
	within := func(key string, lo, hi float64) {
		share := float64(counts[key]) / float64(len(agents))
		assert.True(t, share >= lo && share <= hi, "%s share %.3f not in [%.2f, %.2f]", key, share, lo, hi)
	}
	within("decommissioned", 0.07, 0.13)
	within("infected", 0.12, 0.18)
	within("active", 0.65, 0.75)
	within("connected", 0.85, 0.95)
	within("windows", 0.45, 0.75)
	within("macos", 0.1, 0.3)
	within("linux", 0.1, 0.3)

	shaRe := regexp.MustCompile(`^[0-9a-f]{40}$`)
	for _, th := range sim.Threats() {
		assert.Regexp(t, shaRe, th.SHA1)
		assert.NotEmpty(t, th.Name)
		a, ok := sim.Agent(th.AgentID)
		require.True(t, ok)
		assert.True(t, a.Infected, "threats belong to infected agents")
		assert.Equal(t, th.InitiatedBy == "full_disk_scan" || th.InitiatedBy == "on_demand_scan", th.FromScan)
		assert.Equal(t, th.IncidentStatus == "resolved", th.Resolved)
	}
}
