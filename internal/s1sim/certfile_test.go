package s1sim_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
)

// TestStartWithCertFilesKeepsTheCertificate: the first start writes the pair, the next one
// serves the same certificate, and a damaged pair is refused with the files named.
func TestStartWithCertFilesKeepsTheCertificate(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	first, err := s1sim.StartWithCertFiles("127.0.0.1:0", s1sim.Options{Agents: 2}, cert, key)
	require.NoError(t, err)
	require.NoError(t, first.Close())
	onDisk, err := os.ReadFile(cert)
	require.NoError(t, err)
	assert.Equal(t, first.CertPEM(), onDisk)

	second, err := s1sim.StartWithCertFiles("127.0.0.1:0", s1sim.Options{Agents: 2}, cert, key)
	require.NoError(t, err)
	defer second.Close()
	assert.Equal(t, first.CertPEM(), second.CertPEM(), "the same certificate on the next start")
	resp, err := second.Client().Get(second.URL + "/_sim/faults")
	require.NoError(t, err)
	_ = resp.Body.Close()

	require.NoError(t, os.WriteFile(key, []byte("not a key"), 0o600))
	_, err = s1sim.StartWithCertFiles("127.0.0.1:0", s1sim.Options{Agents: 2}, cert, key)
	assert.ErrorContains(t, err, cert+" and "+key+" are not a certificate and its key")
	_, err = s1sim.StartWithCertFiles("10.0.0.1:0", s1sim.Options{}, cert, key)
	assert.ErrorContains(t, err, "not a loopback address")
}
