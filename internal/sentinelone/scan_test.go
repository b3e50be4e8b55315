package sentinelone

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// decodeListOracle is what decodeList must equal: encoding/json's own reading.
func decodeListOracle(body []byte) (listData, error) {
	var l listData
	err := json.Unmarshal(body, &l)
	return l, err
}

var listSeeds = []string{
	`{"data":[{"id":"1","name":"a\"]}"},{"id":"2","x":[1,{"y":"}"}]}],"pagination":{"nextCursor":"YWJj","totalItems":2}}`,
	`{"pagination":{"nextCursor":null,"totalItems":0},"data":[]}`,
	` { "data" : [ 1 , "two" , null , true , -1.5e3 , [ ] , { } ] , "errors" : [ { "code" : 4000010 , "title" : "x" } ] } `,
	`{"DATA":[1],"data":[2]}`,
	`{"d\u0061ta":[3]}`,
	`{"data":null}`,
	`null`,
	`{"data":{"a":1}}`,
	`{"data":"x"}`,
	`[1,2]`,
	`{"data":[1,2]`,
	`{"data":[1,2]} x`,
	`{"ſata":[1]}`,
	`{"data":["\\\"",  "\\\\"]}`,
	`{"data":[{"k":"\ud83d\ude00"}]}`,
}

func TestDecodeListMatchesEncodingJSON(t *testing.T) {
	for _, s := range listSeeds {
		got, gotErr := decodeList([]byte(s))
		want, wantErr := decodeListOracle([]byte(s))
		if wantErr != nil {
			assert.Error(t, gotErr, s)
			continue
		}
		require.NoError(t, gotErr, s)
		assert.Equal(t, want, got, s)
	}
}

func TestDecodeListReadsARealPage(t *testing.T) {
	body := simPage(t, 50)
	got, err := decodeList(body)
	require.NoError(t, err)
	want, err := decodeListOracle(body)
	require.NoError(t, err)
	require.Len(t, got.Data, 50)
	assert.Equal(t, want, got)
}

// simPage is one page of limit agents as the simulator encodes it.
func simPage(tb testing.TB, limit int) []byte {
	tb.Helper()
	srv, err := s1sim.Start(s1sim.Options{Agents: limit})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = srv.Close() })
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CertPool()}}}
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/web/api/v2.1/agents?limit="+strconv.Itoa(limit), nil)
	require.NoError(tb, err)
	req.Header.Set("Authorization", "ApiToken "+s1sim.AdminAPIToken)
	resp, err := hc.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	require.Equal(tb, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return body
}

func FuzzDecodeList(f *testing.F) {
	for _, s := range listSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, gotErr := decodeList(body)
		want, wantErr := decodeListOracle(body)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("decodeList error %v, encoding/json error %v, for %q", gotErr, wantErr, body)
		}
		if wantErr == nil {
			assert.Equal(t, want, got)
		}
	})
}

func BenchmarkDecodeList(b *testing.B) {
	body := simPage(b, 1000)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := decodeList(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeListEncodingJSON(b *testing.B) {
	body := simPage(b, 1000)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := decodeListOracle(body); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadBodyWhateverTheHint: the size hint only sizes the buffer; the body read is the
// same with no hint, one too small and one too large.
func TestReadBodyWhateverTheHint(t *testing.T) {
	body := simPage(t, 20)
	for _, hint := range []int64{0, -1, 1, int64(len(body)) - 1, int64(len(body)), int64(len(body)) * 3} {
		got, err := readBody(bytes.NewReader(body), hint)
		require.NoError(t, err)
		assert.Equal(t, body, got, "hint %d", hint)
	}
}
