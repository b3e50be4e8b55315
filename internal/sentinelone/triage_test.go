package sentinelone

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSetIncidentStatus(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/threats/incident", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testBody(t, r, `{"filter":{"ids":["9"]},"data":{"incidentStatus":"resolved","analystVerdict":"true_positive"}}`)
		writeJSON(w, http.StatusOK, `{"data":{"affected":1,"details":[{"threatId":"9","result":"updated"}]}}`)
	})
	got, err := f.client.Threats.SetIncidentStatus(context.Background(), Filter{"ids": []string{"9"}}, IncidentResolved, VerdictTruePositive)
	require.NoError(t, err)
	assert.Equal(t, 1, got.Affected)

	_, err = f.client.Threats.SetIncidentStatus(context.Background(), Filter{"ids": []string{"9"}}, "closed", "")
	assert.ErrorContains(t, err, `status "closed" is unknown`)
	f20 := newFixture(t, withVersion20)
	_, err = f20.client.Threats.SetIncidentStatus(context.Background(), Filter{"ids": []string{"9"}}, IncidentResolved, "")
	assert.ErrorIs(t, err, ErrVersionUnsupported)
	assert.Zero(t, f20.requests.Load())
}

func TestAddNoteAndPages(t *testing.T) {
	f := newFixture(t)
	f.mux.HandleFunc("/threats/notes", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testBody(t, r, `{"filter":{"ids":["9","10"]},"data":{"text":"seen"}}`)
		writeJSON(w, http.StatusOK, `{"data":{"affected":2}}`)
	})
	f.mux.HandleFunc("/threats/9/notes", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		if r.URL.Query().Get("cursor") == "" {
			testQuery(t, r, url.Values{"limit": {"1000"}})
			writeJSON(w, http.StatusOK, `{"data":[{"id":"1","text":"a"}],"pagination":{"nextCursor":"c2","totalItems":2}}`)
			return
		}
		testQuery(t, r, url.Values{"limit": {"1000"}, "cursor": {"c2"}})
		writeJSON(w, http.StatusOK, `{"data":[{"id":"2","text":"b"}],"pagination":{"nextCursor":null,"totalItems":2}}`)
	})
	f.mux.HandleFunc("/threats/9/timeline", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"limit": {"5"}, "sortOrder": {"desc"}})
		writeJSON(w, http.StatusOK, `{"data":[{"id":"7"}],"pagination":{"nextCursor":null,"totalItems":1}}`)
	})
	res, err := f.client.Threats.AddNote(context.Background(), Filter{"ids": []string{"9", "10"}}, "seen")
	require.NoError(t, err)
	assert.Equal(t, 2, res.Affected)
	notes, err := Collect(f.client.Threats.NotePages(context.Background(), "9", ListOptions{}))
	require.NoError(t, err)
	assert.Len(t, notes, 2)
	tl, err := Collect(f.client.Threats.TimelinePages(context.Background(), "9", "desc", ListOptions{Limit: 5}))
	require.NoError(t, err)
	assert.Len(t, tl, 1)
	_, err = Collect(f.client.Threats.TimelinePages(context.Background(), "9", "up", ListOptions{}))
	assert.ErrorContains(t, err, `sort order "up"`)
	_, err = f.client.Threats.AddNote(context.Background(), Filter{"ids": []string{"9"}}, "  ")
	assert.ErrorContains(t, err, "text is empty")
}

func TestHashVerdict(t *testing.T) {
	f := newFixture(t)
	sha256 := strings.Repeat("ab", 32)
	f.mux.HandleFunc("/hashes/"+sha256+"/verdict", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		writeJSON(w, http.StatusOK, `{"data":{"verdict":"malicious"}}`)
	})
	v, err := f.client.Hashes.Verdict(context.Background(), strings.ToUpper(sha256))
	require.NoError(t, err)
	assert.Equal(t, "malicious", v)
	_, err = f.client.Hashes.Verdict(context.Background(), "abc")
	assert.ErrorContains(t, err, "not a SHA-1 or SHA-256")
	f20 := newFixture(t, withVersion20)
	_, err = f20.client.Hashes.Verdict(context.Background(), sha256)
	assert.ErrorIs(t, err, ErrVersionUnsupported)
	assert.Zero(t, f20.requests.Load(), "refused before any request")
}

func TestListsCreateDeleteAndDuplicate(t *testing.T) {
	f := newFixture(t)
	calls := 0
	f.mux.HandleFunc("/restrictions", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			calls++
			testBody(t, r, `{"filter":{"siteIds":["5"]},"data":{"type":"black_hash","value":"aa","osType":"linux","description":"d","source":"FortiSOAR"}}`)
			if calls > 1 {
				writeJSON(w, http.StatusBadRequest, `{"errors":[{"code":4000030,"title":"Already Exists Error","detail":null}]}`)
				return
			}
			writeJSON(w, http.StatusOK, `{"data":[{"id":"77","value":"aa"}]}`)
		case http.MethodDelete:
			testBody(t, r, `{"data":{"ids":["77"],"type":"black_hash"}}`)
			writeJSON(w, http.StatusOK, `{"data":{"affected":1}}`)
		case http.MethodGet:
			testQuery(t, r, url.Values{"type": {"black_hash"}, "value__contains": {"aa"}, "tenant": {"true"}, "osTypes": {"linux,macos"}, "limit": {"1000"}})
			writeJSON(w, http.StatusOK, `{"data":[{"id":"77"}],"pagination":{"nextCursor":null,"totalItems":1}}`)
		}
	})
	bl := f.client.Blocklist()
	e := Entry{Type: TypeBlackHash, Value: "aa", OSType: "linux", Description: "d", Source: "FortiSOAR"}
	got, err := bl.Create(context.Background(), Scope{SiteIDs: []string{"5"}}, e)
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"77","value":"aa"}`, string(got))
	_, err = bl.Create(context.Background(), Scope{SiteIDs: []string{"5"}}, e)
	require.Error(t, err)
	assert.True(t, IsAlreadyExists(err), err)
	assert.False(t, IsAlreadyExists(ErrNotFound))
	n, err := bl.Delete(context.Background(), TypeBlackHash, []string{"77"})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	items, err := Collect(bl.Pages(context.Background(), ListFilter{Type: TypeBlackHash, ValueContains: "aa", OSTypes: []string{"linux", "macos"}, Scope: Scope{Tenant: true}}, ListOptions{}))
	require.NoError(t, err)
	assert.Len(t, items, 1)

	before := f.requests.Load()
	_, err = bl.Create(context.Background(), Scope{}, e)
	assert.ErrorContains(t, err, "give exactly one scope")
	_, err = bl.Create(context.Background(), Scope{Tenant: true, SiteIDs: []string{"5"}}, e)
	assert.ErrorContains(t, err, "give exactly one scope")
	assert.Equal(t, before, f.requests.Load(), "a bad scope sends nothing")
}
