package runner

import "github.com/distlock/distlock/conformance/protocol"

// restartNodeOp starts one Redis node empty on its address, as a Redis without
// persistence comes back after a crash.
type restartNodeOp struct {
	nodeRef `yaml:",inline"`
}

func (o *restartNodeOp) Caps() []string { return []string{protocol.CapNodes} }

func (o *restartNodeOp) run(r *caseRun) error { return r.env.restartNode(*o.Node) }
