// Package porthold keeps a stopped test server's TCP port taken until the server starts
// again on it.
//
// Without it, a closed port returns to the kernel's pool, and an outgoing connection of
// any process (Redis clients reconnecting to a dead node open many) may take it as its
// local port, so the server could not come back on its address. While held, the port
// accepts connections and closes them at once, which a client sees as a server that is
// down.
package porthold

import "net"

// Holder holds one port. A nil *Holder holds nothing.
type Holder struct {
	ln   net.Listener
	done chan struct{}
}

// Hold listens on addr ("host:port") and closes every connection it accepts. The port may
// have been closed a moment ago (Rebind).
func Hold(addr string) (*Holder, error) {
	ln, err := listen(addr)
	if err != nil {
		return nil, err
	}
	h := &Holder{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return h, nil
}

// Release frees the port and waits until the holder has stopped accepting.
func (h *Holder) Release() {
	if h == nil {
		return
	}
	h.ln.Close()
	<-h.done
}
