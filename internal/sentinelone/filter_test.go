package sentinelone

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFilterQuery(t *testing.T) {
	tests := []struct {
		name string
		give Filter
		want url.Values
	}{
		{name: "nil", give: nil, want: url.Values{}},
		{name: "string", give: Filter{"computerName__like": "fin lab"}, want: url.Values{"computerName__like": {"fin lab"}}},
		{name: "bools", give: Filter{"isActive": true, "infected": false}, want: url.Values{"isActive": {"true"}, "infected": {"false"}}},
		{name: "numbers", give: Filter{"coreCount__gt": 4, "totalMemory__lt": int64(8192), "totalMemory__gt": 1536.5},
			want: url.Values{"coreCount__gt": {"4"}, "totalMemory__lt": {"8192"}, "totalMemory__gt": {"1536.5"}}},
		{name: "whole float", give: Filter{"totalMemory__lt": 4096.0}, want: url.Values{"totalMemory__lt": {"4096"}}},
		{name: "lists", give: Filter{"ids": []string{"1", "2"}, "isDecommissioned": []bool{true, false}},
			want: url.Values{"ids": {"1,2"}, "isDecommissioned": {"true,false"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.give.query()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := Filter{"x": uint(1)}.query()
	assert.EqualError(t, err, `filter key "x": unsupported value type uint`)
}

func TestFilterBody(t *testing.T) {
	tests := []struct {
		name     string
		give     Filter
		giveData map[string]any
		want     string
	}{
		{name: "nil filter and data", want: `{"filter":{},"data":{}}`},
		{name: "lists stay arrays", give: Filter{"ids": []string{"1"}, "isDecommissioned": []bool{false}, "coreCount__gt": 2},
			want: `{"filter":{"ids":["1"],"isDecommissioned":[false],"coreCount__gt":2},"data":{}}`},
		{name: "data", give: Filter{"groupIds": []string{"g"}}, giveData: map[string]any{"message": "hi"},
			want: `{"filter":{"groupIds":["g"]},"data":{"message":"hi"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := tt.give.body(tt.giveData)
			require.NoError(t, err)
			b, err := json.Marshal(body)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(b))
		})
	}
	_, err := Filter{"": "x"}.body(nil)
	assert.EqualError(t, err, "filter: empty key")
}
