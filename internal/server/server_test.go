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
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"github.com/alicebob/miniredis/v2"
	"google.golang.org/protobuf/types/known/durationpb"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

func h2cClient(t *testing.T) *http.Client {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// TestServeEmbeddedAndShutDown starts the development default (Redlock over embedded
// Redis), serves Connect and gRPC on one port, and shuts down on cancel while an Acquire
// waits: the wait ends with unavailable, Run returns nil, the ready file is removed.
func TestServeEmbeddedAndShutDown(t *testing.T) {
	srv := startServer(t, "--wait-log-interval", "1ms")
	if !strings.HasPrefix(srv.url, "http://127.0.0.1:") {
		t.Fatalf("ready file holds %q", srv.url)
	}
	if !strings.Contains(srv.logs.text(), "DEVELOPMENT DEFAULT") {
		t.Fatalf("no loud development warning:\n%s", srv.logs.text())
	}
	ctx := context.Background()
	grpc := distlockv1connect.NewLockServiceClient(h2cClient(t), srv.url, connect.WithGRPC())
	conn := distlockv1connect.NewLockServiceClient(http.DefaultClient, srv.url, connect.WithProtoJSON())

	health, err := grpchealth.NewClient(h2cClient(t), srv.url, connect.WithGRPC()).Check(ctx, &grpchealth.CheckRequest{})
	if err != nil || health.Status != grpchealth.StatusServing {
		t.Fatalf("health: %v, %v", health, err)
	}
	held, err := grpc.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r", Owner: "first"}))
	if err != nil {
		t.Fatal(err)
	}
	info, err := conn.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "r"}))
	if err != nil || info.Msg.GetOwner() != "first" || info.Msg.GetFencingToken() != held.Msg.GetFencingToken() {
		t.Fatalf("info over Connect of a lock taken over gRPC: %v, %v", info, err)
	}

	waited := make(chan error, 1)
	go func() {
		_, err := conn.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r", Wait: durationpb.New(time.Minute)}))
		waited <- err
	}()
	<-srv.logs.await("acquire still waiting")
	if err := srv.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	err = <-waited
	if connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("the waiting Acquire ended with %v, want unavailable", err)
	}
	if strings.Contains(srv.logs.text(), held.Msg.GetLeaseToken()) {
		t.Fatal("a lease token was logged")
	}
	for _, want := range []string{`"msg":"shutting down`, `"msg":"shut down"`} {
		if !strings.Contains(srv.logs.text(), want) {
			t.Errorf("logs lack %s", want)
		}
	}
}

// TestReadyFileIsRemovedOnExit checks that a stopped server leaves no ready file that
// would mislead the next test into dialling a dead address.
func TestReadyFileIsRemovedOnExit(t *testing.T) {
	srv := startServer(t, "--lock-service", "memory://"+t.Name())
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(srv.readyFile); !os.IsNotExist(err) {
		t.Fatalf("ready file after exit: %v", err)
	}
}

// TestServeTLS serves gRPC and Connect over TLS with a self-signed certificate.
func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	srv := startServer(t, "--lock-service", "memory://"+t.Name(), "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(srv.url, "https://127.0.0.1:") {
		t.Fatalf("ready file holds %q", srv.url)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	for _, opts := range [][]connect.ClientOption{{connect.WithGRPC()}, {connect.WithProtoJSON()}} {
		c := distlockv1connect.NewLockServiceClient(hc, srv.url, opts...)
		_, err := c.Info(context.Background(), connect.NewRequest(&distlockv1.InfoRequest{Resource: "r"}))
		if connect.CodeOf(err) != connect.CodeNotFound {
			t.Fatalf("info over TLS: %v", err)
		}
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns a pool that
// trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "distlock test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestServeRedisURL points the server at Redis masters by --redis, with a password that
// must not appear in the logs, and checks that locks land in those servers.
func TestServeRedisURL(t *testing.T) {
	var addrs []string
	var nodes []*miniredis.Miniredis
	for range 3 {
		m := miniredis.RunT(t)
		m.RequireAuth("s3cret")
		nodes = append(nodes, m)
		addrs = append(addrs, m.Addr())
	}
	srv := startServer(t, "--redis", "redis://:s3cret@"+strings.Join(addrs, ",")+"?quarantine=0")
	c := distlockv1connect.NewLockServiceClient(http.DefaultClient, srv.url)
	if _, err := c.Acquire(context.Background(), connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"})); err != nil {
		t.Fatal(err)
	}
	for i, m := range nodes {
		if len(m.Keys()) == 0 {
			t.Errorf("node %d holds no keys", i)
		}
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	if logs := srv.logs.text(); strings.Contains(logs, "s3cret") || !strings.Contains(logs, "xxxxx@") {
		t.Fatalf("password not redacted:\n%s", logs)
	}
}

// TestServeRedisURLCountsNodeErrors checks that a server pointed at Redis by --redis feeds
// the per-node error metric, as the embedded default does: a URL cannot carry the hook,
// so the server must attach it itself.
func TestServeRedisURLCountsNodeErrors(t *testing.T) {
	var addrs []string
	var nodes []*miniredis.Miniredis
	for range 3 {
		m := miniredis.RunT(t)
		nodes = append(nodes, m)
		addrs = append(addrs, m.Addr())
	}
	down := nodes[2].Addr()
	nodes[2].Close()
	srv := startServer(t, "--redis", "redis://"+strings.Join(addrs, ",")+"?quarantine=0")
	c := distlockv1connect.NewLockServiceClient(http.DefaultClient, srv.url)
	if _, err := c.Acquire(context.Background(), connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"})); err != nil {
		t.Fatalf("two of three nodes are up, the acquire must succeed: %v", err)
	}
	resp, err := http.Get(srv.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if want := `distlock_node_errors_total{node="` + down + `"}`; !strings.Contains(string(body), want) {
		t.Fatalf("metrics lack %s:\n%s", want, body)
	}
}
