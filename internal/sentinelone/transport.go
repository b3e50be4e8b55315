package sentinelone

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The connection to a console: its host setting normalised, TLS verified against the system
// roots or extra CAs, with the host name always checked.

// newTransport builds the client's pooled transport. With verify on and
// extra roots, the certificate must chain to either the system roots or the
// extra ones.
func newTransport(hostname string, verify bool, extra *x509.CertPool) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128 // above the server's execute cap (64), so busy bursts reuse connections
	t.IdleConnTimeout = 90 * time.Second
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case !verify:
		t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // the Verify SSL setting is off
	case extra != nil:
		t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // verified in VerifyConnection below
		t.TLSClientConfig.VerifyConnection = func(cs tls.ConnectionState) error {
			return verifyChain(cs, hostname, extra)
		}
	}
	return t
}

// verifyChain verifies the peer chain against the system roots, then
// against the extra roots.
func verifyChain(cs tls.ConnectionState, hostname string, extra *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{DNSName: hostname, Intermediates: inter}
	_, sysErr := cs.PeerCertificates[0].Verify(opts) // nil Roots = system roots
	if sysErr == nil {
		return nil
	}
	opts.Roots = extra
	if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
	}
	return nil
}

// NormalizeHost turns a host setting into "https://host[:port]". It accepts
// a bare host name or address, optionally with an https:// scheme and a
// port, and rejects other schemes, paths, spaces and empty values.
func NormalizeHost(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("host name is empty")
	}
	if strings.IndexFunc(raw, unicode.IsSpace) >= 0 {
		return "", fmt.Errorf("host name %q must not contain spaces", raw)
	}
	if !utf8.ValidString(raw) || strings.ContainsRune(raw, '%') {
		// A console is named by a DNS name or an address: percent-escapes and IPv6 zones
		// (fe80::1%en0) do not name one, and Go's URL parser would decode them silently.
		return "", fmt.Errorf("host name %q must not contain %% escapes, IPv6 zones or invalid UTF-8", raw)
	}
	rest := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		scheme := strings.ToLower(raw[:i])
		if scheme != "https" {
			return "", fmt.Errorf("host name %q: scheme %q is not supported, only https", raw, scheme)
		}
		rest = raw[i+3:]
	}
	if rest == "" {
		return "", fmt.Errorf("host name %q has no host", raw)
	}
	u, err := url.Parse("https://" + rest)
	if err != nil {
		return "", fmt.Errorf("host name %q is not a valid host: %w", raw, errors.Unwrap(err))
	}
	switch {
	case u.User != nil:
		return "", fmt.Errorf("host name %q must not contain user information", raw)
	case u.Path != "" && u.Path != "/":
		return "", fmt.Errorf("host name %q must not contain a path (%s): give only the host and an optional port", raw, u.Path)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(rest, "#"):
		return "", fmt.Errorf("host name %q must not contain a query or fragment", raw)
	case u.Hostname() == "":
		return "", fmt.Errorf("host name %q has no host", raw)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("host name %q: port %q is not between 1 and 65535", raw, p)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "", fmt.Errorf("host name %q: empty port", raw)
	}
	return "https://" + strings.ToLower(u.Host), nil
}

// hostOnly returns the host without port, for DNS messages.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}
