package sentinelone

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLimitClass(t *testing.T) {
	for path, want := range map[string]string{
		"users/login": LimitLogin, "users/login/by-api-token": LimitLogin, "users/logout": LimitUsers,
		"user": LimitUser, "agents": LimitAgents, "agents/count": LimitAgents,
		"agents/actions/disconnect": LimitAgents, "agents/x/recommission": LimitAgents,
		"threats": LimitThreats, "threats/mitigate/kill": LimitThreatPaths, "threats/analyst-verdict": LimitThreatPaths,
		"system/status": LimitSystemStatus, "system/info": "", "hashes/ab/reputation": "",
		"dv/init-query": LimitDVInit, "dv/query-status": LimitDVStatus, "agentsx": "", "usersx": "",
	} {
		assert.Equal(t, want, limitClass(path), path)
	}
}

func TestParseRateLimits(t *testing.T) {
	def, err := ParseRateLimits("")
	require.NoError(t, err)
	assert.Equal(t, DefaultRateLimits(), def)
	def, err = ParseRateLimits("default")
	require.NoError(t, err)
	assert.Equal(t, Rate{25, 1}, def[LimitAgents])
	assert.InDelta(t, 1.0/60, def[LimitDVInit].PerSecond, 1e-9)
	off, err := ParseRateLimits("off")
	require.NoError(t, err)
	assert.Empty(t, off)
	assert.Equal(t, "off", off.String())

	got, err := ParseRateLimits("agents=50:5, threats=off,login=0.5")
	require.NoError(t, err)
	assert.Equal(t, Rate{50, 5}, got[LimitAgents])
	assert.Equal(t, Rate{0.5, 1}, got[LimitLogin])
	assert.NotContains(t, got, LimitThreats)
	assert.Equal(t, Rate{100, 1}, got[LimitThreatPaths], "the others keep their defaults")
	assert.Contains(t, got.String(), "agents=50:5,")

	for spec, want := range map[string]string{
		"agents":       "is not class=requests-per-second",
		"agentz=1":     `unknown endpoint class "agentz"`,
		"agents=0":     "not a positive number",
		"agents=-1":    "not a positive number",
		"agents=NaN":   "not a positive number",
		"agents=1:0":   "burst",
		"agents=1:two": "burst",
	} {
		_, err := ParseRateLimits(spec)
		require.Error(t, err, spec)
		assert.Contains(t, err.Error(), want, spec)
	}
}
