package runner

import "github.com/distlock/distlock/conformance/protocol"

// killNodeOp stops one Redis node.
type killNodeOp struct {
	nodeRef `yaml:",inline"`
}

func (o *killNodeOp) Caps() []string { return []string{protocol.CapNodes} }

func (o *killNodeOp) run(r *caseRun) error { return r.env.kill(*o.Node) }
