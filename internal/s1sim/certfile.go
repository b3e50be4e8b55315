package s1sim

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// StartWithCertFiles serves a new Simulator on the loopback address addr, as StartAt does,
// with the certificate in certFile and its key in keyFile. When either file is missing, or
// the certificate expires within a day, a new pair is generated and written there (the key
// 0600), so a client that trusts certFile keeps trusting the simulator across restarts.
func StartWithCertFiles(addr string, opts Options, certFile, keyFile string) (*Server, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	cert, certPEM, err := loadCert(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	return startTLS(addr, opts, cert, certPEM)
}

func loadCert(certFile, keyFile string) (tls.Certificate, []byte, error) {
	certPEM, errC := os.ReadFile(certFile)
	keyPEM, errK := os.ReadFile(keyFile)
	switch {
	case errC == nil && errK == nil:
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return tls.Certificate{}, nil, fmt.Errorf("%s and %s are not a certificate and its key (%v); delete both to have them generated again", certFile, keyFile, err)
		}
		leaf, err := x509.ParseCertificate(cert.Certificate[0])
		if err == nil && time.Until(leaf.NotAfter) > 24*time.Hour {
			return cert, certPEM, nil
		}
	case errC != nil && !errors.Is(errC, fs.ErrNotExist):
		return tls.Certificate{}, nil, errC
	case errK != nil && !errors.Is(errK, fs.ErrNotExist):
		return tls.Certificate{}, nil, errK
	}
	cert, certPEM, keyPEM, err := selfSigned()
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("write the simulator key: %w", err)
	}
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("write the simulator certificate: %w", err)
	}
	return cert, certPEM, nil
}
