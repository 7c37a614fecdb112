package redlock

import (
	"crypto/tls"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/redlock/redistest"
)

// TestTLSNodes runs rediss:// against real redis-server processes that speak TLS only:
// certificates are verified (a node whose authority is unknown is unavailable, not
// trusted), skip_verify turns that off, and plain text does not reach a TLS port.
func TestTLSNodes(t *testing.T) {
	cluster := redistest.StartTLS(t, 3)
	hosts := strings.Join(cluster.Addrs(), ",") + "?quarantine=0"

	roundTrip := func(t *testing.T, l driver.Lessor) error {
		t.Helper()
		lease, err := l.Acquire(ctxT(t), "tls", lopts(core.MinTTL))
		if err != nil {
			return err
		}
		if lease.Fence == 0 {
			t.Error("granted with fencing token 0")
		}
		if _, err := l.Extend(ctxT(t), lease, core.MinTTL); err != nil {
			t.Errorf("extend: %v", err)
		}
		if err := l.Release(ctxT(t), lease); err != nil {
			t.Errorf("release: %v", err)
		}
		return nil
	}

	t.Run("verified against the CA", func(t *testing.T) {
		c, err := Open(hosts, true, WithTLS(&tls.Config{RootCAs: cluster.TLS.Roots, MinVersion: tls.VersionTLS12}))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := roundTrip(t, c); err != nil {
			t.Fatalf("acquire over TLS: %v", err)
		}
	})
	t.Run("unknown authority", func(t *testing.T) {
		c := openURL(t, "rediss://"+hosts)
		err := roundTrip(t, c)
		if !errors.Is(err, core.ErrUnavailable) || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("acquire from nodes with an unknown CA: %v, want unavailable naming the certificate", err)
		}
	})
	t.Run("skip_verify", func(t *testing.T) {
		if err := roundTrip(t, openURL(t, "rediss://"+hosts+"&skip_verify=true")); err != nil {
			t.Fatalf("acquire with skip_verify: %v", err)
		}
	})
	t.Run("plain text to TLS ports", func(t *testing.T) {
		if err := roundTrip(t, openURL(t, "redis://"+hosts)); !errors.Is(err, core.ErrUnavailable) {
			t.Fatalf("redis:// to TLS-only nodes: %v, want unavailable", err)
		}
	})
}

// TestTLSRootsFromSSLCertFile shows how a program that cannot pass WithTLS (distlock
// serve --redis rediss://…) trusts a private CA: Go's system roots come from the file
// named by SSL_CERT_FILE. The roots load once per process, so the check runs in a child
// process of this test binary.
func TestTLSRootsFromSSLCertFile(t *testing.T) {
	const addrsEnv = "REDLOCK_TEST_TLS_ADDRS"
	if addrs := os.Getenv(addrsEnv); addrs != "" {
		l := openURL(t, "rediss://"+addrs+"?quarantine=0")
		lease, err := l.Acquire(ctxT(t), "tls-env", lopts(core.MinTTL))
		if err != nil {
			t.Fatalf("acquire with SSL_CERT_FILE=%s: %v", os.Getenv("SSL_CERT_FILE"), err)
		}
		if err := l.Release(ctxT(t), lease); err != nil {
			t.Fatal(err)
		}
		return
	}
	cluster := redistest.StartTLS(t, 3)
	cmd := exec.Command(os.Args[0], "-test.run=^TestTLSRootsFromSSLCertFile$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+cluster.TLS.CertFile, addrsEnv+"="+strings.Join(cluster.Addrs(), ","))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestTLSRootsFromSSLCertFile") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// openURL opens a driver.Lessor by URL and closes it when the test ends.
func openURL(t *testing.T, url string) driver.Lessor {
	t.Helper()
	l, err := driver.Open(url)
	if err != nil {
		t.Fatalf("driver.Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}
