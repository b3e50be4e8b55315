package deploy

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnvironmentFile(t *testing.T) {
	data, err := os.ReadFile("connector.env")
	require.NoError(t, err)

	documented := map[string]bool{}
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		require.True(t, strings.HasPrefix(line, "#"),
			"every setting ships commented out, so the unit and binary defaults apply: %q", line)
		key, _, ok := strings.Cut(strings.TrimPrefix(line, "#"), "=")
		if ok && key == strings.ToUpper(key) && !strings.Contains(key, " ") {
			documented[key] = true
		}
	}
	for _, key := range []string{
		"CONNECTOR_LISTEN", "CONNECTOR_DATA_DIR", "CONNECTOR_MANIFEST", "CONNECTOR_LOG_FORMAT",
		"CONNECTOR_LOG_FILE", "CONNECTOR_SHUTDOWN_TIMEOUT", "CONNECTOR_TLS_CERT", "CONNECTOR_TLS_KEY",
		"CONNECTOR_API_TOKEN", "CONNECTOR_API_TOKEN_FILE", "CONNECTOR_SEED_CONFIGS", "SENTINELONE_HOST", "SENTINELONE_USERNAME",
		"SENTINELONE_PASSWORD", "SENTINELONE_API_TOKEN", "SENTINELONE_VERIFY_SSL",
	} {
		assert.True(t, documented[key], "connector.env documents %s", key)
	}
	assert.Contains(t, string(data), "#CONNECTOR_LOG_FILE="+logDir+"/connectors.log")
	assert.Contains(t, string(data), "#CONNECTOR_SHUTDOWN_TIMEOUT=30s")
}

func TestLogrotate(t *testing.T) {
	data, err := os.ReadFile("logrotate/cyops-connector-sentinelone")
	require.NoError(t, err)
	text := string(data)

	assert.Contains(t, text, logDir+"/connectors.log {")
	// The server keeps the file open (O_APPEND) and does not reopen it on a signal.
	assert.Contains(t, text, "copytruncate")
	assert.NotContains(t, text, "postrotate")
	// The log directory is group-writable, which logrotate accepts only with "su".
	assert.Contains(t, text, "su root "+account)
	assert.Contains(t, text, "missingok")
}

// TestReadmes: the RPM's README describes the installed server and how to import the
// bundle; the bundle's README explains the two halves and how they find each other.
func TestReadmes(t *testing.T) {
	server, err := os.ReadFile("server-README.md")
	require.NoError(t, err)
	for _, want := range []string{"systemctl enable --now cyops-connector-sentinelone", bundleFile, clientFile,
		tokenFile, envFile, "import", "fsr-integrations", "0640"} {
		assert.Contains(t, string(server), want, "server-README.md")
	}
	bundle, err := os.ReadFile("bundle-README.md")
	require.NoError(t, err)
	for _, want := range []string{"connector.py", "SENTINELONE_CONNECTOR_URL", "SENTINELONE_CONNECTOR_TOKEN_FILE",
		clientFile, "http://127.0.0.1:8787", "cyops-connector-sentinelone", "fsr-integrations", "0640"} {
		assert.Contains(t, string(bundle), want, "bundle-README.md")
	}
}
