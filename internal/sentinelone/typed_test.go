package sentinelone

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTypedFiltersWireNames(t *testing.T) {
	n, yes := int64(7680), true
	got := AgentFilter{IDs: []string{"1", "2"}, TotalMemoryGT: &n, IsActive: &yes, IsDecommissioned: []bool{false},
		ComputerNameLike: "FIN", OSTypes: []string{}}.Filter()
	assert.Equal(t, Filter{"ids": []string{"1", "2"}, "totalMemory__gt": int64(7680), "isActive": true,
		"isDecommissioned": []bool{false}, "computerName__like": "FIN"}, got)
	assert.Equal(t, Filter{}, AgentFilter{}.Filter())
	assert.Equal(t, Filter{"agentIds": []string{"9"}, "displayName__like": "Troj", "initiatedByNin": []string{"full_disk_scan"}},
		ThreatFilter{AgentIDs: []string{"9"}, DisplayNameLike: "Troj", InitiatedByNin: []string{"full_disk_scan"}}.Filter())
}

// TestTypedFieldsAreSupported fails when a field of a new type is added without encoding.
func TestTypedFieldsAreSupported(t *testing.T) {
	assert.NotPanics(t, func() { _ = AgentFilter{}.Filter(); _ = ThreatFilter{}.Filter() })
}
