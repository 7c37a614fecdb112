package runner

import (
	"errors"
	"fmt"

	"github.com/distlock/distlock/conformance/spec"
)

// nodeRef is the field of ops that act on one Redis node.
type nodeRef struct {
	Node *int `yaml:"node"`
}

func (n *nodeRef) Check(*spec.Scope) error {
	switch {
	case n.Node == nil:
		return errors.New("missing node")
	case *n.Node < 0 || *n.Node >= nodeCount:
		return fmt.Errorf("node %d: nodes are 0, 1 and 2", *n.Node)
	}
	return nil
}
