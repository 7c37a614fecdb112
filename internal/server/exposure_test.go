package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestLoopbackListenNeedsNoFlag: the listen addresses that only this machine reaches
// start without --insecure-no-auth; every other one needs it.
func TestLoopbackListenNeedsNoFlag(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:0", "127.0.0.2:8080", "[::1]:8080", "localhost:8080"} {
		if _, err := ParseConfig([]string{"--listen", listen}, noEnv, io.Discard); err != nil {
			t.Errorf("--listen %s: %v", listen, err)
		}
	}
	for _, listen := range []string{":8080", "0.0.0.0:8080", "192.0.2.1:8080", "lock.example:8080"} {
		if _, err := ParseConfig([]string{"--listen", listen, "--insecure-no-auth"}, noEnv, io.Discard); err != nil {
			t.Errorf("--listen %s --insecure-no-auth: %v", listen, err)
		}
	}
}

// TestStartupErrorHidesRedisPassword: a --redis value mistyped without its scheme is
// named in the error with its credentials hidden.
func TestStartupErrorHidesRedisPassword(t *testing.T) {
	for _, v := range []string{":s3cret@h1:6379,h2:6379", "redis:/app:s3cret@h1:6379", "http://:s3cret@h1:6379"} {
		_, err := ParseConfig([]string{"--redis", v}, noEnv, io.Discard)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("--redis %s: %v", v, err)
		}
	}
}

// hostStatus sends Info as a GET with the given Host header and returns the status.
func hostStatus(t *testing.T, url, host string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url+`/distlock.v1.LockService/Info?encoding=json&message={"resource":"r"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestHostAllowlist: a rebinding page sends its own name as Host and is refused; the
// loopback names are answered by default, and --allowed-hosts replaces them.
func TestHostAllowlist(t *testing.T) {
	srv := startServer(t, "--lock-service", "memory://"+t.Name())
	port := srv.url[strings.LastIndexByte(srv.url, ':'):]
	for host, want := range map[string]int{
		"127.0.0.1" + port:           http.StatusNotFound, // not_found: the resource is free
		"localhost" + port:           http.StatusNotFound,
		"LOCALHOST." + port:          http.StatusNotFound,
		"[::1]" + port:               http.StatusNotFound,
		"127.9.9.9" + port:           http.StatusNotFound,
		"attacker.example" + port:    http.StatusForbidden,
		"localhost.attacker.example": http.StatusForbidden,
		"127.0.0.1.nip.io":           http.StatusForbidden,
	} {
		if got := hostStatus(t, srv.url, host); got != want {
			t.Errorf("Host %s: status %d, want %d", host, got, want)
		}
	}
	named := startServer(t, "--lock-service", "memory://"+t.Name()+"2", "--allowed-hosts", "lock.example")
	if got := hostStatus(t, named.url, "lock.example:443"); got != http.StatusNotFound {
		t.Errorf("allowed host: status %d", got)
	}
	if got := hostStatus(t, named.url, "localhost"); got != http.StatusForbidden {
		t.Errorf("localhost outside --allowed-hosts: status %d", got)
	}
}

// TestInsecureNoAuthSaysSoLoudly: listening on every interface without authentication
// logs a warning that says what it means.
func TestInsecureNoAuthSaysSoLoudly(t *testing.T) {
	srv := startServer(t, "--lock-service", "memory://"+t.Name(), "--listen", "0.0.0.0:0", "--insecure-no-auth")
	if !strings.Contains(srv.logs.text(), `"level":"WARN","msg":"INSECURE: --insecure-no-auth`) {
		t.Fatalf("no loud warning:\n%s", srv.logs.text())
	}
	if got := hostStatus(t, srv.url, "localhost"); got != http.StatusNotFound {
		t.Fatalf("status %d", got)
	}
}
