package sentinelone

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestThreatsPages(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/threats", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testAuth(t, r, "ApiToken "+testAPIToken)
		testQuery(t, r, url.Values{"contentHashes": {"aa"}, "displayName": {"Emotet"}, "skip": {"3"}, "limit": {"5"}})
		writeJSON(w, http.StatusOK, `{"data":[{"id":"9","threatInfo":{"threatName":"Emotet"}}],"pagination":{"nextCursor":null,"totalItems":4}}`)
	})
	got, err := Collect(f.client.Threats.Pages(context.Background(),
		Filter{"contentHashes": []string{"aa"}, "displayName": "Emotet"}, ListOptions{Skip: 3, Limit: 5}))
	require.NoError(t, err)
	assert.Equal(t, []map[string]any{{"id": "9", "threatInfo": map[string]any{"threatName": "Emotet"}}}, decodeJSON(t, got))
}

func TestThreatsMitigate(t *testing.T) {
	for _, action := range []string{MitigateKill, MitigateQuarantine, MitigateUnquarantine, MitigateRemediate, MitigateRollback} {
		t.Run(action, func(t *testing.T) {
			f := newFixture(t)
			f.mux.HandleFunc("/threats/mitigate/"+action, func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodPost)
				testAuth(t, r, "ApiToken "+testAPIToken)
				testQuery(t, r, url.Values{})
				testBody(t, r, `{"filter":{"ids":["9","10"]},"data":{}}`)
				writeJSON(w, http.StatusOK, `{"data":{"affected":2,"details":[{"threatId":"9","skipped":[]}]}}`)
			})
			got, err := f.client.Threats.Mitigate(context.Background(), action, Filter{"ids": []string{"9", "10"}})
			require.NoError(t, err)
			assert.Equal(t, 2, got.Affected)
			assert.JSONEq(t, `[{"threatId":"9","skipped":[]}]`, string(got.Details))
		})
	}
	f := newFixture(t)
	_, err := f.client.Threats.Mitigate(context.Background(), "network-quarantine-all", Filter{"ids": []string{"9"}})
	assert.ErrorContains(t, err, `action "network-quarantine-all" is unknown`)
	assert.Zero(t, f.requests.Load())
}

func TestThreatsMarkAsBenign(t *testing.T) {
	f := newFixture(t, withVersion20)
	f.mux.HandleFunc("/threats/mark-as-benign", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		assert.Equal(t, "/web/api/v2.0/threats/mark-as-benign", r.RequestURI)
		testBody(t, r, `{"filter":{"ids":["9"]},"data":{"targetScope":"site"}}`)
		writeJSON(w, http.StatusOK, `{"data":{"affected":1}}`)
	})
	n, err := f.client.Threats.MarkAsBenign(context.Background(), Filter{"ids": []string{"9"}})
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	_, err = f.client.Threats.SetAnalystVerdict(context.Background(), Filter{"ids": []string{"9"}}, VerdictFalsePositive)
	assert.ErrorIs(t, err, ErrVersionUnsupported)

	f21 := newFixture(t)
	_, err = f21.client.Threats.MarkAsBenign(context.Background(), Filter{"ids": []string{"9"}})
	require.ErrorIs(t, err, ErrVersionUnsupported)
	assert.Contains(t, err.Error(), "false_positive")
	assert.Zero(t, f21.requests.Load())
}

func TestThreatsSetAnalystVerdict(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/threats/analyst-verdict", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		assert.Equal(t, "/web/api/v2.1/threats/analyst-verdict", r.RequestURI)
		testAuth(t, r, "ApiToken "+testAPIToken)
		testBody(t, r, `{"filter":{"ids":["9"],"tenant":true},"data":{"analystVerdict":"false_positive"}}`)
		writeJSON(w, http.StatusOK, `{"data":{"affected":1,"details":[{"threatId":"9","result":"updated"}]}}`)
	})
	got, err := f.client.Threats.SetAnalystVerdict(context.Background(), Filter{"ids": []string{"9"}, "tenant": true}, VerdictFalsePositive)
	require.NoError(t, err)
	assert.Equal(t, 1, got.Affected)
	assert.JSONEq(t, `[{"threatId":"9","result":"updated"}]`, string(got.Details))

	_, err = f.client.Threats.SetAnalystVerdict(context.Background(), Filter{"ids": []string{"9"}}, "benign")
	assert.ErrorContains(t, err, `verdict "benign" is unknown`)
}

func TestHashesReputation(t *testing.T) {
	const known, unknown = "3395856ce81f2b7382dee72602f798b642f14140", "0000000000000000000000000000000000000000"
	f := newFixture(t)
	f.mux.HandleFunc("/hashes/"+known+"/reputation", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testAuth(t, r, "ApiToken "+testAPIToken)
		testQuery(t, r, url.Values{})
		writeJSON(w, http.StatusOK, `{"data":{"rank":"7"}}`)
	})
	f.mux.HandleFunc("/hashes/"+unknown+"/reputation", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"data":{}}`)
	})
	ctx := context.Background()
	got, err := f.client.Hashes.Reputation(ctx, known)
	require.NoError(t, err)
	assert.JSONEq(t, `{"rank":"7"}`, string(got))

	got, err = f.client.Hashes.Reputation(ctx, unknown)
	require.NoError(t, err)
	assert.JSONEq(t, `{}`, string(got))

	for _, bad := range []string{"", "abc", "zz95856ce81f2b7382dee72602f798b642f14140", "../../../../system/info/aaaaaaaaaaaaaaaa"} {
		_, err = f.client.Hashes.Reputation(ctx, bad)
		assert.ErrorContains(t, err, "is not a SHA-1", bad)
	}
	assert.EqualValues(t, 2, f.requests.Load())
}

func TestSystemInfo(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/system/info", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testAuth(t, r, "ApiToken "+testAPIToken)
		writeJSON(w, http.StatusOK, `{"data":{"version":"23.4.1","latestAgentVersion":"23.4.2.14"}}`)
	})
	got, err := f.client.System.Info(context.Background())
	require.NoError(t, err)
	assert.JSONEq(t, `{"version":"23.4.1","latestAgentVersion":"23.4.2.14"}`, string(got))
}
