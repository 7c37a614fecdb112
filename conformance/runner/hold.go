package runner

import "net"

// portHolder keeps a killed node's port while the node is down. Without it, a closed
// port returns to the kernel's pool, and an outgoing connection of any process (Redis
// clients reconnecting to the dead node open many) may take it as its local port, so
// the node could not come back on its address. It accepts connections and closes them
// at once, which a client sees as a node that is down.
type portHolder struct {
	ln   net.Listener
	done chan struct{}
}

func holdPort(addr string) (*portHolder, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	h := &portHolder{ln: ln, done: make(chan struct{})}
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

// release frees the port for the node to start on it again.
func (h *portHolder) release() {
	if h == nil {
		return
	}
	h.ln.Close()
	<-h.done
}
