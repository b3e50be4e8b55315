package playbook_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
)

// TestRealExportShapes: what FortiSOAR really exports validates. A connector step with no
// params is exported as "params": [] (PHP's empty array), and older releases export a
// collection with a numeric id and no uuid.
func TestRealExportShapes(t *testing.T) {
	s, err := playbook.CompileSchema(schemaJSON(t))
	require.NoError(t, err)

	d := loadDoc(t, "get-agent-count.json")
	args(d, 1)["params"] = []any{}
	require.NoError(t, s.ValidateWorkflow(encode(t, d)))
	w, err := playbook.Parse(encode(t, d))
	require.NoError(t, err)
	call, err := w.Steps[1].Connector()
	require.NoError(t, err)
	assert.Empty(t, call.Params)
	assert.Equal(t, []any{}, w.Steps[1].Arguments["params"], "the step itself is left as exported")

	args(d, 1)["params"] = []any{"limit"}
	assert.ErrorContains(t, s.ValidateWorkflow(encode(t, d)), "/steps/1/arguments/params", "only an empty list stands for {}")

	col := doc{"type": "workflow_collections", "exported_tags": []any{}, "data": []any{doc{
		"@type": "WorkflowCollection", "@context": "/api/3/contexts/WorkflowCollection", "id": 276,
		"name": "Sample - SentinelOne - 1.0.0", "workflows": []any{loadDoc(t, "get-agent-count.json")},
	}}}
	require.NoError(t, s.ValidateCollection(encode(t, col)))
}

// TestHeldOutCollections validates every *.json collection in $PLAYBOOK_HELDOUT_DIR, such
// as the playbooks/playbooks.json of Fortinet's published connectors (kept out of the
// repository).
func TestHeldOutCollections(t *testing.T) {
	dir := os.Getenv("PLAYBOOK_HELDOUT_DIR")
	if dir == "" {
		t.Skip("PLAYBOOK_HELDOUT_DIR not set")
	}
	s, err := playbook.CompileSchema(schemaJSON(t))
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.NoError(t, s.ValidateCollection(data), f)
		col, err := playbook.ParseCollection(data)
		require.NoError(t, err, f)
		for _, c := range col.Data {
			for _, w := range c.Workflows {
				for _, st := range w.Steps {
					if st.StepType == playbook.StepTypeConnector {
						_, err := st.Connector()
						assert.NoError(t, err, "%s: %s", f, w.Name)
					}
				}
			}
		}
	}
}
