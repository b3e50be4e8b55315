package s1sim

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartTLS(t *testing.T) {
	srv, err := Start(Options{Agents: 20, Threats: 5})
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Close()) }()

	require.True(t, strings.HasPrefix(srv.URL, "https://127.0.0.1:"), srv.URL)
	block, _ := pem.Decode(srv.CertPEM())
	require.NotNil(t, block)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	assert.Contains(t, cert.DNSNames, "localhost")
	var ips []string
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}
	assert.ElementsMatch(t, []string{"127.0.0.1", "::1"}, ips)

	hc := srv.Client()
	defer hc.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/web/api/v2.1/agents/count", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "ApiToken "+AdminAPIToken)
	res, err := hc.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.JSONEq(t, `{"data":{"total":20}}`, string(body))
	assert.Len(t, srv.Sim.Requests(), 1)

	// A client that does not trust the certificate fails.
	plain := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	_, err = plain.Get(srv.URL + "/web/api/v2.1/system/status")
	require.Error(t, err)
	plain.CloseIdleConnections()

	// Dropped connections work over TLS too. A fresh connection per request
	// stops the transport from retrying the GET on a new connection.
	hc = srv.Client()
	hc.Transport.(*http.Transport).DisableKeepAlives = true
	srv.Sim.SetFaults(Faults{DropNext: 1})
	_, err = hc.Get(srv.URL + "/web/api/v2.1/system/status")
	require.Error(t, err)
	res, err = hc.Get(srv.URL + "/web/api/v2.1/system/status")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
}

func TestStartAtRejectsNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:0", ":0", "example.com:443"} {
		_, err := StartAt(addr, Options{})
		assert.Error(t, err, addr)
	}
	srv, err := StartAt("[::1]:0", Options{Agents: 1})
	if err != nil {
		var opErr *net.OpError
		if assert.ErrorAs(t, err, &opErr) {
			t.Skip("no IPv6 loopback here")
		}
		return
	}
	assert.True(t, strings.HasPrefix(srv.URL, "https://[::1]:"))
	require.NoError(t, srv.Close())
}
