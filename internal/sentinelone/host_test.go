package sentinelone

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNormalizeHostRejectsEscapes pins inputs the fuzzer found: Go's URL parser decodes
// percent-escapes and IPv6 zones in the host, which would make the result unstable.
func TestNormalizeHostRejectsEscapes(t *testing.T) {
	for _, give := range []string{"[fe80::1%25en0]", "https://[fe80::1%en0]:443", "%80", "con%73ole.example.net", "console.\xff.net"} {
		_, err := NormalizeHost(give)
		assert.ErrorContains(t, err, "must not contain % escapes, IPv6 zones or invalid UTF-8", "input %q", give)
	}
	got, err := NormalizeHost("[FE80::1]:8443")
	assert.NoError(t, err)
	assert.Equal(t, "https://[fe80::1]:8443", got)
}
