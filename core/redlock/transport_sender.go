package redlock

import "sync"

// A sender is one goroutine per node, alive as long as the transport, that sends the
// calls fan-outs hand it. A fan-out to idle nodes sends one call itself and hands the
// others to those nodes' senders. It used to start a goroutine per call instead: a new
// goroutine starts on a small stack and grew it again in go-redis's pipeline code on
// every call (runtime.newstack and copystack took a fifth of a lone caller's CPU, issue
// 16), while a sender's stack stays grown. One sender per node is enough: a call is
// handed to it only by the fan-out that start let send (see pipe.start), and the node
// has one such call at a time, so a sender is never busy with another.
type sender struct {
	jobs chan sendJob
	quit <-chan struct{} // closed when the transport closes
}

type sendJob struct {
	p  *pipe
	c  *call
	wg *sync.WaitGroup
}

func (s *sender) run() {
	for {
		select {
		case j := <-s.jobs:
			j.p.send(j.c)
			j.wg.Done()
		case <-s.quit:
			return
		}
	}
}

// hand has the node's sender send c on p, and marks wg done when it is sent; once the
// transport is closing, a goroutine of its own sends it (to the closed pipe, which
// answers at once).
func (s *sender) hand(p *pipe, c *call, wg *sync.WaitGroup) {
	wg.Add(1)
	select {
	case s.jobs <- sendJob{p, c, wg}:
	case <-s.quit:
		go func() {
			p.send(c)
			wg.Done()
		}()
	}
}
