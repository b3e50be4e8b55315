package s1sim

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shape is a recorded key list: each key (nested keys as "a.b", array items
// as "a[].b") with the JSON type it had. "null" says the key was null in the
// recording, "any" that the schema gives no JSON type (Swagger "Object").
type shape struct {
	Source string            `json:"source"`
	Keys   map[string]string `json:"keys"`
}

// threatsPath is the v2.1 threats endpoint.
const threatsPath = "/web/api/v2.1/threats"

// leftOut lists, per fixture file, the recorded keys the simulator does not
// match, with the reason. The test fails when a key is missing without an
// entry here, and when an entry here is matched after all.
var leftOut = map[string]map[string]string{
	"activity.spec.json": {
		"comments": "null unless a console user comments an activity; nothing the API does comments",
	},
	"agent.xsoar.json": {
		"firewallEnabled": `recorded as the string "True" (a conversion in that test data); the 2.1 schema and Rapid7's recorded agent have a boolean, which the simulator sends`,
		"isUpToDate":      `recorded as the string "True" (same conversion); the 2.1 schema and Rapid7's recorded agent have a boolean`,
	},
}

// minShare is the share of recorded keys each simulated object must carry
// with the recorded type.
const minShare = 0.95

// typeName is the JSON type of a decoded value.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "?"
}

// census counts, over a sample of objects, how many objects exist at each
// path, how often each key occurs and which JSON types it had.
type census struct {
	parents map[string]int
	seen    map[string]int
	types   map[string]map[string]bool
}

func newCensus(objs []any) *census {
	c := &census{parents: map[string]int{}, seen: map[string]int{}, types: map[string]map[string]bool{}}
	for _, o := range objs {
		c.walk("", o)
	}
	return c
}

func (c *census) walk(prefix string, v any) {
	switch x := v.(type) {
	case map[string]any:
		c.parents[prefix]++
		for k, val := range x {
			p := prefix + k
			c.seen[p]++
			if c.types[p] == nil {
				c.types[p] = map[string]bool{}
			}
			c.types[p][typeName(val)] = true
			switch v := val.(type) {
			case map[string]any:
				c.walk(p+".", v)
			case []any:
				for _, it := range v {
					c.walk(p+"[].", it)
				}
			}
		}
	}
}

// parentOf is the object path that holds key path k.
func parentOf(k string) string {
	if i := strings.LastIndex(k, "."); i >= 0 {
		return k[:i+1]
	}
	return ""
}

// check reports whether key k is on every object that could hold it and
// has the recorded type: every non-null value of the sample has that type,
// and at least one value has it, unless the recording has no type.
func (c *census) check(k, want string) (bool, string) {
	n := c.parents[parentOf(k)]
	switch {
	case n == 0:
		return false, "no object holds it"
	case c.seen[k] != n:
		return false, "missing"
	case want == "null" || want == "any":
		return true, ""
	}
	var got []string
	for t := range c.types[k] {
		if t != "null" {
			got = append(got, t)
		}
	}
	sort.Strings(got)
	if len(got) != 1 || got[0] != want {
		return false, "type " + strings.Join(got, "|") + ", recorded " + want
	}
	return true, ""
}

// samplers return the simulated objects of each kind, as decoded JSON.
func shapeSamplers(t *testing.T, e *env) map[string]func() []any {
	all := e.sim.Agents()
	idList := strings.Join(ids(all, func(a *Agent) string { return a.ID }), ",")
	data := func(path string, q url.Values) any {
		r := e.get(path, q)
		require.Equal(t, 200, r.status, "%s: %s", path, r.body)
		var out struct {
			Data any `json:"data"`
		}
		r.json(t, &out)
		return out.Data
	}
	list := func(path string, q url.Values) []any { return data(path, q).([]any) }
	var cached []any
	threats := func() []any {
		if cached == nil {
			cached = list(threatsPath, url.Values{"limit": {"1000"}})
		}
		return cached
	}
	part := func(key string) func() []any {
		return func() []any {
			var out []any
			for _, th := range threats() {
				switch v := th.(map[string]any)[key].(type) {
				case []any:
					out = append(out, v...)
				default:
					out = append(out, v)
				}
			}
			return out
		}
	}
	known := e.sim.Threats()[0]
	a := all[0]
	// The triage objects exist once something was applied: a note, a blocklist entry and a
	// path exclusion in each scope.
	e.post(v21Path+"/threats/notes", map[string]any{"filter": map[string]any{"ids": []string{known.ID}}, "data": map[string]any{"text": "seen"}})
	for _, scope := range []map[string]any{{"tenant": true}, {"siteIds": []string{a.SiteID}}, {"groupIds": []string{a.GroupID}}, {"accountIds": []string{a.AccountID}}} {
		e.post(v21Path+"/restrictions", map[string]any{"filter": scope, "data": map[string]any{"type": "black_hash", "value": known.SHA1, "osType": "windows"}})
		e.post(v21Path+"/exclusions", map[string]any{"filter": scope, "data": map[string]any{"type": "path", "value": "/opt/x", "osType": "linux"}})
	}
	return map[string]func() []any{
		"threat-note":          func() []any { return list(v21Path+"/threats/"+known.ID+"/notes", nil) },
		"threat-timeline":      func() []any { return list(v21Path+"/threats/"+known.ID+"/timeline", nil) },
		"blocklist-entry":      func() []any { return list(v21Path+"/restrictions", nil) },
		"exclusion":            func() []any { return list(v21Path+"/exclusions", nil) },
		"agent":                func() []any { return list(agentsPath, url.Values{"limit": {"1000"}}) },
		"threat":               threats,
		"threat-info":          part("threatInfo"),
		"agent-realtime-info":  part("agentRealtimeInfo"),
		"agent-detection-info": part("agentDetectionInfo"),
		"mitigation-status":    part("mitigationStatus"),
		"container-info":       part("containerInfo"),
		"kubernetes-info":      part("kubernetesInfo"),
		"threat-v20":           func() []any { return list("/web/api/v2.0/threats", url.Values{"limit": {"1000"}}) },
		"application":          func() []any { return list(agentsPath+"/applications", url.Values{"ids": {idList}}) },
		"process":              func() []any { return list("/web/api/v2.0/agents/processes", url.Values{"ids": {idList}}) },
		"passphrase":           func() []any { return list(agentsPath+"/passphrases", url.Values{"limit": {"1000"}}) },
		"hash-reputation":      func() []any { return []any{data("/web/api/v2.1/hashes/"+known.SHA1+"/reputation", nil)} },
		"hash-verdict":         func() []any { return []any{data("/web/api/v2.1/hashes/"+known.SHA1+"/verdict", nil)} },
		"system-info":          func() []any { return []any{data(infoPath, nil)} },
		"activity":             func() []any { return list("/web/api/v2.1/activities", url.Values{"limit": {"1000"}}) },
		"activity-type":        func() []any { return list("/web/api/v2.1/activities/types", nil) },
		"site":                 func() []any { return data("/web/api/v2.1/sites", nil).(map[string]any)["sites"].([]any) },
		"group":                func() []any { return list("/web/api/v2.1/groups", nil) },
		"account":              func() []any { return list("/web/api/v2.1/accounts", nil) },
		"alert":                func() []any { return list(v21Path+"/cloud-detection/alerts", url.Values{"limit": {"1000"}}) },
		"dv-event": func() []any {
			id, err := e.sim.SeedQuery(`AgentOS != "none"`, time.Now().Add(-time.Hour))
			require.NoError(t, err)
			return list(v21Path+"/dv/events", url.Values{"queryId": {id}, "limit": {"1000"}})
		},
	}
}

// TestRecordedShapes compares every simulated object kind with the key
// lists recorded from real SentinelOne answers and schemas
// (testdata/shapes/<kind>.<source>.json).
func TestRecordedShapes(t *testing.T) {
	// A larger fleet than the default, so that rare states (Kubernetes nodes,
	// storage agents, aborted scans) carry threats too.
	e := newEnv(t, Options{Agents: 1000, Threats: 400})
	// Mitigate a few threats so API-made mitigation reports are sampled too, and isolate a
	// few agents: both record activities.
	e.post(threatsPath+"/mitigate/kill",
		map[string]any{"filter": map[string]any{"ids": ids(e.sim.Threats()[:3], func(t *Threat) string { return t.ID })}})
	e.post(agentsPath+"/actions/disconnect",
		map[string]any{"filter": map[string]any{"ids": ids(e.sim.Agents()[:3], func(a *Agent) string { return a.ID })}})
	samplers := shapeSamplers(t, e)
	files, err := filepath.Glob("testdata/shapes/*.json")
	require.NoError(t, err)
	covered := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		kind := name[:strings.Index(name, ".")]
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			require.NoError(t, err)
			var sh shape
			require.NoError(t, json.Unmarshal(raw, &sh))
			require.NotEmpty(t, sh.Source)
			require.NotEmpty(t, sh.Keys)
			sample, ok := samplers[kind]
			require.True(t, ok, "no simulated object for kind %q", kind)
			covered[kind] = true
			objs := sample()
			require.NotEmpty(t, objs)
			c := newCensus(objs)
			matched := 0
			var misses []string
			for k, want := range sh.Keys {
				ok, why := c.check(k, want)
				_, excused := leftOut[name][k]
				switch {
				case ok:
					matched++
					assert.False(t, excused, "%s is matched; drop it from leftOut", k)
				case !excused:
					misses = append(misses, k+": "+why)
				}
			}
			sort.Strings(misses)
			assert.Empty(t, misses, "recorded keys the simulator lacks (source %s)", sh.Source)
			share := float64(matched) / float64(len(sh.Keys))
			t.Logf("%d of %d recorded keys (%.1f%%) with the recorded type", matched, len(sh.Keys), 100*share)
			assert.GreaterOrEqual(t, share, minShare)
		})
	}
	for kind := range samplers {
		assert.True(t, covered[kind], "no recorded key list for %q", kind)
	}
}
