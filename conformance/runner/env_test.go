package runner

import (
	"errors"
	"testing"
	"time"
)

// flakyNode fails its first restart, as a node whose port was taken meanwhile does.
type flakyNode struct {
	restarts, flushes int
	up                bool
}

func (n *flakyNode) addr() string { return "127.0.0.1:1" }
func (n *flakyNode) kill() error  { n.up = false; return nil }
func (n *flakyNode) restart() error {
	n.restarts++
	if n.restarts == 1 {
		return errors.New("address already in use")
	}
	n.up = true
	return nil
}
func (n *flakyNode) advance(time.Duration) error { return nil }
func (n *flakyNode) flush() error {
	n.flushes++
	if !n.up {
		return errors.New("node is down")
	}
	return nil
}
func (n *flakyNode) close() {}

// TestFailedRestartIsRetriedByTheNextCase: one failed restart fails its own case, not every
// case after it (a full run once lost 24 cases of a target to one busy port).
func TestFailedRestartIsRetriedByTheNextCase(t *testing.T) {
	n := &flakyNode{up: true}
	e := &env{nodes: []node{n}, down: []bool{false}}
	if err := e.kill(0); err != nil {
		t.Fatal(err)
	}
	if err := e.restartNode(0); err == nil {
		t.Fatal("the first restart should fail")
	}
	if err := e.prepare(false); err != nil {
		t.Fatalf("the next case's prepare: %v", err)
	}
	if n.restarts != 2 || !n.up {
		t.Fatalf("restarts = %d, up = %v: prepare did not bring the node back", n.restarts, n.up)
	}
}
