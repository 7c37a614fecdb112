package porthold

import (
	"errors"
	"net"
	"syscall"
	"time"
)

// rebindFor bounds Rebind's retries. The port's old socket is kept alive only by children
// between fork and exec (see Rebind), a window of microseconds that a loaded machine can
// stretch to a few milliseconds; a port still taken after this long is taken for real.
const rebindFor = 5 * time.Second

// Rebind runs bind, which listens on a port this process has just closed, again until it
// stops failing with "address already in use" or rebindFor has passed.
//
// Closing a listener does not free its port at once when another goroutine of the process
// is starting a child: the child gets a copy of every descriptor at fork and drops the
// close-on-exec ones only in exec, and the kernel lets the parent go on before that. While
// the copy lives, the socket stays in LISTEN and bind fails. A test process that kills and
// restarts nodes while others start processes hits this (58 of 20,000 close-and-listen
// cycles with two goroutines running /bin/true; seen in the parallel conformance run);
// holding syscall.ForkLock around the close narrows the window but does not shut it (8 of
// 20,000), so the bind is retried instead.
func Rebind(bind func() error) error {
	deadline := time.Now().Add(rebindFor)
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		err := bind()
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(pause)
	}
}

// listen is net.Listen on a port that may have just been closed (Rebind).
func listen(addr string) (net.Listener, error) {
	var ln net.Listener
	err := Rebind(func() (err error) {
		ln, err = net.Listen("tcp", addr)
		return err
	})
	return ln, err
}
