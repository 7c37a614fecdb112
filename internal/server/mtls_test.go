package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"connectrpc.com/connect"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// testCA signs client certificates.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string // file
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: path}
}

// client returns a client certificate for common name cn in organizational unit ou.
func (ca *testCA) client(t *testing.T, cn, ou string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn, OrganizationalUnit: []string{ou}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestMTLS: a client certificate signed by --tls-client-ca names its principal (subject)
// and groups (OU); one from another CA fails the handshake; none at all is
// unauthenticated.
func TestMTLS(t *testing.T) {
	certFile, keyFile, roots := selfSigned(t)
	ca := newTestCA(t)
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeFileAtomic(t, file, teamRules)
	srv := startServer(t, "--auth", file, "--lock-service", "memory://"+t.Name(),
		"--tls-cert", certFile, "--tls-key", keyFile, "--tls-client-ca", ca.pem)
	clientWith := func(certs ...tls.Certificate) distlockv1connect.LockServiceClient {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs}, ForceAttemptHTTP2: true}
		t.Cleanup(tr.CloseIdleConnections)
		return distlockv1connect.NewLockServiceClient(&http.Client{Transport: tr}, srv.url, connect.WithGRPC())
	}
	ctx := context.Background()
	c := clientWith(ca.client(t, "build-bot", "team-a"))
	if _, err := c.Acquire(ctx, acquireReq("team-a/x", "job")); err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "team-a/x"}))
	if err != nil || info.Msg.GetOwner() != "build-bot/job" {
		t.Fatalf("owner: %v, %v", info, err)
	}
	if _, err := c.Acquire(ctx, acquireReq("team-b/x", "")); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("team-b/ with a team-a certificate: %v", err)
	}
	if _, err := clientWith().Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "team-a/x"})); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("no certificate: %v", err)
	}
	_, err = clientWith(newTestCA(t).client(t, "build-bot", "team-a")).Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "team-a/x"}))
	if err == nil || connect.CodeOf(err) == connect.CodeNotFound {
		t.Fatalf("a certificate of another CA: %v", err)
	}
}
