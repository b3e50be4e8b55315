package sentinelone_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	root "github.com/fortisoar-connectors/sentinelone"
)

// FortiSOAR's manifest rules for published connectors: where help_online may point, and
// descriptions long enough to say more than the name they describe.

type ruleParam struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type ruleManifest struct {
	Label         string `json:"label"`
	Description   string `json:"description"`
	HelpOnline    string `json:"help_online"`
	Configuration struct {
		Fields []ruleParam `json:"fields"`
	} `json:"configuration"`
	Operations []struct {
		Operation   string      `json:"operation"`
		Description string      `json:"description"`
		Parameters  []ruleParam `json:"parameters"`
	} `json:"operations"`
}

func TestManifestRules(t *testing.T) {
	raw, err := root.Files.ReadFile(root.ManifestPath)
	require.NoError(t, err)
	var m ruleManifest
	require.NoError(t, json.Unmarshal(raw, &m))

	ok := strings.HasPrefix(m.HelpOnline, "https://docs.fortinet.com/document/fortisoar") ||
		strings.HasPrefix(m.HelpOnline, "https://github.com/fortinet-fortisoar")
	assert.True(t, ok, "help_online %q must be on Fortinet's docs site or Fortinet's GitHub", m.HelpOnline)

	// long checks that a description is at least three times as long as what it describes.
	long := func(what, name, desc string) {
		t.Helper()
		n, d := utf8.RuneCountInString(name), utf8.RuneCountInString(desc)
		assert.GreaterOrEqual(t, d, 3*n, "%s: description (%d characters) must be at least 3× %q (%d): %q", what, d, name, n, desc)
		plainEnglish(t, what, desc)
	}
	long("connector", m.Label, m.Description)
	for _, f := range m.Configuration.Fields {
		long("configuration field "+f.Name, f.Name, f.Description)
	}
	for _, op := range m.Operations {
		long("operation "+op.Operation, op.Operation, op.Description)
		for _, p := range op.Parameters {
			long(op.Operation+" parameter "+p.Name, p.Name, p.Description)
		}
	}
}

// plainEnglish applies the mechanical part of "plain, correct English": sentences that
// start with a capital letter and end with a full stop, single spaces, no placeholders.
func plainEnglish(t *testing.T, what, desc string) {
	t.Helper()
	first, _ := utf8.DecodeRuneInString(desc)
	assert.True(t, unicode.IsUpper(first) || unicode.IsDigit(first), "%s: description must start with a capital letter: %q", what, desc)
	assert.True(t, strings.HasSuffix(desc, ".") || strings.HasSuffix(desc, ".)"), "%s: description must end with a full stop: %q", what, desc)
	assert.NotContains(t, desc, "  ", "%s: double space", what)
	assert.Equal(t, strings.TrimSpace(desc), desc, "%s: leading or trailing space", what)
	for _, bad := range []string{"TODO", "TBD", "lorem", "..", " ,", " ."} {
		assert.NotContains(t, desc, bad, "%s: description holds %q", what, bad)
	}
}
