package sentinelone_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// stampsOracle reads a threat's stamps with encoding/json, as ThreatStamps must.
func stampsOracle(raw []byte) (sentinelone.Stamps, error) {
	var t struct {
		ID         string `json:"id"`
		CreatedAt  string `json:"createdAt"`
		UpdatedAt  string `json:"updatedAt"`
		ThreatInfo *struct {
			CreatedAt string `json:"createdAt"`
			UpdatedAt string `json:"updatedAt"`
		} `json:"threatInfo"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return sentinelone.Stamps{}, err
	}
	s := sentinelone.Stamps{ID: t.ID, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if t.ThreatInfo != nil && t.ThreatInfo.UpdatedAt != "" {
		s.CreatedAt, s.UpdatedAt = t.ThreatInfo.CreatedAt, t.ThreatInfo.UpdatedAt
	}
	return s, nil
}

var stampSeeds = []string{
	`{"id":"1","threatInfo":{"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-02T00:00:00Z","x":{"updatedAt":"no"}},"agentRealtimeInfo":{"id":"9"}}`,
	`{"id":"2","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-03T00:00:00Z"}`,
	`{"ID":"3","threatinfo":{"UPDATEDAT":"u"},"id":"4"}`,
	`{"id":"5","threatInfo":{"updatedAt":"a"},"threatInfo":{"createdAt":"c"}}`,
	`{"id":"6","threatInfo":{"updatedAt":"a"},"threatInfo":null}`,
	`{"id":"\u0037","updatedAt":"x\"y"}`,
	`{"id":7}`,
	`{"id":"8","threatInfo":[1]}`,
	`{"id":null,"updatedAt":"z"}`,
	`[1]`,
	`{"id":"\xff"}`,
	`{"id":"9",`,
	`{"id" "9"}`,
}

func TestThreatStampsMatchEncodingJSON(t *testing.T) {
	for _, s := range stampSeeds {
		if !json.Valid([]byte(s)) {
			continue
		}
		got, gotErr := sentinelone.ThreatStamps([]byte(s))
		want, wantErr := stampsOracle([]byte(s))
		if wantErr != nil {
			assert.Error(t, gotErr, s)
			continue
		}
		assert.NoError(t, gotErr, s)
		assert.Equal(t, want, got, s)
	}
}

func FuzzThreatStamps(f *testing.F) {
	for _, s := range stampSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, gotErr := sentinelone.ThreatStamps(raw) // never panics, valid or not
		if !json.Valid(raw) {
			return // items come from pages json.Valid accepted
		}
		want, wantErr := stampsOracle(raw)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("ThreatStamps error %v, encoding/json error %v, for %q", gotErr, wantErr, raw)
		}
		if wantErr == nil {
			assert.Equal(t, want, got)
		}
	})
}

// alertStampsOracle reads an alert's stamps with encoding/json, as AlertStamps must.
func alertStampsOracle(raw []byte) (sentinelone.Stamps, error) {
	var a struct {
		AlertInfo struct {
			AlertID   string `json:"alertId"`
			CreatedAt string `json:"createdAt"`
		} `json:"alertInfo"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return sentinelone.Stamps{}, err
	}
	return sentinelone.Stamps{ID: a.AlertInfo.AlertID, CreatedAt: a.AlertInfo.CreatedAt}, nil
}

var alertStampSeeds = []string{
	`{"alertInfo":{"alertId":"1","createdAt":"2026-01-01T00:00:00Z","updatedAt":"x"},"ruleInfo":{"alertId":"no"}}`,
	`{"ruleInfo":{"name":"r"},"ALERTINFO":{"ALERTID":"2"}}`,
	`{"alertInfo":null}`,
	`{"alertInfo":{"alertId":3}}`,
	`{"alertInfo":{"alertId":"4"},"alertInfo":{"createdAt":"c"}}`,
	`{"alertInfo":[1]}`,
	`{}`,
}

func FuzzAlertStamps(f *testing.F) {
	for _, s := range alertStampSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, gotErr := sentinelone.AlertStamps(raw) // never panics, valid or not
		if !json.Valid(raw) {
			return
		}
		want, wantErr := alertStampsOracle(raw)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("AlertStamps error %v, encoding/json error %v, for %q", gotErr, wantErr, raw)
		}
		if wantErr == nil {
			assert.Equal(t, want, got)
		}
	})
}
