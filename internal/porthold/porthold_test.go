package porthold

import (
	"io"
	"net"
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
	if _, err := Hold(addr); err == nil {
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
