package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
)

// readmeCall is one `s1 '…'` example of the README, with the answer the README shows after
// it, if any.
type readmeCall struct {
	line int
	body string
	want string // a "# {…}" line right after the call, without "#"; "" when none
}

// readmeCalls reads every s1 example of the README's shell blocks that needs no shell variable.
func readmeCalls(t *testing.T) []readmeCall {
	t.Helper()
	f, err := os.Open("../../README.md")
	require.NoError(t, err)
	defer f.Close()
	var out []readmeCall
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if c := len(out); c > 0 && out[c-1].line == n-1 && strings.HasPrefix(line, "# {") {
			out[c-1].want = strings.TrimPrefix(line, "# ")
			continue
		}
		body, ok := strings.CutPrefix(line, "s1 '")
		if !ok || strings.Contains(body, "$") {
			continue
		}
		out = append(out, readmeCall{line: n, body: strings.TrimSuffix(body, "'")})
	}
	require.NoError(t, sc.Err())
	return out
}

// TestReadmeExamplesWork runs every execute example of the README, in order, against the
// connector with its embedded simulator, as `make run` serves them: each must succeed, and
// an answer the README shows must be the real one.
func TestReadmeExamplesWork(t *testing.T) {
	a, err := app.New(context.Background(), app.Options{Dev: true})
	require.NoError(t, err)
	ts := httptest.NewServer(a.Server.Handler())
	t.Cleanup(func() {
		ts.Close()
		_ = a.Close()
	})
	calls := readmeCalls(t)
	require.NotEmpty(t, calls)
	for _, c := range calls {
		resp, err := http.Post(ts.URL+"/api/integration/execute/", "application/json", strings.NewReader(c.body))
		require.NoError(t, err)
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		var env struct {
			Status, Message string
			Data            json.RawMessage
		}
		require.NoError(t, json.Unmarshal(raw, &env), "README line %d: %s", c.line, raw)
		assert.Equal(t, "Success", env.Status, "README line %d: %s\n%s", c.line, c.body, env.Message)
		var result struct {
			NotFound []string `json:"not_found"`
		}
		if json.Unmarshal(env.Data, &result) == nil {
			assert.Empty(t, result.NotFound, "README line %d names ids the simulator does not have: %s", c.line, c.body)
		}
		if c.want != "" && !strings.Contains(c.want, "…") {
			var compact bytes.Buffer
			require.NoError(t, json.Compact(&compact, raw))
			assert.Equal(t, c.want, compact.String(), "README line %d shows another answer", c.line)
		}
	}
}
