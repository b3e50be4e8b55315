package playbook_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	root "github.com/fortisoar-connectors/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

const playbooksDir = "../../playbooks"

// seedPlaybooks are the playbooks the 1.0.0 documentation lists as bundled.
var seedPlaybooks = []string{
	"Abort Agent Scan", "Broadcast Message to Agent", "Decommission Agent", "Fetch Agent Logs",
	"Get Agent Count", "Get Agent Passphrase", "Get Agents", "Get Hash Details",
	"Get Threat Details", "Initiate Agent Scan", "Isolate Agent Network", "List All Threat",
	"List of Applications Installed on Agents", "List of Processes Running on Agents",
	"Mark Threat as Benign", "Mitigate Threat", "Commission Agent", "Reconnect Agent Network",
	"Shutdown Agent", "Uninstall Agent",
}

// loadManifest loads the embedded info.json once; a loaded manifest is read-only.
var loadManifest = sync.OnceValues(func() (*connector.Manifest, error) {
	info, err := root.Files.ReadFile(root.ManifestPath)
	if err != nil {
		return nil, err
	}
	schema, err := root.Files.ReadFile(root.ManifestSchemaPath)
	if err != nil {
		return nil, err
	}
	m, err := connector.Load(info, schema)
	if err != nil {
		return nil, err
	}
	m.AcceptVersions(root.EarlierVersions...)
	return m, nil
})

func manifest(t testing.TB) *connector.Manifest {
	t.Helper()
	m, err := loadManifest()
	require.NoError(t, err)
	return m
}

func schemaJSON(t testing.TB) []byte {
	t.Helper()
	raw, err := root.Files.ReadFile(playbook.SchemaPath)
	require.NoError(t, err, "the playbook schema must be embedded with the other schemas")
	return raw
}

func fileName(name string) string {
	return strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(name), "-"), "-") + ".json"
}

// bundled reads every bundled playbook file, keyed by file name.
// bundledNames lists the workflow names of every bundled playbook, sorted.
func bundledNames(t *testing.T) []string {
	t.Helper()
	var names []string
	for file, raw := range bundled(t) {
		w, err := playbook.Parse(raw)
		require.NoError(t, err, file)
		names = append(names, w.Name)
	}
	sort.Strings(names)
	return names
}

func bundled(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(playbooksDir, "*.json"))
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, f := range files {
		if filepath.Base(f) == playbook.CollectionFile {
			continue
		}
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		out[filepath.Base(f)] = raw
	}
	return out
}

func TestBundledPlaybooksAreTheSeedList(t *testing.T) {
	files := bundled(t)
	var want []string
	for _, n := range seedPlaybooks {
		want = append(want, fileName(n))
	}
	for _, f := range want {
		require.Contains(t, files, f, "1.0.0's bundled playbook %s is still bundled", f)
	}

	agentActions := map[string]string{
		"Isolate Agent Network": "Isolate Agent Network", "Decommission Agent": "Decommission Agent",
		"Uninstall Agent": "Uninstall Agent", "Shutdown Agent": "Shutdown Agent",
	}
	for _, name := range seedPlaybooks {
		t.Run(name, func(t *testing.T) {
			w, err := playbook.Parse(files[fileName(name)])
			require.NoError(t, err)
			assert.Equal(t, name, w.Name)
			assert.Equal(t, "#SentinelOne", w.Tag)
			assert.False(t, w.IsActive, "sample playbooks are imported inactive")
			assert.Equal(t, playbook.CollectionIRIPrefix+playbook.CollectionUUID, w.Collection)
			require.Len(t, w.Steps, 2)
			require.NotNil(t, w.Trigger())
			assert.Equal(t, playbook.StepTypeManualStart, w.Trigger().StepType)
			var conn *playbook.Step
			for _, s := range w.Steps {
				if s.StepType == playbook.StepTypeConnector {
					conn = s
				}
			}
			require.NotNil(t, conn, "no connector step")
			call, err := conn.Connector()
			require.NoError(t, err)
			if action, ok := agentActions[name]; ok {
				assert.Equal(t, "agent_action", call.Operation)
				assert.Equal(t, action, call.Params["action"])
			}
			require.Len(t, w.Routes, 1)
			assert.Equal(t, w.TriggerStep, w.Routes[0].SourceStep)
			assert.Equal(t, conn.IRI(), w.Routes[0].TargetStep)
		})
	}
}

func TestBundledPlaybooksValidateAgainstSchema(t *testing.T) {
	s, err := playbook.CompileSchema(schemaJSON(t))
	require.NoError(t, err)
	for file, raw := range bundled(t) {
		assert.NoError(t, s.ValidateWorkflow(raw), file)
	}
	col, err := os.ReadFile(filepath.Join(playbooksDir, playbook.CollectionFile))
	require.NoError(t, err)
	assert.NoError(t, s.ValidateCollection(col))
}

func TestBundledPlaybooksPassCrossChecks(t *testing.T) {
	m := manifest(t)
	for file, raw := range bundled(t) {
		w, err := playbook.Parse(raw)
		require.NoError(t, err, file)
		assert.Empty(t, playbook.CheckWorkflow(m, operations.Destructive(), w, playbook.CollectionUUID), file)
	}
	raw, err := os.ReadFile(filepath.Join(playbooksDir, playbook.CollectionFile))
	require.NoError(t, err)
	col, err := playbook.ParseCollection(raw)
	require.NoError(t, err)
	require.Len(t, col.Data, 1)
	assert.Equal(t, playbook.CollectionName, col.Data[0].Name)
	assert.True(t, strings.HasSuffix(col.Data[0].Name, " - "+m.Version), "collection name carries the manifest version")
	assert.Len(t, col.Data[0].Workflows, len(bundled(t)))
	assert.Empty(t, playbook.CheckCollection(m, operations.Destructive(), col))
}

func TestCollectionFileIsUpToDate(t *testing.T) {
	want, err := playbook.Collect(os.DirFS(playbooksDir))
	require.NoError(t, err)
	have, err := os.ReadFile(filepath.Join(playbooksDir, playbook.CollectionFile))
	require.NoError(t, err)
	if string(have) != string(want) {
		t.Fatalf("playbooks/%s is out of date with the playbook files: run `make playbooks`", playbook.CollectionFile)
	}
}

func TestCheckerAcceptsTheBundledDirectory(t *testing.T) {
	chk, err := playbook.NewChecker(manifest(t), operations.Destructive(), schemaJSON(t))
	require.NoError(t, err)
	problems, err := chk.CheckFS(os.DirFS(playbooksDir))
	require.NoError(t, err)
	assert.Empty(t, problems)
}
