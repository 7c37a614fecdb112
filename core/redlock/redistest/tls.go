package redistest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a throw-away certificate authority and the server certificate it issued for
// 127.0.0.1, written as PEM files for redis-server.
type CA struct {
	// Roots holds the authority's certificate, for a client's tls.Config.RootCAs.
	Roots *x509.CertPool
	// CertFile is the authority's certificate as PEM, e.g. for SSL_CERT_FILE.
	CertFile string

	serverCert, serverKey string
}

// StartTLS is Start with every node serving TLS only, on its port, with a certificate
// for the IP address 127.0.0.1 issued by a new CA (c.TLS). Clients are not asked for
// certificates.
func StartTLS(t testing.TB, n int, args ...string) *Cluster {
	t.Helper()
	bin := Require(t)
	ca := newCA(t)
	c := &Cluster{TLS: ca}
	for range n {
		node := &Node{t: t, bin: bin, dir: t.TempDir(), args: args, tls: []string{
			"--tls-cert-file", ca.serverCert, "--tls-key-file", ca.serverKey,
			"--tls-ca-cert-file", ca.CertFile, "--tls-auth-clients", "no"}}
		node.start()
		t.Cleanup(node.stop)
		c.Nodes = append(c.Nodes, node)
	}
	return c
}

func newCA(t testing.TB) *CA {
	t.Helper()
	dir := t.TempDir()
	caKey := newKey(t)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "redistest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatalf("redistest: CA certificate: %v", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatalf("redistest: CA certificate: %v", err)
	}
	srvKey := newKey(t)
	srvDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatalf("redistest: server certificate: %v", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	if err != nil {
		t.Fatalf("redistest: server key: %v", err)
	}
	ca := &CA{
		Roots:      x509.NewCertPool(),
		CertFile:   writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", caDER),
		serverCert: writePEM(t, filepath.Join(dir, "server.pem"), "CERTIFICATE", srvDER),
		serverKey:  writePEM(t, filepath.Join(dir, "server.key"), "PRIVATE KEY", keyDER),
	}
	ca.Roots.AddCert(caCert)
	return ca
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("redistest: key: %v", err)
	}
	return k
}

func writePEM(t testing.TB, path, typ string, der []byte) string {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return path
}
