package s1sim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// Server is a Simulator listening on a loopback address over TLS.
type Server struct {
	// URL is the base URL, e.g. https://127.0.0.1:40123.
	URL string
	// Sim is the simulator behind the server.
	Sim *Simulator

	srv     *http.Server
	ln      net.Listener
	certPEM []byte
	pool    *x509.CertPool
	done    chan struct{}
}

// Start serves a new Simulator on 127.0.0.1 with a random port.
func Start(opts Options) (*Server, error) {
	return StartAt("127.0.0.1:0", opts)
}

// StartAt serves a new Simulator on addr, which must be a loopback address.
// TLS uses a freshly generated self-signed certificate valid for
// 127.0.0.1, ::1 and localhost; only HTTP/1.1 is offered so that dropped
// connections are real TCP closes.
func StartAt(addr string, opts Options) (*Server, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	cert, certPEM, _, err := selfSigned()
	if err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	return startTLS(addr, opts, cert, certPEM)
}

// startTLS serves a new Simulator on the loopback address addr with cert.
func startTLS(addr string, opts Options, cert tls.Certificate, certPEM []byte) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	sim := New(opts)
	s := &Server{
		URL:     "https://" + ln.Addr().String(),
		Sim:     sim,
		ln:      ln,
		certPEM: certPEM,
		pool:    pool,
		done:    make(chan struct{}),
		srv: &http.Server{
			Handler:           sim,
			ErrorLog:          zap.NewStdLog(sim.log),
			ReadHeaderTimeout: 10 * time.Second,
			TLSConfig: &tls.Config{
				Certificates: []tls.Certificate{cert},
				MinVersion:   tls.VersionTLS12,
				NextProtos:   []string{"http/1.1"},
			},
			TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		},
	}
	go func() {
		defer close(s.done)
		_ = s.srv.ServeTLS(ln, "", "")
	}()
	return s, nil
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("start simulator: %w", err)
	}
	if !isLoopback(host) {
		return fmt.Errorf("start simulator: %q is not a loopback address", host)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CertPEM returns the server certificate in PEM form.
func (s *Server) CertPEM() []byte { return append([]byte(nil), s.certPEM...) }

// CertPool returns a pool that trusts the server certificate.
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// Client returns an HTTP client that trusts the server certificate.
func (s *Server) Client() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: s.pool, MinVersion: tls.VersionTLS12},
		},
	}
}

// Close stops the server and closes every connection.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// selfSigned makes an ECDSA P-256 certificate for the loopback names; it returns the
// certificate and its PEM forms.
func selfSigned() (cert tls.Certificate, certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "s1sim", Organization: []string{"SentinelOne simulator"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("create certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("marshal key: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	if cert, err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("key pair: %w", err)
	}
	return cert, certPEM, keyPEM, nil
}
