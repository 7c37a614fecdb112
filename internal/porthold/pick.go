package porthold

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"syscall"
)

// Pick returns a loopback address whose port was free a moment ago and lies outside the
// kernel's ephemeral range. A node that is killed and restarted on the same port must
// find it free again; a port from the ephemeral range (what ":0" hands out) can meanwhile
// become the local end of any outgoing connection on the machine, and the restart then
// fails with "address already in use" (seen in a full conformance run under load).
func Pick() (string, error) {
	lo, hi := ephemeralRange()
	for range 100 {
		port, ok := pickOutside(lo, hi)
		if !ok {
			return "", fmt.Errorf("porthold: the ephemeral range %d-%d leaves no port from 10000 up", lo, hi)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue // another test's node has it
		}
		ln.Close()
		return addr, nil
	}
	return "", fmt.Errorf("porthold: no free port outside the ephemeral range %d-%d", lo, hi)
}

// BindFree runs bind on an address from Pick, and on another one while bind fails with
// "address already in use": between Pick's check and bind, another process may take the
// port, or a child of this one, between fork and exec, may still hold the socket Pick
// closed (see Rebind). It returns the address bound.
func BindFree(bind func(addr string) error) (string, error) {
	var err error
	for range 5 {
		var addr string
		if addr, err = Pick(); err != nil {
			return "", err
		}
		if err = bind(addr); err == nil || !errors.Is(err, syscall.EADDRINUSE) {
			return addr, err
		}
	}
	return "", err
}

// pickOutside draws a port from 10000-65535 that is not in [lo, hi]; ok is false when
// there is none.
func pickOutside(lo, hi int) (port int, ok bool) {
	const first, last = 10000, 65535
	below := max(0, min(lo, last+1)-first)
	above := max(0, last-max(hi, first-1))
	if below+above == 0 {
		return 0, false
	}
	n := rand.N(below + above)
	if n < below {
		return first + n, true
	}
	return max(hi, first-1) + 1 + (n - below), true
}

// ephemeralRange is the kernel's range for outgoing connections' local ports, Linux's
// default where it cannot be read.
func ephemeralRange() (lo, hi int) {
	lo, hi = 32768, 60999
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return lo, hi
	}
	var l, h int
	if _, err := fmt.Sscan(string(b), &l, &h); err == nil && l > 0 && h >= l {
		return l, h
	}
	return lo, hi
}
