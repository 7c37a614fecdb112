package porthold

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
)

func TestHoldClosesConnectionsAndReleaseFreesThePort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	h, err := Hold(addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("a held port must accept: %v", err)
	}
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("a held port must close what it accepts: read %d, %v", n, err)
	}
	c.Close()
	if _, err := net.Listen("tcp", addr); err == nil {
		t.Fatal("the port was not taken while held")
	}

	h.Release()
	again, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("port not free after Release: %v", err)
	}
	again.Close()
	var none *Holder
	none.Release() // a nil holder holds nothing
}

func TestPickAvoidsTheEphemeralRange(t *testing.T) {
	lo, hi := ephemeralRange()
	for range 200 {
		addr, err := Pick()
		if err != nil {
			t.Fatal(err)
		}
		_, p, _ := net.SplitHostPort(addr)
		var port int
		fmt.Sscan(p, &port)
		if port >= lo && port <= hi || port < 10000 || port > 65535 {
			t.Fatalf("Pick gave %s, inside the ephemeral range %d-%d or out of bounds", addr, lo, hi)
		}
	}
	for _, r := range [][2]int{{32768, 60999}, {10000, 65534}, {10001, 65535}, {61000, 61000}} {
		for range 100 {
			p, ok := pickOutside(r[0], r[1])
			if !ok || p >= r[0] && p <= r[1] || p < 10000 || p > 65535 {
				t.Fatalf("pickOutside(%d, %d) = %d, %v", r[0], r[1], p, ok)
			}
		}
	}
	if p, ok := pickOutside(1024, 65535); ok {
		t.Fatalf("pickOutside(1024, 65535) = %d, want none", p)
	}
}

// TestBindFreeTriesAnotherPort: a port taken between Pick and the bind is given up for
// another one; other errors end it at once, and so do five ports in a row taken.
func TestBindFreeTriesAnotherPort(t *testing.T) {
	var tried []string
	addr, err := BindFree(func(addr string) error {
		tried = append(tried, addr)
		if len(tried) < 3 {
			return &net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
		}
		return nil
	})
	if err != nil || len(tried) != 3 || addr != tried[2] {
		t.Fatalf("BindFree = %q, %v after %v; want the third address", addr, err, tried)
	}
	other := errors.New("no")
	calls := 0
	if _, err := BindFree(func(string) error { calls++; return other }); !errors.Is(err, other) || calls != 1 {
		t.Errorf("another error: %v after %d calls, want it after 1", err, calls)
	}
	calls = 0
	if _, err := BindFree(func(string) error { calls++; return syscall.EADDRINUSE }); !errors.Is(err, syscall.EADDRINUSE) || calls != 5 {
		t.Errorf("always taken: %v after %d calls, want EADDRINUSE after 5", err, calls)
	}
}
