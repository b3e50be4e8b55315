package operations_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// TestValuesHeldToTheirMeaning: every value that does not mean what its param says is
// refused by name with a 400, and SentinelOne sees no request at all.
func TestValuesHeldToTheirMeaning(t *testing.T) {
	h := newHarness(t, mode{"2.1", true}, s1sim.Options{})
	id := h.agents(live)[0].ID
	distinct := make([]string, 5001)
	for i := range distinct {
		distinct[i] = strconv.Itoa(1900000000000000000 + i)
	}
	many := strings.Join(distinct, ",")
	tests := []struct {
		name   string
		op     string
		params map[string]any
		want   string
	}{
		// Blank list items.
		{"versions of only a comma", "initiate_agent_scan", map[string]any{"agentVersions": ","}, "agentVersions: item 1 is blank"},
		{"versions blank between commas", "abort_agent_scan", map[string]any{"agentVersions": " , "}, "agentVersions: item 1 is blank"},
		{"ids with an empty item", "reconnect_agent_network", map[string]any{"ids": id + ",," + id}, "ids: item 2 is blank"},
		{"ids with a trailing comma", "fetch_agent_logs", map[string]any{"ids": id + ","}, "ids: item 2 is blank"},
		{"group ids of only commas", "agent_action", map[string]any{"action": "Shutdown Agent", "groupIds": ",,"}, "groupIds: item 1 is blank"},
		{"excluded ids blank", "get_agents", map[string]any{"excludeIds": " ,"}, "excludeIds: item 1 is blank"},
		{"threat ids blank", "mitigate_threats", map[string]any{"action": "Kill", "threat_id": ","}, "threat_id: item 1 is blank"},
		{"agent ids of threats blank", "mark_threat_as_benign", map[string]any{"agent_id": " , , "}, "agent_id: item 1 is blank"},
		{"network statuses with a blank", "broadcast_message_to_agent", map[string]any{"message": "hi", "networkStatuses": "connected,,disconnected"}, "networkStatuses: item 2 is blank"},
		{"ids list with an empty string", "initiate_agent_scan", map[string]any{"ids": []any{id, ""}}, "ids: item 2 is blank"},
		{"ids list with a non-id", "initiate_agent_scan", map[string]any{"ids": []any{id, "abc"}}, `ids: item 2 ("abc") is not a numeric SentinelOne id`},
		{"ids list with an object", "initiate_agent_scan", map[string]any{"ids": []any{map[string]any{"id": id}}}, "ids: item 1 must be text"},
		// Numbers that are not finite, out of range or would overflow.
		{"memory that overflowed to everything", "initiate_agent_scan", map[string]any{"totalMemoryGB__gt": 1e300}, "totalMemoryGB__gt:"},
		{"memory as infinity", "initiate_agent_scan", map[string]any{"totalMemoryGB__gt": "Infinity"}, "totalMemoryGB__gt: must be a number"},
		{"memory as NaN", "initiate_agent_scan", map[string]any{"totalMemoryGB__lt": "NaN"}, "totalMemoryGB__lt: must be a number"},
		{"memory beyond float64", "initiate_agent_scan", map[string]any{"totalMemoryGB__lt": "1e400"}, "totalMemoryGB__lt: \"1e400\" is out of range"},
		{"memory negative", "get_agent_count", map[string]any{"totalMemoryGB__lt": -1}, "totalMemoryGB__lt:"},
		{"memory as hex", "get_agent_count", map[string]any{"totalMemoryGB__lt": "0x10"}, "totalMemoryGB__lt: must be a number"},
		{"cores above the range", "reconnect_agent_network", map[string]any{"coreCount__gt": 5000}, "coreCount__gt:"},
		{"cores overflowing int64", "reconnect_agent_network", map[string]any{"coreCount__gt": json.Number("9223372036854775808")}, "coreCount__gt: \"9223372036854775808\" is out of range"},
		{"limit above the range", "get_agents", map[string]any{"limit": 1000001}, "limit:"},
		{"skip negative", "get_agents", map[string]any{"skip": "-1"}, "skip:"},
		{"max_targets zero", "initiate_agent_scan", map[string]any{"ids": id, "max_targets": 0}, "max_targets:"},
		// Integers that are not decimal digits.
		{"integer in exponent form", "get_agents", map[string]any{"limit": "1e3"}, `limit: must be a whole number written in decimal digits, got "1e3"`},
		{"integer with a plus", "get_agents", map[string]any{"limit": "+5"}, `limit: must be a whole number written in decimal digits, got "+5"`},
		{"integer in hex", "get_agents", map[string]any{"skip": "0x10"}, `skip: must be a whole number written in decimal digits, got "0x10"`},
		{"integer JSON number with exponent", "get_agents", map[string]any{"limit": json.Number("1e3")}, "limit: must be a whole number written in decimal digits, got 1e3"},
		{"integer with a fraction", "initiate_agent_scan", map[string]any{"coreCount__lt": "2.5"}, "coreCount__lt: must be a whole number"},
		// Text with control characters, or too long.
		{"name with NUL", "reconnect_agent_network", map[string]any{"computerName__like": "FIN\x00"}, "computerName__like: holds the control character U+0000"},
		{"name with an escape", "reconnect_agent_network", map[string]any{"computerName__like": "\x1b[31mFIN"}, "computerName__like: holds the control character U+001B"},
		{"message with a C1 control", "broadcast_message_to_agent", map[string]any{"message": "hi\u0085there", "ids": id}, "message: holds the control character U+0085"},
		{"message with a line break", "broadcast_message_to_agent", map[string]any{"message": "hi\nthere", "ids": id}, "message: holds the control character U+000A"},
		{"threat name with DEL", "list_all_threats", map[string]any{"threatName": "Troj\x7fan"}, "threatName: holds the control character U+007F"},
		{"message above SentinelOne's limit", "broadcast_message_to_agent", map[string]any{"message": strings.Repeat("m", 141), "ids": id}, "message:"},
		{"name above its bound", "get_agents", map[string]any{"computerName__like": strings.Repeat("n", 256)}, "computerName__like:"},
		{"agent id too long", "get_agent_passphrase", map[string]any{"agent_id": strings.Repeat("1", 65)}, "agent_id:"},
		// Id lists above their bound.
		{"5001 ids", "get_agent_count", map[string]any{"ids": many}, "ids: holds 5001 items; at most 5000"},
		{"5001 threat ids", "mitigate_threats", map[string]any{"action": "Kill", "threat_id": many}, "threat_id: holds 5001 items; at most 5000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.t = t
			h.reset()
			status, msg := h.fail(tt.op, tt.params)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Contains(t, msg, tt.want)
			assert.Empty(t, h.sim.Sim.Requests(), "bad input must never reach SentinelOne")
		})
	}
	t.Run("ids as a JSON list", func(t *testing.T) {
		h.t = t
		var got []map[string]any
		h.ok("get_agents", map[string]any{"ids": []any{id, json.Number(h.agents(live)[1].ID)}}, &got)
		assert.ElementsMatch(t, []string{id, h.agents(live)[1].ID}, idsOf(t, got))
	})
}
