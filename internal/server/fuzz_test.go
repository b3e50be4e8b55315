package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	root "github.com/fortisoar-connectors/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/connector"
)

// fuzzMaxBody is the body limit of the fuzzed server: small, so the fuzzer reaches 413.
const fuzzMaxBody = 2048

// fuzzToken is the fuzzed server's bearer token.
const fuzzToken = "fuzz-token-0123456789abcdef"

// callCounter is a registry of handlers, one per manifest operation, that count their calls.
type callCounter struct {
	mu    sync.Mutex
	calls map[string]int
	total int
}

func (cc *callCounter) handler(name string) connector.Handler {
	return connector.HandlerFunc(func(_ context.Context, call *connector.Call) (any, error) {
		cc.mu.Lock()
		defer cc.mu.Unlock()
		cc.calls[name]++
		cc.total++
		// Echo the coerced params, so the success envelope must encode every value shape.
		return map[string]any{"operation": call.Operation.Name, "params": call.Params}, nil
	})
}

func (cc *callCounter) snapshot() (map[string]int, int) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	calls := make(map[string]int, len(cc.calls))
	for k, v := range cc.calls {
		calls[k] = v
	}
	return calls, cc.total
}

// fuzzServer builds the server over the embedded manifest with counting handlers and three
// configurations: a default one, one with get_agents disabled and a deactivated one.
func fuzzServer(f *testing.F) (*Server, *callCounter) {
	f.Helper()
	info, err := root.Files.ReadFile(root.ManifestPath)
	if err != nil {
		f.Fatal(err)
	}
	schema, err := root.Files.ReadFile(root.ManifestSchemaPath)
	if err != nil {
		f.Fatal(err)
	}
	m, err := connector.Load(info, schema)
	if err != nil {
		f.Fatal(err)
	}
	m.AcceptVersions(root.EarlierVersions...)
	cc := &callCounter{calls: map[string]int{}}
	reg := connector.NewRegistry()
	for _, op := range m.Operations {
		if err := reg.Register(op.Name, cc.handler(op.Name)); err != nil {
			f.Fatal(err)
		}
	}
	configs := connector.NewStaticConfigs(
		&connector.Config{ID: "c1", Name: "tenant-a", Default: true},
		&connector.Config{ID: "c2", Name: "tenant-b", Disabled: []string{"get_agents"}},
		&connector.Config{ID: "c3", Name: "tenant-c", Inactive: true},
	)
	conn, err := connector.New(m, reg, configs)
	if err != nil {
		f.Fatal(err)
	}
	return New(conn, Options{MaxBodyBytes: fuzzMaxBody, APIToken: fuzzToken}), cc
}

// fuzzEnvelope is the union of the success and failure envelopes.
type fuzzEnvelope struct {
	Data      json.RawMessage `json:"data"`
	Message   *string         `json:"message"`
	Operation *string         `json:"operation"`
	Status    string          `json:"status"`
}

// FuzzExecute sends arbitrary bodies through the real execute route, with one of a few
// content types picked by the low bits of mode and the server's bearer token (a wrong one
// when mode's high bit is set). The handler never panics or answers 500; every answer is a
// JSON envelope whose status is "Success" on 200 and "failed" otherwise; the HTTP status is
// one the execute route documents; a wrong token always gets 401; a refused request never
// reaches an operation handler and an accepted one reaches exactly the handler of the
// operation it names.
func FuzzExecute(f *testing.F) {
	s, cc := fuzzServer(f)
	contentTypes := []string{"application/json", "application/json; charset=utf-8", "text/plain", "", "application/json; x", "APPLICATION/JSON"}
	for _, seed := range []string{
		`{"connector":"sentinelone","version":"1.0.0","operation":"get_agents","params":{"limit":"3"}}`,
		`{"connector":"sentinelone","operation":"get_agent_count","params":{"osTypes":"windows, linux","isActive":"True","includeDecommissioned":"TRUE"}}`,
		`{"connector":"sentinelone","operation":"get_agents","params":{"limit":5,"totalMemoryGB__gt":7.5,"ids":null,"computerName__like":""}}`,
		`{"connector":"sentinelone","operation":"get_hash_details","params":{"hash":"da39a3ee5e6b4b0d3255bfef95601890afd80709"}}`,
		`{"connector":"sentinelone","operation":"agent_action","config":"tenant-a","params":{"action":"Isolate Agent Network","ids":"1"}}`,
		`{"connector":"sentinelone","operation":"get_agents","config":"tenant-b"}`,
		`{"connector":"sentinelone","operation":"get_agents","config":"c3"}`,
		`{"connector":"sentinelone","operation":"get_agents","config":"tenant-x"}`,
		`{"connector":"sentinelone","operation":"get_agents","params":{"limit":0,"isActive":"maybe","idz":"1"}}`,
		`{"connector":"sentinelone","operation":"get_agents","params":{"limit":1e400}}`,
		`{"connector":"sentinelone","operation":"get_agents","params":"limit=3"}`,
		`{"connector":"sentinelone","operation":"get_agents","params":[1]}`,
		`{"connector":"sentinelone","operation":"get_agents","params":null,"config":null,"version":null}`,
		`{"connector":7,"operation":"get_agents"}`,
		`{"connector":"crowdstrike","operation":"get_agents"}`,
		`{"connector":"sentinelone","version":"2.0.0","operation":"get_agents"}`,
		`{"connector":"sentinelone","operation":"reboot_agent"}`,
		`{"connector":"sentinelone"}`,
		`{"connector":"sentinelone","operation":"get_agents","operation":"get_agent_count"}`,
		`{"connector":"sentinelone","operation":"get_agents","connector":"x"}`,
		`{} {}`, `{"connector":`, `[]`, `null`, `""`, ` `, ``, "\xef\xbb\xbf{}",
	} {
		f.Add([]byte(seed), uint8(0))
	}
	f.Add([]byte(`{"connector":"sentinelone","operation":"get_agents"}`), uint8(2))
	f.Add([]byte(`{"connector":"sentinelone","operation":"get_agents"}`), uint8(5))
	f.Add([]byte(`{"connector":"sentinelone","operation":"get_agents"}`), uint8(0x80))
	f.Add(append([]byte(`{"connector":"sentinelone","operation":"get_agents","params":{"computerName__like":"`),
		append(bytes.Repeat([]byte("x"), fuzzMaxBody), `"}}`...)...), uint8(1))

	allowed := map[int]bool{200: true, 400: true, 401: true, 403: true, 404: true, 413: true, 415: true}
	f.Fuzz(func(t *testing.T, body []byte, mode uint8) {
		before, beforeTotal := cc.snapshot()
		req := httptest.NewRequest(http.MethodPost, "/api/integration/execute/", bytes.NewReader(body))
		if c := contentTypes[int(mode&0x7f)%len(contentTypes)]; c != "" {
			req.Header.Set("Content-Type", c)
		}
		badToken := mode&0x80 != 0
		if badToken {
			req.Header.Set("Authorization", "Bearer not-"+fuzzToken)
		} else {
			req.Header.Set("Authorization", "Bearer "+fuzzToken)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		after, afterTotal := cc.snapshot()

		if !allowed[rec.Code] || (badToken != (rec.Code == http.StatusUnauthorized)) {
			t.Fatalf("status %d for body %q (wrong token: %v): %s", rec.Code, body, badToken, rec.Body.Bytes())
		}
		var env fuzzEnvelope
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Fatalf("status %d: answer is not one JSON envelope (%v): %q", rec.Code, err, rec.Body.Bytes())
		}
		if env.Message == nil {
			t.Fatalf("status %d: envelope has no message: %s", rec.Code, rec.Body.Bytes())
		}
		if rec.Code != http.StatusOK {
			if env.Status != "failed" {
				t.Fatalf("status %d: envelope status %q, want failed: %s", rec.Code, env.Status, rec.Body.Bytes())
			}
			if afterTotal != beforeTotal {
				t.Fatalf("status %d for body %q, yet an operation handler ran", rec.Code, body)
			}
			return
		}

		if env.Status != "Success" || env.Operation == nil {
			t.Fatalf("200 with envelope status %q and operation %v: %s", env.Status, env.Operation, rec.Body.Bytes())
		}
		op := *env.Operation
		if afterTotal != beforeTotal+1 || after[op] != before[op]+1 {
			t.Fatalf("200 for operation %q, but handlers ran %d times (that one %d times)",
				op, afterTotal-beforeTotal, after[op]-before[op])
		}
		var data struct {
			Operation string         `json:"operation"`
			Params    map[string]any `json:"params"`
		}
		if err := json.Unmarshal(env.Data, &data); err != nil || data.Operation != op {
			t.Fatalf("200 for operation %q with data %s (%v)", op, env.Data, err)
		}
		// What was accepted must be one JSON object naming this connector and operation.
		if !json.Valid(body) {
			t.Fatalf("200 for a body that is not one JSON value: %q", body)
		}
		var sent map[string]json.RawMessage
		if err := json.Unmarshal(body, &sent); err != nil {
			t.Fatalf("200 for a body that is not a JSON object (%v): %q", err, body)
		}
		var connName, opName string
		_ = json.Unmarshal(sent["connector"], &connName)
		_ = json.Unmarshal(sent["operation"], &opName)
		if connName != "sentinelone" || opName != op {
			t.Fatalf("200 for operation %q from body %q", op, body)
		}
	})
}
