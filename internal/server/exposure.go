package server

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// checkExposure refuses a configuration that would serve every lock, unauthenticated, to
// other machines, unless the operator said so with --insecure-no-auth.
func (c *Config) checkExposure() error {
	if c.Auth != "" || c.InsecureNoAuth || isLoopbackListen(c.Listen) {
		return nil
	}
	return fmt.Errorf("--listen %s is not a loopback address and no authentication is configured: "+
		"anyone who reaches it could take, hold and read every lock; listen on 127.0.0.1, require "+
		"credentials with --auth FILE, or pass --insecure-no-auth to accept that", c.Listen)
}

// isLoopbackListen reports whether a listen address accepts connections from this machine
// only. A host name other than localhost is not: it may resolve to anything.
func isLoopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostGuard answers only requests whose Host names this server, so that a web page whose
// DNS name an attacker re-points at 127.0.0.1 (DNS rebinding) cannot call it: the browser
// then sends the attacker's name as Host.
type hostGuard struct {
	any     bool
	allowed map[string]bool
	next    http.Handler
}

// newHostGuard allows the hosts given, "*" for any. With none: any host when calls need
// credentials (a rebinding page has none), else the loopback names and the host the
// server listens on, if it is a name or a specific address.
func newHostGuard(allowed []string, listen string, authenticated bool, next http.Handler) http.Handler {
	g := &hostGuard{allowed: map[string]bool{}, next: next}
	if len(allowed) == 0 && authenticated {
		allowed = []string{"*"}
	}
	if len(allowed) == 0 {
		allowed = []string{"localhost", "127.0.0.1", "::1"}
		if host, _, err := net.SplitHostPort(listen); err == nil && host != "" {
			if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
				allowed = append(allowed, host)
			}
		}
	}
	for _, h := range allowed {
		if h == "*" {
			g.any = true
		}
		g.allowed[normalHost(h)] = true
	}
	return g
}

func (g *hostGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.any || g.allows(r.Host) {
		g.next.ServeHTTP(w, r)
		return
	}
	http.Error(w, fmt.Sprintf("distlock: host %q is not allowed here (see --allowed-hosts)", r.Host), http.StatusForbidden)
}

func (g *hostGuard) allows(hostport string) bool {
	host := normalHost(hostport)
	if g.allowed[host] {
		return true
	}
	// Every loopback address (127.0.0.0/8, ::1) stands for this machine, as localhost does.
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback() && g.allowed["127.0.0.1"]
}

// normalHost drops the port, the brackets of an IPv6 literal and a final dot, and
// lower-cases the rest: "LOCALHOST.:8080" is "localhost".
func normalHost(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return strings.ToLower(strings.TrimSuffix(host, "."))
}
