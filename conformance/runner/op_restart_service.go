package runner

import (
	"context"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// restartServiceOp stops and starts `distlock serve` over the same nodes.
type restartServiceOp struct{}

func (o *restartServiceOp) Check(*spec.Scope) error { return nil }

func (o *restartServiceOp) Caps() []string { return []string{protocol.CapService, protocol.CapNodes} }

func (o *restartServiceOp) run(r *caseRun) error { return r.env.svc.restart(context.Background()) }
